package org.coverledger.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.coverledger.eventstore.Cosignature;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.SignedNote.Checkpoint;

/**
 * {@code ops/witness URL LOG_VERIFIER_KEY WITNESS_KEY_FILE STATE_FILE}: one round of a witness of
 * the audit log, as C2SP tlog-witness describes a witness's duty. It reads the latest checkpoint
 * the query side recorded (GET /api/audit/checkpoints, no account needed), checks the log's
 * signature, and, if it has cosigned an earlier one (STATE_FILE: tree size and root), checks the
 * consistency proof between the two (GET /api/audit/proofs/consistency) itself; only then does it
 * cosign (tlog-cosignature/v1) and send the cosignature (POST .../cosignatures), and remember the
 * new size and root. A log that shrank or whose proof fails has forked: nothing is cosigned, exit 2.
 * Run it from cron on a machine the log's operators do not control.
 */
public final class Witness {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private Witness() {
    }

    /** The round's outcome. */
    enum Outcome { COSIGNED, NOTHING_NEW, FORKED }

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: ops/witness URL LOG_VERIFIER_KEY WITNESS_KEY_FILE STATE_FILE");
            System.exit(1);
        }
        try {
            Outcome outcome = round(args[0], SignedNote.Verifier.parse(args[1]),
                    Cosignature.Cosigner.parse(Files.readString(Path.of(args[2]))), Path.of(args[3]));
            System.exit(outcome == Outcome.FORKED ? 2 : 0);
        } catch (IOException | RuntimeException e) {
            System.err.println("ops/witness: " + e.getMessage());
            System.exit(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            System.exit(1);
        }
    }

    static Outcome round(String url, SignedNote.Verifier logKey, Cosignature.Cosigner witness, Path state)
            throws IOException, InterruptedException {
        long seenSize = 0;
        byte[] seenRoot = null;
        if (Files.exists(state)) {
            String[] lines = Files.readString(state).split("\n");
            seenSize = Long.parseLong(lines[0].trim());
            seenRoot = Base64.getDecoder().decode(lines[1].trim());
        }
        // from the one cosigned last on: it must still be there, unchanged, or the log was rolled back
        List<String> notes = notesFrom(url, Math.max(0, seenSize - 1));
        if (seenRoot != null) {
            Checkpoint again = notes.isEmpty() ? null : open(notes.get(0), logKey);
            if (again == null || again.size() != seenSize || !java.util.Arrays.equals(again.root(), seenRoot)) {
                System.out.println("FORKED: the checkpoint of tree size " + seenSize + " cosigned before is "
                        + (again == null || again.size() != seenSize ? "gone" : "changed") + ": the log was rolled back "
                        + "or rewritten");
                return Outcome.FORKED;
            }
            notes = notes.subList(1, notes.size());
        }
        if (notes.isEmpty()) {
            System.out.println("nothing new after tree size " + seenSize);
            return Outcome.NOTHING_NEW;
        }
        String latest = notes.get(notes.size() - 1);
        Checkpoint checkpoint = open(latest, logKey);
        String text = SignedNote.open(latest, logKey).orElseThrow(); // cosigned as the log signed it
        if (seenRoot != null) {
            JsonNode proof = get(url + "/api/audit/proofs/consistency?from=" + seenSize + "&to=" + checkpoint.size());
            List<byte[]> hashes = new ArrayList<>();
            proof.get("proof").forEach(h -> hashes.add(Base64.getDecoder().decode(h.asText())));
            if (!MerkleTree.verifyConsistency(seenSize, checkpoint.size(), seenRoot, checkpoint.root(), hashes)) {
                System.out.println("FORKED: the tree of " + checkpoint.size() + " does not extend the tree of "
                        + seenSize + " cosigned before");
                return Outcome.FORKED;
            }
        }
        String line = witness.cosign(text, Instant.now().getEpochSecond());
        HttpResponse<String> sent = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/api/audit/checkpoints/"
                        + checkpoint.size() + "/cosignatures")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/plain;charset=UTF-8")
                .POST(HttpRequest.BodyPublishers.ofString(line + "\n")).build(), HttpResponse.BodyHandlers.ofString());
        if (sent.statusCode() != 200) {
            throw new IllegalStateException("the log refused the cosignature: " + sent.statusCode() + " " + sent.body());
        }
        Path written = state.resolveSibling(state.getFileName() + ".new");
        Files.writeString(written, checkpoint.size() + "\n" + Base64.getEncoder().encodeToString(checkpoint.root())
                + "\n", StandardCharsets.UTF_8);
        Files.move(written, state, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.out.println("cosigned tree size " + checkpoint.size() + " as " + witness.key().name());
        return Outcome.COSIGNED;
    }

    /** The checkpoint signed by the log's key, of the log's own origin (not its access log's, say). */
    private static Checkpoint open(String note, SignedNote.Verifier logKey) {
        Checkpoint checkpoint = SignedNote.open(note, logKey).flatMap(Checkpoint::parse)
                .orElseThrow(() -> new IllegalStateException("a checkpoint is not signed by the log's key"));
        if (!checkpoint.origin().equals(logKey.name())) {
            throw new IllegalStateException("a checkpoint of another log: " + checkpoint.origin());
        }
        return checkpoint;
    }

    /** The recorded checkpoints past {@code after}, oldest first: the first and the last of them are kept. */
    private static List<String> notesFrom(String url, long after) throws IOException, InterruptedException {
        List<String> notes = new ArrayList<>();
        Optional<Long> next = Optional.of(after);
        while (next.isPresent()) {
            JsonNode page = get(url + "/api/audit/checkpoints?limit=500&after=" + next.get());
            for (JsonNode item : page.get("items")) {
                if (notes.size() == 2) {
                    notes.set(1, item.get("checkpoint").asText());
                } else {
                    notes.add(item.get("checkpoint").asText());
                }
            }
            next = page.hasNonNull("next") ? Optional.of(page.get("next").asLong()) : Optional.empty();
        }
        return notes;
    }

    private static JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET " + url + " answered " + answer.statusCode() + " " + answer.body());
        }
        return JSON.readTree(answer.body());
    }
}
