package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event store's hash chain checked over HTTP while the stored commits are tampered with over
 * the real MongoDB driver, as someone with write access to the database would: each change is
 * found and located, and the chain holds again once the bytes are back.
 */
class AuditChainIT {

    @TempDir
    Path data;

    @Test
    void a_byte_changed_or_a_commit_deleted_in_mongodb_is_found_and_located_over_http() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data, List.of());
             MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            Customer customer = Customers.register(system, "Gao Yan");
            Api buyer = customer.command(system);
            String policyId = Policies.buy(buyer, customer.accountId()).policyId();
            Reply changed = buyer.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"Gao Ming\"}");
            assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
            Api cora = Api.at(system.queryUrl(), "cora");

            Reply valid = cora.post("/api/audit/verifications", "");
            assertThat(valid.status()).as(valid.toString()).isEqualTo(200);
            assertThat(valid.json().get("valid").asBoolean()).as(valid.toString()).isTrue();
            assertThat(valid.json().get("commits").asLong()).isPositive();

            // a long verification in the background: 202 at once, then its progress and the same answer
            // once the audit trail holds the change (X-Min-Position), so that its entries are compared too
            Reply queued = cora.send("POST", "/api/audit/verifications", "{\"from\":0}", "Content-Type",
                    "application/json", "Prefer", "respond-async", "X-Min-Position", changed.header("X-Event-Position"));
            assertThat(queued.status()).as(queued.toString()).isEqualTo(202);
            assertThat(queued.header("Preference-Applied")).isEqualTo("respond-async");
            String location = queued.header("Location");
            assertThat(location).isEqualTo("/api/audit/verifications/" + queued.json().get("id").asText());
            JsonNode job = org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> cora.get(location).json(), j -> j.get("state").asText().equals("DONE"));
            assertThat(job.get("requestedBy").asText()).isEqualTo("cora");
            assertThat(job.get("phase").asText()).as("the last part run").isEqualTo("ENTRIES");
            assertThat(job.get("total").asLong()).isPositive();
            assertThat(job.get("done").asLong()).isEqualTo(job.get("total").asLong());
            assertThat(job.get("result").get("valid").asBoolean()).isTrue();
            assertThat(job.get("result").get("commits").asLong()).isEqualTo(valid.json().get("commits").asLong());
            assertThat(cora.get("/api/audit/verifications/no-such-job").status()).isEqualTo(404);
            MongoCollection<Document> jobs = client.getDatabase("coverledger").getCollection("audit_verifications");
            jobs.insertOne(new Document("_id", "stopped").append("state", "RUNNING").append("requestedBy", "cora")
                    .append("queuedAt", new java.util.Date(0)).append("updatedAt", new java.util.Date(0))
                    .append("phase", "CHAIN").append("done", 5L).append("total", 10L));
            assertThat(cora.get("/api/audit/verifications/stopped").json().get("state").asText())
                    .as("its process stopped: no heartbeat").isEqualTo("ABANDONED");
            jobs.updateOne(com.mongodb.client.model.Filters.eq("_id", "stopped"), Updates.set("state", "QUEUED"));
            assertThat(cora.get("/api/audit/verifications/stopped").json().get("state").asText())
                    .as("waiting in a process that stopped").isEqualTo("ABANDONED");
            jobs.updateOne(com.mongodb.client.model.Filters.eq("_id", "stopped"), Updates.set("state", "DANCING"));
            Reply damagedJob = cora.get("/api/audit/verifications/stopped");
            assertThat(damagedJob.status()).as(damagedJob.toString()).isEqualTo(409);
            assertThat(damagedJob.json().get("code").asText()).isEqualTo("AUDIT_DATA_DAMAGED");

            // who may ask, and what is asked
            assertThat(customer.query(system).post("/api/audit/verifications", "").status()).isEqualTo(403);
            Reply negative = cora.post("/api/audit/verifications", "{\"from\":-1,\"to\":\"x\"}");
            assertThat(negative.status()).isEqualTo(400);
            assertThat(negative.json().get("errors").findValuesAsText("field")).contains("from", "to");
            Reply backwards = cora.post("/api/audit/verifications", "{\"from\":5,\"to\":2}");
            assertThat(backwards.status()).isEqualTo(400);

            MongoCollection<Document> commits = client.getDatabase("coverledger")
                    .getCollection(MongoCommitLogEngine.COMMITS);
            Document policyCommit = commits.find(Filters.eq("events.agg", policyId)).first();
            assertThat(policyCommit).isNotNull();
            long position = policyCommit.getLong("_id");

            // one byte of a stored event changed
            List<Document> events = new ArrayList<>(policyCommit.getList("events", Document.class));
            Document original = new Document(events.get(0));
            String payload = events.get(0).getString("payload");
            int at = payload.length() / 2;
            events.get(0).put("payload", payload.substring(0, at) + (char) (payload.charAt(at) ^ 1)
                    + payload.substring(at + 1));
            commits.updateOne(Filters.eq("_id", position), Updates.set("events", events));
            JsonNode tampered = cora.post("/api/audit/verifications", "").json();
            assertThat(tampered.get("valid").asBoolean()).isFalse();
            assertThat(tampered.get("failure").get("position").asLong()).isEqualTo(position);
            assertThat(tampered.get("failure").get("kind").asText()).isEqualTo("CHANGED");
            JsonNode before = cora.post("/api/audit/verifications", "{\"to\":" + (position - 1) + "}").json();
            assertThat(before.get("valid").asBoolean()).as("what comes before it holds").isTrue();

            // put back, it holds again; the commit deleted, its place is found
            events.set(0, original);
            commits.updateOne(Filters.eq("_id", position), Updates.set("events", events));
            assertThat(cora.post("/api/audit/verifications", "").json().get("valid").asBoolean()).isTrue();
            Document restored = commits.find(Filters.eq("_id", position)).first();
            commits.deleteOne(Filters.eq("_id", position));
            JsonNode deleted = cora.post("/api/audit/verifications", "").json();
            assertThat(deleted.get("failure").get("position").asLong()).isEqualTo(position);
            assertThat(deleted.get("failure").get("kind").asText()).isEqualTo("DELETED");
            commits.insertOne(restored);
            assertThat(cora.post("/api/audit/verifications", "").json().get("valid").asBoolean()).isTrue();
        }
    }

    @Test
    void an_audit_entry_edited_deleted_or_inserted_in_mongodb_is_found_and_located_over_http() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data, List.of());
             MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            Customer customer = Customers.register(system, "Zhou Yu");
            Api buyer = customer.command(system);
            String policyId = Policies.buy(buyer, customer.accountId()).policyId();
            Api cora = Api.at(system.queryUrl(), "cora");
            MongoCollection<Document> trail = client.getDatabase("coverledger").getCollection("audit_trail");
            MongoCollection<Document> commits = client.getDatabase("coverledger").getCollection(MongoCommitLogEngine.COMMITS);
            long events = system.storedEvents();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                    .until(() -> trail.countDocuments() >= events);
            JsonNode valid = cora.post("/api/audit/verifications", "").json();
            assertThat(valid.get("valid").asBoolean()).as(valid.toString()).isTrue();
            assertThat(valid.get("entries").get("checked").asLong()).isEqualTo(events);
            assertThat(valid.get("entries").get("extraChecked").asBoolean()).isTrue();

            Document commit = commits.find(Filters.eq("events.agg", policyId)).first();
            Document event = commit.getList("events", Document.class).get(0);
            String eventId = event.getString("id");
            long position = commit.getLong("_id");
            Document original = trail.find(Filters.eq("_id", eventId)).first();
            assertThat(original).isNotNull();

            // who did it, edited
            trail.updateOne(Filters.eq("_id", eventId), Updates.set("actor", "someone-else"));
            JsonNode edited = cora.post("/api/audit/verifications", "").json();
            assertThat(edited.get("valid").asBoolean()).isFalse();
            assertThat(edited.get("failure")).as("the event store itself is intact").isNull();
            assertThat(edited.get("entries").get("failure").get("kind").asText()).isEqualTo("CHANGED");
            assertThat(edited.get("entries").get("failure").get("field").asText()).isEqualTo("actor");
            assertThat(edited.get("entries").get("failure").get("position").asLong()).isEqualTo(position);
            assertThat(edited.get("entries").get("failure").get("eventId").asText()).isEqualTo(eventId);

            // what was done, edited inside the payload
            trail.replaceOne(Filters.eq("_id", eventId), original);
            Document payload = new Document(original.get("payload", Document.class));
            String field = payload.keySet().iterator().next();
            payload.put(field, "changed");
            trail.updateOne(Filters.eq("_id", eventId), Updates.set("payload", payload));
            JsonNode payloadEdited = cora.post("/api/audit/verifications", "").json();
            assertThat(payloadEdited.get("entries").get("failure").get("field").asText()).isEqualTo("payload." + field);

            // deleted
            trail.deleteOne(Filters.eq("_id", eventId));
            JsonNode deleted = cora.post("/api/audit/verifications", "").json();
            assertThat(deleted.get("valid").asBoolean()).isFalse();
            assertThat(deleted.get("entries").get("failure").get("kind").asText()).isEqualTo("MISSING");
            assertThat(deleted.get("entries").get("failure").get("position").asLong()).isEqualTo(position);
            trail.insertOne(original);
            assertThat(cora.post("/api/audit/verifications", "").json().get("valid").asBoolean()).isTrue();

            // inserted: an entry of an event that never was
            Document invented = new Document(original).append("_id", "00000000-0000-0000-0000-000000000001");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> trail.insertOne(invented))
                    .as("a second entry at one position is refused by the unique index")
                    .isInstanceOf(com.mongodb.MongoWriteException.class);
            invented.put("position", 1_000_000L);
            trail.insertOne(invented);
            JsonNode inserted = cora.post("/api/audit/verifications", "").json();
            assertThat(inserted.get("valid").asBoolean()).isFalse();
            assertThat(inserted.get("entries").get("failure").get("kind").asText()).isEqualTo("EXTRA");
            assertThat(inserted.get("entries").get("failure").get("eventId").asText())
                    .isEqualTo("00000000-0000-0000-0000-000000000001");
            JsonNode ranged = cora.post("/api/audit/verifications", "{\"from\":0,\"to\":" + position + "}").json();
            assertThat(ranged.get("entries").get("extraChecked").asBoolean()).as("extras only over the whole store")
                    .isFalse();
            trail.deleteOne(Filters.eq("_id", invented.get("_id")));
            assertThat(cora.post("/api/audit/verifications", "").json().get("valid").asBoolean()).isTrue();
        }
    }
}
