package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Date;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;
import org.coverledger.command.infra.IdempotencyFilter;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A client that retries a command with the same Idempotency-Key changes the world once. */
class IdempotencyIT {

    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.shared(); // one system for several test classes: see RunningSystem.shared
    }


    /** A quote request for alice's account: a command that makes an object and answers 201 with its id. */
    static String quote(String sumInsured) {
        return Policies.quoteRequest(Customers.ALICE_ACCOUNT, Policies.today()).replace("\"500000\"", "\"" + sumInsured + "\"");
    }

    @Test
    void the_same_key_and_body_returns_the_first_response_and_appends_nothing() {
        Api alice = Api.at(system.commandUrl(), "alice");
        Reply first = alice.post("/api/quotes", quote("500000"), null, "retry-1");
        assertThat(first.status()).isEqualTo(201);
        long events = system.storedEvents();

        Reply again = alice.post("/api/quotes", quote("500000"), null, "retry-1");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.header("Location")).isEqualTo(first.header("Location"));
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(system.storedEvents()).isEqualTo(events);

        // the key is the caller's own: an underwriter's identical request is a request of its own
        Reply uma = Api.at(system.commandUrl(), "uma").post("/api/quotes", quote("500000"), null, "retry-1");
        assertThat(uma.status()).isEqualTo(201);
        assertThat(uma.json().get("quoteId")).isNotEqualTo(first.json().get("quoteId"));
        assertThat(system.storedEvents()).isEqualTo(events + 1);
    }

    @Test
    void a_public_registration_retried_registers_once() {
        Api anonymous = Api.at(system.commandUrl(), null);
        String body = Customers.registration("Zhao Lei", Customers.nationalId(), "13700000011", "zhao@example.com",
                "Ledger#2026z");
        Reply first = anonymous.post("/api/accounts", body, null, "register-1");
        assertThat(first.status()).isEqualTo(201);
        Reply again = anonymous.post("/api/accounts", body, null, "register-1");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.json().get("accountId")).isEqualTo(first.json().get("accountId"));
    }

    @Test
    void refusals_are_remembered_too() {
        Api alice = Api.at(system.commandUrl(), "alice");
        Reply invalid = alice.post("/api/quotes", "{\"accountId\":\"\"}", null, "bad-1");
        assertThat(invalid.status()).isEqualTo(400);
        Reply again = alice.post("/api/quotes", "{\"accountId\":\"\"}", null, "bad-1");
        assertThat(again.body()).isEqualTo(invalid.body());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
    }

    @Test
    void the_same_key_with_another_body_is_refused() {
        Api alice = Api.at(system.commandUrl(), "alice");
        assertThat(alice.post("/api/quotes", quote("500000"), null, "reuse-1").status()).isEqualTo(201);
        long events = system.storedEvents();
        Reply other = alice.post("/api/quotes", quote("600000"), null, "reuse-1");
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
                            .append("fingerprint", IdempotencyFilter.fingerprint("POST", "/api/quotes",
                                    quote("500000").getBytes(StandardCharsets.UTF_8)))
                            .append("state", "IN_FLIGHT")
                            .append("createdAt", new Date()).append("expiresAt", new Date()));
        }
        long events = system.storedEvents();
        Reply duplicate = Api.at(system.commandUrl(), "alice").post("/api/quotes", quote("500000"), null, "slow-1");
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.json().get("code").asText()).isEqualTo("IDEMPOTENT_REQUEST_IN_FLIGHT");
        assertThat(system.storedEvents()).isEqualTo(events);
    }

    @Test
    void a_malformed_key_is_refused() {
        Reply reply = Api.at(system.commandUrl(), "alice").post("/api/quotes", quote("500000"), null, "x".repeat(200));
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().get("code").asText()).isEqualTo("INVALID_IDEMPOTENCY_KEY");
    }
}
