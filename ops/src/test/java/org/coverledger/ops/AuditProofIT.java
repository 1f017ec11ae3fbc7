package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.CommitTree;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event store as a transparency log, used over HTTP as a compliance officer and a regulator
 * would: a signed checkpoint saved, proofs fetched and checked by a verifier this project did not
 * write (Go's {@code golang.org/x/mod/sumdb/note} and {@code tlog}, in src/test/go/auditcheck), and
 * a history rewritten in MongoDB so carefully that the hash chain holds again, which the saved
 * checkpoint still exposes and locates.
 */
class AuditProofIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void checkpoints_and_proofs_check_out_with_gos_verifier_and_a_rewritten_history_fails_the_saved_one()
            throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data, List.of("--coverledger.audit.checkpoint-interval=300ms"));
             MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            Customer customer = Customers.register(system, "Qian Li");
            Api buyer = customer.command(system);
            String policyId = Policies.buy(buyer, customer.accountId()).policyId();
            Api cora = Api.at(system.queryUrl(), "cora");

            // the key is public; the log is for compliance
            Reply key = Api.at(system.queryUrl(), null).get("/api/audit/public-key");
            assertThat(key.status()).as(key.toString()).isEqualTo(200);
            String verifierKey = key.json().get("verifierKey").asText();
            assertThat(key.json().get("algorithm").asText()).isEqualTo("Ed25519");
            assertThat(Api.at(system.queryUrl(), null).get("/api/audit/digest").status()).isEqualTo(401);
            assertThat(customer.query(system).get("/api/audit/digest").status()).isEqualTo(403);

            Reply firstDigest = cora.get("/api/audit/digest", "Accept", "text/plain");
            assertThat(firstDigest.status()).as(firstDigest.toString()).isEqualTo(200);
            String saved = firstDigest.body();
            SignedNote.Checkpoint first = SignedNote.Checkpoint.parse(
                    SignedNote.open(saved, SignedNote.Verifier.parse(verifierKey)).orElseThrow()).orElseThrow();
            assertThat(first.size()).isPositive();
            assertThat(go(verifierKey, saved, null, null)).contains("ok signature");

            Reply changed = buyer.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"Qian Ming\"}");
            assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
            JsonNode digest = cora.get("/api/audit/digest", "Accept", "application/json").json();
            long size = digest.get("treeSize").asLong();
            assertThat(size).isGreaterThan(first.size());
            String latest = digest.get("checkpoint").asText();

            // the policy change's event, proved to be in the log, by Go's tlog
            MongoCollection<Document> commits = client.getDatabase("coverledger").getCollection(MongoCommitLogEngine.COMMITS);
            Document changeCommit = commits.find(Filters.eq("events.agg", policyId)).sort(Sorts.descending("_id")).first();
            String eventId = changeCommit.getList("events", Document.class).get(0).getString("id");
            JsonNode inclusion = cora.get("/api/audit/proofs/inclusion/" + eventId).json();
            assertThat(inclusion.get("position").asLong()).isEqualTo(changeCommit.getLong("_id"));
            assertThat(inclusion.get("treeSize").asLong()).isEqualTo(size);
            assertThat(new String(Base64.getDecoder().decode(inclusion.get("entry").asText()), StandardCharsets.UTF_8))
                    .as("the entry is the commit's canonical bytes, which name the event").contains(eventId);
            ObjectNode proof = JSON.createObjectNode().put("leafIndex", inclusion.get("leafIndex").asLong())
                    .put("entry", inclusion.get("entry").asText());
            proof.set("proof", inclusion.get("proof"));
            assertThat(go(verifierKey, inclusion.get("checkpoint").asText(), proof, null))
                    .contains("ok inclusion leaf " + inclusion.get("leafIndex").asLong() + " in " + size);
            ObjectNode wrongLeaf = proof.deepCopy().put("leafIndex", inclusion.get("leafIndex").asLong() - 1);
            assertThat(go(verifierKey, inclusion.get("checkpoint").asText(), wrongLeaf, null)).contains("FAIL");

            // the log now extends the checkpoint saved before, by Go's tlog
            JsonNode consistency = cora.get("/api/audit/proofs/consistency?from=" + first.size() + "&to=" + size).json();
            assertThat(consistency.get("fromRoot").asText()).isEqualTo(Base64.getEncoder().encodeToString(first.root()));
            ObjectNode extension = JSON.createObjectNode().put("checkpoint", saved);
            extension.set("proof", consistency.get("proof"));
            assertThat(go(verifierKey, latest, null, extension))
                    .contains("ok consistency " + first.size() + " in " + size);

            // an earlier tree size: the event's commit is in it or not
            Reply small = cora.get("/api/audit/proofs/inclusion/" + eventId + "?treeSize=1");
            assertThat(small.status()).as(small.toString()).isEqualTo(400);
            assertThat(small.json().get("errors").findValuesAsText("field")).containsExactly("treeSize");

            // what is asked wrongly
            assertThat(cora.get("/api/audit/proofs/inclusion/no-such-event").status()).isEqualTo(404);
            Reply beyond = cora.get("/api/audit/proofs/inclusion/" + eventId + "?treeSize=" + (size + 10));
            assertThat(beyond.status()).isEqualTo(400);
            assertThat(beyond.json().get("errors").findValuesAsText("field")).containsExactly("treeSize");
            Reply noFrom = cora.get("/api/audit/proofs/consistency");
            assertThat(noFrom.status()).isEqualTo(400);
            assertThat(noFrom.json().get("errors").findValuesAsText("field")).containsExactly("from");
            Reply backwards = cora.get("/api/audit/proofs/consistency?from=" + size + "&to=" + first.size());
            assertThat(backwards.status()).isEqualTo(400);
            Reply junk = cora.post("/api/audit/verifications", "{\"digest\":\"not a note\"}");
            assertThat(junk.status()).isEqualTo(400);
            assertThat(junk.json().get("errors").findValuesAsText("field")).containsExactly("digest");
            String forged = SignedNote.Signer.generate(first.origin()).sign(first.text());
            assertThat(cora.post("/api/audit/verifications", body(forged)).status())
                    .as("a checkpoint signed by another key").isEqualTo(400);

            // checkpoints are recorded as the store grows
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                JsonNode items = cora.get("/api/audit/checkpoints").json().get("items");
                return items.size() > 0 && items.get(items.size() - 1).get("treeSize").asLong() >= size;
            });
            JsonNode recorded = cora.get("/api/audit/checkpoints?limit=500").json().get("items");
            JsonNode last = recorded.get(recorded.size() - 1);
            assertThat(go(verifierKey, last.get("checkpoint").asText(), null, null)).contains("ok signature");

            JsonNode valid = cora.post("/api/audit/verifications", body(saved)).json();
            assertThat(valid.get("valid").asBoolean()).as(valid.toString()).isTrue();
            assertThat(valid.get("digest").get("extended").asBoolean()).isTrue();

            // a rewrite: the policy's purchase changed, and every link from there on sealed again,
            // so that the chain alone holds; the tree is built again from the forged store
            Document bought = commits.find(Filters.eq("events.agg", policyId)).sort(Sorts.ascending("_id")).first();
            long position = bought.getLong("_id");
            List<Document> events = new ArrayList<>(bought.getList("events", Document.class));
            String payload = events.get(0).getString("payload");
            int at = payload.length() / 2;
            events.get(0).put("payload", payload.substring(0, at) + (char) (payload.charAt(at) ^ 1) + payload.substring(at + 1));
            commits.updateOne(Filters.eq("_id", position), Updates.set("events", events));
            reseal(commits, position);
            JsonNode chainOnly = cora.post("/api/audit/verifications", "").json();
            assertThat(chainOnly.get("failure")).as("the chain was sealed again: alone it holds " + chainOnly).isNull();
            assertThat(chainOnly.get("entries").get("failure").get("position").asLong())
                    .as("the audit entries, recorded before, no longer match the forged event").isEqualTo(position);
            JsonNode found = cora.post("/api/audit/verifications", body(saved)).json();
            assertThat(found.get("valid").asBoolean()).as(found.toString()).isFalse();
            assertThat(found.get("digest").get("extended").asBoolean()).isFalse();
            assertThat(found.get("digest").get("position").asLong()).as("located by the tree's leaves").isEqualTo(position);

            Reply changedProof = cora.get("/api/audit/proofs/inclusion/" + events.get(0).getString("id"));
            assertThat(changedProof.status()).as("no proof for a commit that is not what the tree recorded: "
                    + changedProof).isEqualTo(409);
            assertThat(changedProof.json().get("code").asText()).isEqualTo("AUDIT_COMMIT_CHANGED");

            new CommitTree(client.getDatabase("coverledger")).clear(); // the tiles rebuilt from the forgery
            JsonNode forgedTree = cora.post("/api/audit/verifications", body(saved)).json();
            assertThat(forgedTree.get("valid").asBoolean()).as("the saved checkpoint still fails").isFalse();
            JsonNode newDigest = cora.get("/api/audit/digest", "Accept", "application/json").json();
            JsonNode noExtension = cora.get("/api/audit/proofs/consistency?from=" + first.size() + "&to="
                    + newDigest.get("treeSize").asLong()).json();
            ObjectNode claim = JSON.createObjectNode().put("checkpoint", saved);
            claim.set("proof", noExtension.get("proof"));
            assertThat(go(verifierKey, newDigest.get("checkpoint").asText(), null, claim))
                    .as("no proof links the forged log to the saved checkpoint").contains("FAIL");

            // the tree's own documents tampered with: a described conflict, never a 500
            MongoCollection<Document> tiles = client.getDatabase("coverledger").getCollection(CommitTree.COLLECTION);
            Document tile = tiles.find(Filters.eq("_id", "tile/0/0")).first();
            for (var damage : List.of(Updates.set("count", "many"), Updates.set("hashes", new org.bson.types.Binary(
                    new byte[7])), Updates.unset("positions"), Updates.set("count", 100_000))) {
                tiles.updateOne(Filters.eq("_id", "tile/0/0"), damage);
                for (String path : List.of("/api/audit/digest", "/api/audit/proofs/inclusion/" + eventId,
                        "/api/audit/proofs/consistency?from=1")) {
                    Reply damaged = cora.get(path);
                    assertThat(damaged.status()).as(path + " with " + damage + ": " + damaged).isEqualTo(409);
                    assertThat(damaged.json().get("code").asText()).isEqualTo("AUDIT_TREE_DAMAGED");
                }
                tiles.replaceOne(Filters.eq("_id", "tile/0/0"), tile);
            }
            tiles.updateOne(Filters.eq("_id", "head"), Updates.set("size", "all of them"));
            Reply damagedHead = cora.get("/api/audit/digest", "Accept", "application/json");
            assertThat(damagedHead.status()).as(damagedHead.toString()).isEqualTo(409);
            assertThat(damagedHead.json().get("code").asText()).isEqualTo("AUDIT_TREE_DAMAGED");
            tiles.deleteMany(new Document()); // the documented repair: built again from the store
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                    cora.get("/api/audit/digest", "Accept", "application/json").status() == 200);
        }
    }

    private static String body(String note) {
        return JSON.createObjectNode().put("digest", note).toString();
    }

    /** Seals every commit from {@code from} on again, as a forger who knows the README's chain would. */
    private static void reseal(MongoCollection<Document> commits, long from) throws Exception {
        Document before = commits.find(Filters.and(Filters.lt("_id", from), Filters.ne("void", true)))
                .sort(Sorts.descending("_id")).first();
        byte[] previous = before == null ? new byte[32] : HexFormat.of().parseHex(before.getString("chain"));
        for (Document commit : commits.find(Filters.and(Filters.gte("_id", from), Filters.ne("void", true)))
                .sort(Sorts.ascending("_id"))) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] own = sha.digest(CommitChain.canonical(commit));
            sha.update(previous);
            sha.update(own);
            previous = sha.digest();
            commits.updateOne(Filters.eq("_id", commit.getLong("_id")), Updates.set("chain", HexFormat.of().formatHex(previous)));
        }
    }

    /** Runs the Go verifier on a checkpoint, with an inclusion and a consistency claim if given; its output. */
    static String go(String verifierKey, String checkpoint, JsonNode inclusion, JsonNode consistency) throws Exception {
        ObjectNode request = JSON.createObjectNode().put("verifierKey", verifierKey).put("checkpoint", checkpoint);
        if (inclusion != null) {
            request.set("inclusion", inclusion);
        }
        if (consistency != null) {
            request.set("consistency", consistency);
        }
        return go(request);
    }

    /** Runs the Go verifier on a request as its comment describes; its output. */
    static String go(ObjectNode request) throws Exception {
        Path source = Path.of("src/test/go/auditcheck/main.go").toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(goBinary(), "run", source.toString()).redirectErrorStream(true);
        builder.environment().put("GO111MODULE", "off");
        builder.environment().put("GOPATH", "/usr/share/gocode");
        builder.environment().put("GOCACHE", Path.of("target/gocache").toAbsolutePath().toString());
        builder.environment().put("GOFLAGS", "");
        Process process = builder.start();
        process.getOutputStream().write(request.toString().getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(output).as("the Go verifier ran (not a build failure)").containsPattern("(?m)^(ok|FAIL) ");
        assertThat(process.exitValue() == 0).as(output).isEqualTo(!output.contains("FAIL"));
        return output;
    }

    private static String goBinary() throws IOException {
        for (String candidate : List.of("/usr/bin/go", "/usr/lib/go/bin/go", "/usr/local/go/bin/go")) {
            if (Files.isExecutable(Path.of(candidate))) {
                if (!Files.isDirectory(Path.of("/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog"))) {
                    throw new IllegalStateException("Go's sumdb packages are missing: apt-get install "
                            + "golang-golang-x-mod-dev (.ci/run does)");
                }
                return candidate;
            }
        }
        throw new IllegalStateException("no Go toolchain: apt-get install golang-go golang-golang-x-mod-dev (.ci/run does)");
    }
}
