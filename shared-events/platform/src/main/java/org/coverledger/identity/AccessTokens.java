package org.coverledger.identity;

import static com.mongodb.client.model.Filters.eq;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;

/**
 * Bearer tokens that a login (HTTP Basic, checked once with the adaptive hash) is exchanged for,
 * so that API clients do not pay for a password check on every call. Both applications accept
 * them. Only a hash of each token is stored ({@code access_tokens}); a token lapses after its
 * time to live, on logout, and, for a customer, on a password change or reset, and is refused
 * while the customer's account is locked or once it is closed.
 */
public class AccessTokens {

    /** Who a token speaks for; {@code customer} tells a registered customer from configured staff. */
    public record Holder(String login, List<String> roles, boolean customer) {
        public Holder {
            roles = List.copyOf(roles);
        }
    }

    /** A token as issued: the only time its value is known. */
    public record Issued(String token, Instant expiresAt) {
        @Override
        public String toString() {
            return "Issued[expires " + expiresAt + "]";
        }
    }

    private final MongoCollection<Document> tokens;
    private final Duration timeToLive;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public AccessTokens(MongoDatabase database, Duration timeToLive, Clock clock) {
        this.tokens = database.getCollection("access_tokens");
        this.timeToLive = timeToLive;
        this.clock = clock;
    }

    public Issued issue(Holder holder) {
        byte[] value = new byte[32];
        random.nextBytes(value);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(value);
        Instant expiresAt = clock.instant().plus(timeToLive);
        tokens.insertOne(new Document("_id", Digests.sha256Hex(token)).append("login", holder.login())
                .append("roles", holder.roles()).append("customer", holder.customer())
                .append("expiresAt", Date.from(expiresAt)));
        return new Issued(token, expiresAt);
    }

    /** The holder of a live token. */
    public Optional<Holder> find(String token) {
        Document doc = tokens.find(eq("_id", Digests.sha256Hex(token))).first();
        if (doc == null) {
            return Optional.empty();
        }
        if (!doc.getDate("expiresAt").toInstant().isAfter(clock.instant())) {
            tokens.deleteOne(eq("_id", doc.getString("_id")));
            return Optional.empty();
        }
        return Optional.of(new Holder(doc.getString("login"), doc.getList("roles", String.class),
                doc.getBoolean("customer", false)));
    }

    public void revoke(String token) {
        tokens.deleteOne(eq("_id", Digests.sha256Hex(token)));
    }

    /** Every token of the login (a scan by login: passwords change rarely). */
    public void revokeAll(String login) {
        tokens.deleteMany(eq("login", login));
    }
}
