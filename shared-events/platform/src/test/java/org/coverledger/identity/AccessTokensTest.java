package org.coverledger.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.coverledger.identity.AccessTokens.Holder;
import org.coverledger.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bearer tokens: stored only as a hash, alive for their time to live, revoked one by one or per login. */
class AccessTokensTest {

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase database;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T02:00:00Z"));
    private AccessTokens tokens;

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        database = client.getDatabase("tokens-test");
        tokens = new AccessTokens(database, Duration.ofMinutes(30), clock);
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void a_token_speaks_for_its_holder_until_it_expires_and_only_its_hash_is_stored() {
        Holder li = new Holder("acc-1", List.of("CUSTOMER"), true);
        AccessTokens.Issued issued = tokens.issue(li);

        assertThat(database.getCollection("access_tokens").find().first().toJson()).doesNotContain(issued.token());
        assertThat(tokens.find(issued.token())).contains(li);
        assertThat(tokens.find(issued.token() + "x")).isEmpty();

        clock.advance(Duration.ofMinutes(30));
        assertThat(tokens.find(issued.token())).isEmpty();
    }

    @Test
    void tokens_are_revoked_one_by_one_or_all_of_a_login() {
        Holder li = new Holder("acc-1", List.of("CUSTOMER"), true);
        String phone = tokens.issue(li).token();
        String laptop = tokens.issue(li).token();
        String staff = tokens.issue(new Holder("root", List.of("ADMIN"), false)).token();

        tokens.revoke(phone);
        assertThat(tokens.find(phone)).isEmpty();
        assertThat(tokens.find(laptop)).isPresent();

        tokens.revokeAll("acc-1");
        assertThat(tokens.find(laptop)).isEmpty();
        assertThat(tokens.find(staff)).isPresent();
    }

    @Test
    void a_token_unused_for_the_idle_limit_ends_and_each_use_pushes_the_limit_back() {
        AccessTokens idle = new AccessTokens(database, Duration.ofHours(8), Duration.ofMinutes(15), clock);
        Holder li = new Holder("acc-1", List.of("CUSTOMER"), true);
        String used = idle.issue(li).token();
        String forgotten = idle.issue(li).token();

        for (int i = 0; i < 8; i++) { // two hours of use, a call every 14 minutes
            clock.advance(Duration.ofMinutes(14));
            assertThat(idle.find(used)).as("used after 14 minutes, round " + i).contains(li);
        }
        assertThat(idle.find(forgotten)).as("unused for two hours").isEmpty();

        clock.advance(Duration.ofMinutes(15));
        assertThat(idle.find(used)).as("then unused for 15 minutes").isEmpty();
        assertThat(database.getCollection("access_tokens").countDocuments()).as("an ended token is deleted when met").isZero();
    }

    @Test
    void the_idle_limit_never_outlives_the_absolute_lifetime() {
        AccessTokens idle = new AccessTokens(database, Duration.ofMinutes(30), Duration.ofMinutes(15), clock);
        String token = idle.issue(new Holder("acc-1", List.of("CUSTOMER"), true)).token();
        for (int i = 0; i < 2; i++) {
            clock.advance(Duration.ofMinutes(14));
            assertThat(idle.find(token)).isPresent();
        }
        clock.advance(Duration.ofMinutes(2)); // 30 minutes after issue, used two minutes ago
        assertThat(idle.find(token)).isEmpty();
    }

    @Test
    void sessions_are_listed_without_their_tokens_and_end_one_by_one_or_by_device() {
        Holder li = new Holder("acc-1", List.of("CUSTOMER"), true);
        AccessTokens.Issued phone = tokens.issue(li, new AccessTokens.Origin("phone-1", "Chrome on Android", "10.0.0.*"), "s-phone");
        clock.advance(Duration.ofMinutes(1));
        AccessTokens.Issued tablet = tokens.issue(li, new AccessTokens.Origin("tablet-1", "Safari on iOS", "10.0.1.*"), "s-tablet");
        AccessTokens.Issued tablet2 = tokens.issue(li, new AccessTokens.Origin("tablet-1", "Safari on iOS", "10.0.1.*"), "s-tablet-2");
        tokens.issue(new Holder("acc-2", List.of("CUSTOMER"), true), new AccessTokens.Origin("phone-1", null, null), "s-other");

        assertThat(tokens.sessions("acc-1")).extracting(AccessTokens.Session::sessionId)
                .containsExactlyInAnyOrder("s-phone", "s-tablet", "s-tablet-2");
        assertThat(tokens.sessions("acc-1")).last().satisfies(session -> {
            assertThat(session.sessionId()).isEqualTo("s-phone");
            assertThat(session.deviceName()).isEqualTo("Chrome on Android");
            assertThat(session.clientAddress()).isEqualTo("10.0.0.*");
        });
        assertThat(tokens.sessions("acc-1").toString()).doesNotContain(phone.token());
        assertThat(tokens.sessionOf(tablet.token())).contains("s-tablet");

        assertThat(tokens.revokeSession("acc-2", "s-phone")).as("another login's session id").isFalse();
        assertThat(tokens.revokeSession("acc-1", "s-phone")).isTrue();
        assertThat(tokens.find(phone.token())).isEmpty();

        assertThat(tokens.revokeDevice("acc-1", "tablet-1")).isEqualTo(2);
        assertThat(tokens.find(tablet.token())).isEmpty();
        assertThat(tokens.find(tablet2.token())).isEmpty();
        assertThat(tokens.sessions("acc-2")).hasSize(1);
    }
}
