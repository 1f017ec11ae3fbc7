package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.awaitility.Awaitility;
import org.coverledger.eventstore.Cosignature;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A witness (ops/witness, run here in-process against the running system over HTTP) cosigns the
 * recorded checkpoints only after checking each extends the last it cosigned; the cosignature is
 * checked by a second implementation in Go; a forked log is refused, and a cosignature from a
 * witness not configured, or not of that checkpoint, is refused and changes nothing.
 */
class AuditWitnessIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void a_witness_cosigns_only_a_log_that_extends_what_it_saw() throws Exception {
        Cosignature.Cosigner witness = Cosignature.Cosigner.generate("witness.example.org/w1");
        Cosignature.Cosigner stranger = Cosignature.Cosigner.generate("witness.example.org/stranger");
        try (RunningSystem system = RunningSystem.startWith(data, List.of(
                "--coverledger.audit.checkpoint-interval=300ms",
                "--coverledger.audit.witnesses=" + witness.key().text()))) {
            Customer customer = Customers.register(system, "Song Jia");
            Policies.buy(customer.command(system), customer.accountId());
            Api anyone = Api.at(system.queryUrl(), null);
            String logKey = anyone.get("/api/audit/public-key").json().get("verifierKey").asText();
            JsonNode first = awaitCheckpointAbove(anyone, 0);
            Path state = data.resolve("witness.state");

            assertThat(Witness.round(system.queryUrl(), SignedNote.Verifier.parse(logKey), witness, state))
                    .isEqualTo(Witness.Outcome.COSIGNED);
            JsonNode cosigned = at(anyone, state);
            assertThat(cosigned.get("cosignedBy")).extracting(JsonNode::asText).containsExactly("witness.example.org/w1");
            String note = cosigned.get("checkpoint").asText();
            ObjectNode request = JSON.createObjectNode().put("verifierKey", logKey).put("checkpoint", note);
            request.putArray("witnessKeys").add(witness.key().text());
            assertThat(AuditProofIT.go(request)).as("Go's note opens the cosigned note, and checks the cosignature")
                    .contains("ok cosignature witness.example.org/w1");
            ObjectNode other = request.deepCopy();
            other.putArray("witnessKeys").add(stranger.key().text());
            assertThat(AuditProofIT.go(other)).as("and finds none of a witness that did not cosign").contains("FAIL");
            assertThat(Witness.round(system.queryUrl(), SignedNote.Verifier.parse(logKey), witness, state))
                    .isEqualTo(Witness.Outcome.NOTHING_NEW);

            // the log grows: the witness checks the consistency proof from what it cosigned, then cosigns
            Policies.buy(customer.command(system), customer.accountId());
            JsonNode later = awaitCheckpointAbove(anyone, cosigned.get("treeSize").asLong());
            assertThat(Witness.round(system.queryUrl(), SignedNote.Verifier.parse(logKey), witness, state))
                    .isEqualTo(Witness.Outcome.COSIGNED);
            JsonNode second = at(anyone, state);
            assertThat(second.get("treeSize").asLong()).isGreaterThanOrEqualTo(later.get("treeSize").asLong())
                    .isGreaterThan(first.get("treeSize").asLong());
            assertThat(second.get("cosignedBy")).extracting(JsonNode::asText).containsExactly("witness.example.org/w1");

            // what the witness remembers differs from the log's history: a fork, not cosigned
            long size = second.get("treeSize").asLong();
            Files.writeString(state, (size - 1) + "\n" + Base64.getEncoder().encodeToString(new byte[32]) + "\n");
            Policies.buy(customer.command(system), customer.accountId());
            awaitCheckpointAbove(anyone, size);
            assertThat(Witness.round(system.queryUrl(), SignedNote.Verifier.parse(logKey), witness, state))
                    .isEqualTo(Witness.Outcome.FORKED);
            assertThat(last(anyone).path("cosignedBy")).as("nothing cosigned").isEmpty();

            // hostile cosignatures: refused, nothing changed
            JsonNode target = last(anyone);
            String text = SignedNote.split(target.get("checkpoint").asText()).orElseThrow().text();
            String path = "/api/audit/checkpoints/" + target.get("treeSize").asLong() + "/cosignatures";
            Reply unknown = post(anyone, path, stranger.cosign(text, 1_700_000_000L));
            assertThat(unknown.status()).as(unknown.toString()).isEqualTo(400);
            String wrongTree = witness.cosign(text.replace("\n" + target.get("treeSize").asLong() + "\n", "\n1\n"),
                    1_700_000_000L);
            assertThat(post(anyone, path, wrongTree).status()).isEqualTo(400);
            assertThat(post(anyone, path, wrongTree + "\n" + witness.cosign(text, 1_700_000_000L)).status())
                    .as("all or nothing").isEqualTo(400);
            assertThat(post(anyone, path, "no lines at all").status()).isEqualTo(400);
            assertThat(post(anyone, "/api/audit/checkpoints/999999/cosignatures", witness.cosign(text, 1L)).status())
                    .isEqualTo(404);
            assertThat(post(anyone, "/api/audit/checkpoints/x/cosignatures", witness.cosign(text, 1L)).status())
                    .isEqualTo(400);
            assertThat(at(anyone, target.get("treeSize").asLong()).path("cosignedBy")).isEmpty();
            Reply good = post(anyone, path, witness.cosign(text, 1_700_000_000L));
            assertThat(good.status()).as(good.toString()).isEqualTo(200);
            assertThat(good.json().get("accepted")).extracting(JsonNode::asText).containsExactly("witness.example.org/w1");
            String newer = witness.cosign(text, 1_700_000_100L);
            assertThat(post(anyone, path, newer).status()).isEqualTo(200);
            assertThat(post(anyone, path, witness.cosign(text, 1_700_000_000L)).status()).isEqualTo(200);
            assertThat(at(anyone, target.get("treeSize").asLong()).get("checkpoint").asText())
                    .as("an older line sent again does not displace the "
                    + "newer").contains(newer.substring(2)).doesNotContain(witness.cosign(text, 1_700_000_000L)
                    .substring(2));
            Reply future = post(anyone, path, witness.cosign(text, java.time.Instant.now().getEpochSecond() + 86_400));
            assertThat(future.status()).as("dated tomorrow").isEqualTo(400);

            // the recorded cosignatures changed into nonsense in MongoDB: a described conflict, not a 500
            try (com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create(
                    system.mongoConnectionString())) {
                var checkpoints = client.getDatabase("coverledger").getCollection("audit_checkpoints");
                var filter = com.mongodb.client.model.Filters.eq("_id", target.get("treeSize").asLong());
                org.bson.Document kept = checkpoints.find(filter).first();
                checkpoints.updateOne(filter, com.mongodb.client.model.Updates.set("note", 5));
                Reply damaged = anyone.get("/api/audit/checkpoints?limit=500");
                assertThat(damaged.status()).as(damaged.toString()).isEqualTo(409);
                assertThat(damaged.json().get("code").asText()).isEqualTo("AUDIT_DATA_DAMAGED");
                checkpoints.updateOne(filter, com.mongodb.client.model.Updates.set("cosignatures", List.of("x")));
                checkpoints.updateOne(filter, com.mongodb.client.model.Updates.set("note", kept.getString("note")));
                assertThat(anyone.get("/api/audit/checkpoints?limit=500").status()).as("a cosignature that is not "
                        + "one is left out").isEqualTo(200);
                checkpoints.replaceOne(filter, kept);
            }
        }
    }

    private static Reply post(Api api, String path, String body) {
        return api.send("POST", path, body, "Content-Type", "text/plain;charset=UTF-8");
    }

    /** The recorded checkpoint of the tree size the witness's state file holds. */
    private static JsonNode at(Api api, Path state) throws java.io.IOException {
        return at(api, Long.parseLong(Files.readString(state).split("\n")[0]));
    }

    private static JsonNode at(Api api, long size) {
        for (JsonNode item : api.get("/api/audit/checkpoints?limit=500").json().get("items")) {
            if (item.get("treeSize").asLong() == size) {
                return item;
            }
        }
        throw new AssertionError("no checkpoint of tree size " + size);
    }

    private static JsonNode last(Api api) {
        JsonNode items = api.get("/api/audit/checkpoints?limit=500").json().get("items");
        return items.get(items.size() - 1);
    }

    private static JsonNode awaitCheckpointAbove(Api api, long size) {
        return Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            JsonNode items = api.get("/api/audit/checkpoints?limit=500").json().get("items");
            return items.isEmpty() ? null : items.get(items.size() - 1);
        }, item -> item != null && item.get("treeSize").asLong() > size);
    }
}
