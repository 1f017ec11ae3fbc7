package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every look at the audit trail over HTTP (a query, a replay, an as-of view, a verification, an
 * export, refused attempts) is found in the access log with who asked, what, and how many entries
 * were answered; the log's checkpoint is signed (checked by Go's note package); a record edited or
 * removed over the real MongoDB driver is located. And the retention is reported.
 */
class AuditAccessIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void every_access_to_the_audit_trail_is_recorded_and_the_record_is_tamper_evident() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data, List.of());
             MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            Customer customer = Customers.register(system, "Lin Hua");
            String policyId = Policies.buy(customer.command(system), customer.accountId()).policyId();
            Api cora = Api.at(system.queryUrl(), "cora");
            Api adam = Api.at(system.queryUrl(), "adam");
            long events = system.storedEvents();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() ->
                    cora.get("/api/audit?aggregateId=" + policyId).json().get("items").size() > 0);
            long before = cora.get("/api/audit/access").json().get("size").asLong();

            Reply query = cora.get("/api/audit?aggregateId=" + policyId + "&size=5", "X-Request-Id", "look-1");
            assertThat(query.status()).isEqualTo(200);
            int listed = query.json().get("items").size();
            Reply replay = cora.get("/api/audit/replay/Policy/" + policyId);
            assertThat(replay.status()).as(replay.toString()).isEqualTo(200);
            Reply asOf = cora.get("/api/policies/" + policyId + "?asOf=" + Instant.now());
            assertThat(asOf.status()).as(asOf.toString()).isEqualTo(200);
            Reply verified = cora.post("/api/audit/verifications", "{\"from\":0}");
            assertThat(verified.status()).isEqualTo(200);
            Reply export = cora.get("/api/audit/export?aggregateId=" + policyId);
            assertThat(export.status()).isEqualTo(200);
            long exported = export.body().lines().filter(line -> line.contains("\"type\":\"entry\"")).count();
            assertThat(adam.get("/api/audit").status()).as("an adjuster may not look").isEqualTo(403);
            assertThat(Api.at(system.queryUrl(), null).get("/api/audit/export").status()).isEqualTo(401);
            assertThat(cora.get("/api/audit/public-key").status()).isEqualTo(200);
            assertThat(cora.get("/api/audit/checkpoints").status()).as("public, hashes only: not recorded")
                    .isEqualTo(200);
            // a path spelled with escapes is the same path: recorded as what it is routed to
            var escaped = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(system.queryUrl() + "/api/%61udit?aggregateId=" + policyId))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                            "cora:cora-pass".getBytes(java.nio.charset.StandardCharsets.UTF_8))).GET().build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(escaped.statusCode()).isEqualTo(200);
            assertThat(cora.get("/api/policies/" + policyId).status()).isEqualTo(200);

            List<JsonNode> records = new ArrayList<>();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                records.clear();
                cora.get("/api/audit/access?after=" + (before - 1) + "&limit=500").json().get("items")
                        .forEach(records::add);
                return records.size() >= 9; // the export is recorded once its last byte is written
            });
            assertThat(records).extracting(r -> r.get("action").asText()).as("in order; the public key and a "
                    + "view of today are nothing of the trail").startsWith("ACCESS_LOG", "QUERY", "REPLAY",
                    "AS_OF_VIEW", "VERIFICATION", "EXPORT", "QUERY", "EXPORT", "QUERY");
            assertThat(records.get(8).get("path").asText()).isEqualTo("/api/audit");
            JsonNode looked = records.get(1);
            assertThat(looked.get("actor").asText()).isEqualTo("cora");
            assertThat(looked.get("roles").asText()).isEqualTo("COMPLIANCE");
            assertThat(looked.get("requestId").asText()).isEqualTo("look-1");
            assertThat(looked.get("clientIp").asText()).isEqualTo("127.0.0.1");
            assertThat(looked.get("parameters").get("aggregateId").asText()).isEqualTo(policyId);
            assertThat(looked.get("parameters").get("size").asText()).isEqualTo("5");
            assertThat(looked.get("status").asInt()).isEqualTo(200);
            assertThat(looked.get("entries").asLong()).isEqualTo(listed);
            assertThat(records.get(2).get("entries").asLong()).as("steps replayed")
                    .isEqualTo(replay.json().get("steps").size());
            assertThat(records.get(4).get("parameters").get("body.from").asText()).isEqualTo("0");
            assertThat(records.get(4).get("entries").asLong()).as("events verified").isEqualTo(events);
            assertThat(records.get(5).get("entries").asLong()).as("entries exported").isEqualTo(exported).isPositive();
            assertThat(records.get(6).get("actor").asText()).isEqualTo("adam");
            assertThat(records.get(6).get("status").asInt()).isEqualTo(403);
            assertThat(records.get(7).hasNonNull("actor")).as("no login given").isFalse();
            assertThat(records.get(7).get("status").asInt()).isEqualTo(401);
            assertThat(cora.get("/api/audit/access?actor=adam").json().get("items"))
                    .extracting(r -> r.get("status").asInt()).contains(403);

            // the log's own checkpoint, signed with the deployment's key: Go's note package opens it
            String saved = cora.get("/api/audit/access/digest", "Accept", "text/plain").body();
            String verifierKey = cora.get("/api/audit/public-key").json().get("verifierKey").asText();
            assertThat(AuditProofIT.go(verifierKey, saved, null, null)).contains("ok ");
            JsonNode valid = cora.post("/api/audit/access/verifications", JSON.createObjectNode()
                    .put("digest", saved).toString()).json();
            assertThat(valid.get("valid").asBoolean()).as(valid.toString()).isTrue();
            assertThat(valid.get("extended").asBoolean()).isTrue();
            assertThat(customer.query(system).get("/api/audit/access").status()).isEqualTo(403);
            Reply junk = cora.post("/api/audit/access/verifications", "{\"digest\":\"not a note\",\"x\":1}");
            assertThat(junk.status()).isEqualTo(400);
            assertThat(junk.json().get("errors").findValuesAsText("field")).contains("digest", "x");

            // someone with the database's keys edits who looked, then removes the record
            MongoCollection<Document> log = client.getDatabase("coverledger").getCollection("audit_access");
            long index = looked.get("index").asLong();
            Document original = log.find(Filters.eq("_id", index)).first();
            log.updateOne(Filters.eq("_id", index), Updates.set("actor", "someone-else"));
            JsonNode edited = cora.post("/api/audit/access/verifications", "").json();
            assertThat(edited.get("valid").asBoolean()).isFalse();
            assertThat(edited.get("failure").get("index").asLong()).isEqualTo(index);
            assertThat(edited.get("failure").get("kind").asText()).isEqualTo("CHANGED");
            log.deleteOne(Filters.eq("_id", index));
            JsonNode removed = cora.post("/api/audit/access/verifications", JSON.createObjectNode()
                    .put("digest", saved).toString()).json();
            assertThat(removed.get("failure").get("kind").asText()).isEqualTo("DELETED");
            assertThat(removed.get("failure").get("index").asLong()).isEqualTo(index);
            assertThat(removed.get("extended").asBoolean()).isFalse();
            log.insertOne(original);
            assertThat(cora.post("/api/audit/access/verifications", "").json().get("valid").asBoolean()).isTrue();

            JsonNode retention = cora.get("/api/audit/retention").json();
            assertThat(retention.get("retention").asText()).isEqualTo("P10Y");
            Instant oldest = Instant.parse(retention.get("oldestEventAt").asText());
            assertThat(Instant.parse(retention.get("keptUntil").asText()))
                    .isEqualTo(oldest.atOffset(java.time.ZoneOffset.UTC).plusYears(10).toInstant());
            assertThat(retention.get("pastRetention").asBoolean()).isFalse();
            assertThat(retention.get("entries").asLong()).isGreaterThanOrEqualTo(events);
            assertThat(retention.get("accessRecords").asLong()).isGreaterThan(before + 9);

            // the head changed into nonsense: a described conflict, and the check says where
            MongoCollection<Document> meta = client.getDatabase("coverledger").getCollection("audit_meta");
            Document head = meta.find(Filters.eq("_id", "access-head")).first();
            meta.updateOne(Filters.eq("_id", "access-head"), Updates.set("range", "nonsense"));
            Reply damaged = cora.get("/api/audit/access");
            assertThat(damaged.status()).as(damaged.toString()).isEqualTo(409);
            assertThat(damaged.json().get("code").asText()).isEqualTo("AUDIT_ACCESS_DAMAGED");
            assertThat(cora.post("/api/audit/access/verifications", "").json().get("failure").get("kind").asText())
                    .isEqualTo("HEAD_CHANGED");
            meta.replaceOne(Filters.eq("_id", "access-head"), head);
        }
    }
}
