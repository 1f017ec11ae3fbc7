package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Date;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;
import org.coverledger.command.infra.IdempotencyFilter;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that retries a command with the same Idempotency-Key changes the world once. */
class IdempotencyIT {

    @TempDir
    static Path data;
    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.start(data);
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    static final String ACCOUNT = "{\"name\":\"Alice Wang\",\"nationalId\":\"11010519491231002X\",\"mobile\":\"13812345678\"}";

    @Test
    void the_same_key_and_body_returns_the_first_response_and_appends_nothing() {
        Api alice = Api.at(system.commandUrl(), "alice");
        Reply first = alice.post("/api/accounts", ACCOUNT, null, "retry-1");
        assertThat(first.status()).isEqualTo(201);
        long events = system.storedEvents();

        Reply again = alice.post("/api/accounts", ACCOUNT, null, "retry-1");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(system.storedEvents()).isEqualTo(events);

        // the key is the caller's own: bob's identical request is a request of its own
        Reply bobs = Api.at(system.commandUrl(), "bob").post("/api/accounts", ACCOUNT, null, "retry-1");
        assertThat(bobs.status()).isEqualTo(201);
        assertThat(bobs.body()).isNotEqualTo(first.body());
        assertThat(system.storedEvents()).isEqualTo(events + 1);
    }

    @Test
    void refusals_are_remembered_too_and_a_location_is_replayed() {
        Api alice = Api.at(system.commandUrl(), "alice");
        Reply invalid = alice.post("/api/accounts", "{\"name\":\"\"}", null, "bad-1");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(alice.post("/api/accounts", "{\"name\":\"\"}", null, "bad-1").body()).isEqualTo(invalid.body());

        String accountId = alice.post("/api/accounts", ACCOUNT).json().get("accountId").asText();
        String purchase = """
                {"accountId":"%s","product":"AUTO","sumInsured":"100000.00","premium":"900.00",
                 "startDate":"2026-01-01","endDate":"2026-12-31"}""".formatted(accountId);
        Reply bought = alice.post("/api/policies", purchase, null, "buy-1");
        Reply replayed = alice.post("/api/policies", purchase, null, "buy-1");
        assertThat(replayed.status()).isEqualTo(201);
        assertThat(replayed.header("Location")).isEqualTo(bought.header("Location"));
        assertThat(replayed.json().get("policyId")).isEqualTo(bought.json().get("policyId"));
    }

    @Test
    void the_same_key_with_another_body_is_refused() {
        Api alice = Api.at(system.commandUrl(), "alice");
        assertThat(alice.post("/api/accounts", ACCOUNT, null, "reuse-1").status()).isEqualTo(201);
        long events = system.storedEvents();
        Reply other = alice.post("/api/accounts", ACCOUNT.replace("Alice Wang", "Alice Li"), null, "reuse-1");
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.json().get("code").asText()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(system.storedEvents()).isEqualTo(events);
    }

    @Test
    void a_duplicate_of_a_request_still_in_flight_is_refused_with_409() {
        // the first request with this key is still running (recorded as in flight just now)
        try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            client.getDatabase("coverledger").getCollection("idempotency_keys").insertOne(
                    new Document("_id", IdempotencyFilter.keyId("alice", "slow-1"))
                            .append("fingerprint", IdempotencyFilter.fingerprint("POST", "/api/accounts",
                                    ACCOUNT.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                            .append("state", "IN_FLIGHT")
                            .append("createdAt", new Date()).append("expiresAt", new Date()));
        }
        long events = system.storedEvents();
        Reply duplicate = Api.at(system.commandUrl(), "alice").post("/api/accounts", ACCOUNT, null, "slow-1");
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.json().get("code").asText()).isEqualTo("IDEMPOTENT_REQUEST_IN_FLIGHT");
        assertThat(system.storedEvents()).isEqualTo(events);
    }

    @Test
    void a_malformed_key_is_refused() {
        Reply reply = Api.at(system.commandUrl(), "alice").post("/api/accounts", ACCOUNT, null, "x".repeat(200));
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("code").asText()).isEqualTo("INVALID_IDEMPOTENCY_KEY");
    }
}
