package org.coverledger.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.coverledger.eventstore.SignedNote.Verifier;

/**
 * {@code ops/verify-audit FILE [DIGEST] [--key VERIFIER_KEY]}: checks an NDJSON export of the audit
 * trail ({@code GET /api/audit/export}) with no database. Every commit line must hash to its leaf;
 * every entry must say what its commit's canonical bytes say (the event's identifier, type,
 * aggregate, sequence, time, and who, which request and from where in its metadata, read from
 * the bytes as the README defines them, by this class's own parser); the closing checkpoint must be
 * signed by the key; a complete export must rebuild the checkpoint's root from its commits, and a
 * filtered one must prove each commit in it. With DIGEST (a checkpoint saved earlier), a complete
 * export must also extend it. Reads the file twice (the checkpoint closes it), in constant memory.
 * Exit code 0: valid; 2: not valid (the first line that fails is named); 1: the check could not run.
 */
public final class VerifyAudit {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] VERSION = "coverledger-commit-v1\n".getBytes(StandardCharsets.US_ASCII);

    private VerifyAudit() {
    }

    /** The outcome: valid or not, the line that failed (0: none), and what was checked, in words. */
    public record Report(boolean valid, long line, String message, long commits, long entries, long treeSize,
                         List<String> warnings) {
    }

    /** One event of a commit, as its canonical bytes hold it. */
    record Event(String id, long timestamp, String payloadType, String metaData, String aggregateType,
                 String aggregateId, Long sequence) {
    }

    /** Reads a commit's canonical bytes (README "The audit chain"): its first index and events. */
    static List<Event> parse(byte[] canonical, long[] first) {
        ByteBuffer in = ByteBuffer.wrap(canonical);
        byte[] version = new byte[VERSION.length];
        in.get(version);
        if (!Arrays.equals(version, VERSION)) {
            throw new IllegalArgumentException("not a commit's canonical bytes (version line)");
        }
        first[0] = in.getLong();
        in.getLong(); // last
        List<Event> events = new ArrayList<>();
        while (in.hasRemaining()) {
            String[] fields = new String[10];
            for (int i = 0; i < 10; i++) {
                int length = in.getInt();
                if (length == -1) {
                    continue;
                }
                byte[] bytes = new byte[length];
                in.get(bytes);
                fields[i] = new String(bytes, StandardCharsets.UTF_8);
            }
            events.add(new Event(fields[0], Long.parseLong(fields[1]), fields[3], fields[6], fields[7], fields[8],
                    fields[9] == null ? null : Long.parseLong(fields[9])));
        }
        return events;
    }

    public static Report verify(Path file, Path digest, String key) throws IOException {
        List<String> warnings = new ArrayList<>();
        // the last line: the checkpoint
        String last = null;
        String firstLine = null;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (firstLine == null) {
                    firstLine = line;
                }
                if (!line.isBlank()) {
                    last = line;
                }
            }
        }
        if (firstLine == null) {
            return new Report(false, 1, "the file is empty", 0, 0, 0, warnings);
        }
        JsonNode header = JSON.readTree(firstLine);
        if (!"header".equals(header.path("type").asText()) || !"coverledger-audit-export-v1".equals(header.path("format").asText())) {
            return new Report(false, 1, "not a CoverLedger audit export (no coverledger-audit-export-v1 header)", 0, 0, 0, warnings);
        }
        Verifier verifier;
        if (key != null) {
            verifier = Verifier.parse(key);
        } else {
            verifier = Verifier.parse(header.path("verifierKey").asText());
            warnings.add("the signing key was taken from the file itself; pass --key with the key published by the "
                    + "deployment to rule out a forged export signed with another key");
        }
        JsonNode closing = JSON.readTree(last);
        if (!"checkpoint".equals(closing.path("type").asText())) {
            return new Report(false, 0, "the export has no closing checkpoint (cut short?)", 0, 0, 0, warnings);
        }
        Optional<Checkpoint> signed = SignedNote.open(closing.path("checkpoint").asText(), verifier)
                .flatMap(Checkpoint::parse);
        if (signed.isEmpty()) {
            return new Report(false, 0, "the closing checkpoint is not signed by " + verifier.name(), 0, 0, 0, warnings);
        }
        Checkpoint checkpoint = signed.get();
        long size = header.path("treeSize").asLong();
        if (checkpoint.size() != size || !checkpoint.origin().equals(header.path("origin").asText())) {
            return new Report(false, 1, "the header's tree size or origin is not the checkpoint's", 0, 0, size, warnings);
        }
        Checkpoint saved = null;
        if (digest != null) {
            saved = SignedNote.open(Files.readString(digest), verifier).flatMap(Checkpoint::parse).orElse(null);
            if (saved == null) {
                return new Report(false, 0, "the saved digest is not a checkpoint signed by " + verifier.name(), 0, 0,
                        size, warnings);
            }
        }
        boolean complete = header.path("complete").asBoolean();
        if (saved != null && !complete) {
            return new Report(false, 0, "a saved digest can only be checked against a complete (unfiltered) export",
                    0, 0, size, warnings);
        }
        if (saved != null && saved.size() > size) {
            return new Report(false, 0, "the saved digest covers " + saved.size() + " commits, the export only " + size,
                    0, 0, size, warnings);
        }

        MerkleTree.Range range = new MerkleTree.Range();
        if (saved != null && saved.size() == 0 && !Arrays.equals(saved.root(), MerkleTree.EMPTY)) {
            return new Report(false, 0, "the saved digest's root is not the empty tree's", 0, 0, size, warnings);
        }
        long commits = 0;
        long entries = 0;
        long number = 0;
        long currentLeaf = -1;
        List<Event> events = List.of();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
              try {
                number++;
                if (number == 1 || text.isBlank()) {
                    continue;
                }
                JsonNode line = JSON.readTree(text);
                String type = line.path("type").asText();
                if (type.equals("checkpoint")) {
                    if (line.path("commits").asLong() != commits || line.path("entries").asLong() != entries) {
                        return new Report(false, number, "the checkpoint line counts other commits or entries than "
                                + "the file holds", commits, entries, size, warnings);
                    }
                    continue;
                }
                if (type.equals("commit")) {
                    long leaf = line.path("leafIndex").asLong(-1);
                    byte[] entry = Base64.getDecoder().decode(line.path("entry").asText());
                    byte[] leafHash = MerkleTree.leafHash(entry);
                    if (!Arrays.equals(leafHash, Base64.getDecoder().decode(line.path("leafHash").asText()))) {
                        return new Report(false, number, "commit " + leaf + " does not hash to its leaf", commits,
                                entries, size, warnings);
                    }
                    long[] first = new long[1];
                    events = parse(entry, first);
                    if (first[0] != line.path("position").asLong()) {
                        return new Report(false, number, "commit " + leaf + " is not at the position it names",
                                commits, entries, size, warnings);
                    }
                    if (complete) {
                        if (leaf != range.size()) {
                            return new Report(false, number, "leaf " + range.size() + " is missing (the line has "
                                    + leaf + ")", commits, entries, size, warnings);
                        }
                        range.add(leafHash);
                        if (saved != null && range.size() == saved.size()
                                && !Arrays.equals(range.root(), saved.root())) {
                            return new Report(false, number, "the first " + saved.size() + " commits do not hash to "
                                    + "the saved digest's root: the history it covers was changed", commits, entries,
                                    size, warnings);
                        }
                    } else {
                        List<byte[]> proof = new ArrayList<>();
                        line.path("proof").forEach(p -> proof.add(Base64.getDecoder().decode(p.asText())));
                        if (!MerkleTree.verifyInclusion(leaf, size, leafHash, proof, checkpoint.root())) {
                            return new Report(false, number, "commit " + leaf + " is not proved to be in the signed "
                                    + "tree", commits, entries, size, warnings);
                        }
                    }
                    currentLeaf = leaf;
                    commits++;
                    continue;
                }
                if (!type.equals("entry")) {
                    return new Report(false, number, "a line of unknown type " + type, commits, entries, size, warnings);
                }
                if (line.path("leafIndex").asLong(-2) != currentLeaf) {
                    return new Report(false, number, "an entry without its commit before it", commits, entries, size,
                            warnings);
                }
                String problem = mismatch(line, events);
                if (problem != null) {
                    return new Report(false, number, "entry " + line.path("eventId").asText() + ": " + problem,
                            commits, entries, size, warnings);
                }
                entries++;
              } catch (IOException | RuntimeException e) {
                return new Report(false, number, "the line cannot be read: " + e.getMessage(), commits, entries, size,
                        warnings);
              }
            }
        }
        if (complete && range.size() != size) {
            return new Report(false, number, "the export holds " + range.size() + " commits where the checkpoint has "
                    + size, commits, entries, size, warnings);
        }
        if (complete && !Arrays.equals(range.root(), checkpoint.root())) {
            return new Report(false, number, "the commits do not hash to the checkpoint's root", commits, entries, size,
                    warnings);
        }
        return new Report(true, 0, (complete ? "complete export" : "filtered export") + ": " + commits + " commits, "
                + entries + " entries, in the tree of " + size + " signed by " + verifier.name()
                + (saved != null ? "; it extends the saved digest of " + saved.size() : ""), commits, entries, size,
                warnings);
    }

    /** What the entry says that its commit's bytes do not; null if it agrees. */
    private static String mismatch(JsonNode entry, List<Event> events) throws IOException {
        String id = entry.path("eventId").asText();
        Event event = events.stream().filter(e -> e.id().equals(id)).findFirst().orElse(null);
        if (event == null) {
            return "no event of its commit has this identifier";
        }
        String simpleName = event.payloadType().substring(Math.max(event.payloadType().lastIndexOf('.'),
                event.payloadType().lastIndexOf('$')) + 1);
        if (!simpleName.equals(entry.path("eventType").asText())) {
            return "eventType is not the event's (" + simpleName + ")";
        }
        if (!same(event.aggregateType(), entry.get("aggregateType")) || !same(event.aggregateId(), entry.get("aggregateId"))) {
            return "aggregate is not the event's";
        }
        if (event.sequence() != null && event.sequence() != entry.path("sequence").asLong()) {
            return "sequence is not the event's";
        }
        if (java.time.Instant.parse(entry.path("timestamp").asText()).toEpochMilli() != event.timestamp()) {
            return "timestamp is not the event's";
        }
        JsonNode meta = event.metaData() == null ? JSON.createObjectNode() : JSON.readTree(event.metaData());
        for (String field : List.of(CommandMetadata.ACTOR, CommandMetadata.ROLES, CommandMetadata.REQUEST_ID,
                CommandMetadata.CLIENT_IP, CommandMetadata.CORRELATION_ID, CommandMetadata.CAUSATION_ID)) {
            JsonNode value = meta.get(field);
            String stored = value == null || value.isNull() ? null : value.isTextual() ? value.asText() : value.toString();
            if (!same(stored, entry.get(field))) {
                return field + " is not what the event's metadata says";
            }
        }
        return null;
    }

    private static boolean same(String stored, JsonNode exported) {
        String value = exported == null || exported.isNull() ? null : exported.asText();
        return java.util.Objects.equals(stored, value);
    }

    public static void main(String[] args) {
        Path file = null;
        Path digest = null;
        String key = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--key") && i + 1 < args.length) {
                key = args[++i];
            } else if (file == null) {
                file = Path.of(args[i]);
            } else if (digest == null) {
                digest = Path.of(args[i]);
            } else {
                file = null;
                break;
            }
        }
        if (file == null) {
            System.err.println("usage: ops/verify-audit FILE [DIGEST] [--key VERIFIER_KEY]");
            System.exit(1);
        }
        try {
            Report report = verify(file, digest, key);
            report.warnings().forEach(w -> System.out.println("warning: " + w));
            System.out.println(report.valid() ? "VALID: " + report.message()
                    : "NOT VALID" + (report.line() > 0 ? " at line " + report.line() : "") + ": " + report.message());
            System.exit(report.valid() ? 0 : 2);
        } catch (IOException | RuntimeException e) {
            System.err.println("ops/verify-audit: " + e.getMessage());
            System.exit(1);
        }
    }
}
