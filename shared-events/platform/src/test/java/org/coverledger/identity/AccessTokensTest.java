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
}
