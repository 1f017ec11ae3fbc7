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
        String latest = latestNote(url, seenSize);
        if (latest == null) {
            System.out.println("nothing new after tree size " + seenSize);
            return Outcome.NOTHING_NEW;
        }
        String text = SignedNote.open(latest, logKey)
                .orElseThrow(() -> new IllegalStateException("the latest checkpoint is not signed by the log's key"));
        Checkpoint checkpoint = Checkpoint.parse(text)
                .orElseThrow(() -> new IllegalStateException("the signed note is no checkpoint"));
        if (seenRoot != null) {
            if (checkpoint.size() < seenSize) {
                System.out.println("FORKED: the log's tree of " + checkpoint.size() + " is smaller than the "
                        + seenSize + " already cosigned");
                return Outcome.FORKED;
            }
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

    /** The latest recorded checkpoint past {@code after}, or null. */
    private static String latestNote(String url, long after) throws IOException, InterruptedException {
        String latest = null;
        Optional<Long> next = Optional.of(after);
        while (next.isPresent()) {
            JsonNode page = get(url + "/api/audit/checkpoints?limit=500&after=" + next.get());
            for (JsonNode item : page.get("items")) {
                latest = item.get("checkpoint").asText();
            }
            next = page.hasNonNull("next") ? Optional.of(page.get("next").asLong()) : Optional.empty();
        }
        return latest;
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
