package org.coverledger.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;
import org.coverledger.testing.MutableClock;
import org.coverledger.identity.CustomerCredentials.Identity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CustomerCredentialsTest {

    private MongoServer server;
    private MongoClient client;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T00:00:00Z"));
    private CustomerCredentials credentials;

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        credentials = new CustomerCredentials(client.getDatabase("identity-test"), "test-pepper", clock);
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void a_value_belongs_to_one_account_and_is_stored_only_as_a_keyed_hash() {
        assertThat(credentials.claim(Identity.MOBILE, "13812345678", "acc-1")).isEmpty();
        credentials.confirm(Identity.MOBILE, "13812345678", "acc-1");
        assertThat(credentials.claim(Identity.MOBILE, "13812345678", "acc-2")).contains("acc-1");
        clock.advance(Duration.ofDays(1));
        assertThat(credentials.claim(Identity.MOBILE, "13812345678", "acc-2")).contains("acc-1");
        Document stored = client.getDatabase("identity-test").getCollection("account_identity_claims").find().first();
        assertThat(stored.toJson()).doesNotContain("13812345678");
    }

    @Test
    void a_claim_left_pending_by_a_registration_that_died_is_taken_over_after_a_while() {
        assertThat(credentials.claim(Identity.NATIONAL_ID, "11010519491231002X", "dead")).isEmpty();
        assertThat(credentials.claim(Identity.NATIONAL_ID, "11010519491231002X", "acc-2")).contains("dead");
        clock.advance(CustomerCredentials.ABANDONED.plusSeconds(1));
        assertThat(credentials.claim(Identity.NATIONAL_ID, "11010519491231002X", "acc-2")).isEmpty();
        assertThat(credentials.claim(Identity.NATIONAL_ID, "11010519491231002X", "acc-3")).contains("acc-2");
    }

    @Test
    void five_failed_logins_in_a_row_lock_and_an_unlock_starts_the_count_again() {
        credentials.create("acc-1", "{bcrypt}hash");
        for (int i = 0; i < 4; i++) {
            assertThat(credentials.recordFailure("acc-1")).isFalse();
        }
        assertThat(credentials.recordFailure("acc-1")).isTrue();
        assertThat(credentials.locksNotYetRecorded()).containsExactly("acc-1");
        credentials.unlock("acc-1");
        assertThat(credentials.byAccount("acc-1")).get().extracting(CustomerCredentials.Credential::locked).isEqualTo(false);
        assertThat(credentials.recordFailure("acc-1")).isFalse();
    }
}
