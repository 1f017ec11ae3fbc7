package org.coverledger.identity;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Updates;
import org.bson.Document;

/**
 * Bearer tokens that a login (HTTP Basic, checked once with the adaptive hash, and for a
 * customer a one-time code on a new device) is exchanged for, so that API clients do not pay for
 * a password check on every call. Both applications accept them, from this one store, so that a
 * token ended on one side is refused by the other at once. Only a hash of each token is stored
 * ({@code access_tokens}).
 *
 * <p>A token is one session: it has an id of its own (which, unlike the token, may be shown and
 * named in events), the device it was issued to, and two ends: its absolute lifetime and an idle
 * limit that each use pushes back. Using a token records the use at most once per
 * {@link #touchEvery} (a fifteenth of the idle limit, at most a minute), so the idle limit is
 * kept to within that and a busy client does not write on every call. A token ends at either
 * limit, on logout, when its session or device is removed, and, for a customer, on a password
 * change or reset; it is refused while the customer's account is locked or once it is closed.
 */
public class AccessTokens {

    /** Who a token speaks for; {@code customer} tells a registered customer from configured staff. */
    public record Holder(String login, List<String> roles, boolean customer) {
        public Holder {
            roles = List.copyOf(roles);
        }
    }

    /**
     * Where a login came from: the client's own device id ({@code X-Device-Id}), a name for it
     * from its user agent, and the client address, kept masked.
     */
    public record Origin(String deviceId, String deviceName, String clientAddress) {
        public static final Origin UNKNOWN = new Origin(null, null, null);
    }

    /** A token as issued: the only time its value is known. */
    public record Issued(String token, String sessionId, Instant expiresAt, Instant idleUntil) {
        @Override
        public String toString() {
            return "Issued[" + sessionId + ", expires " + expiresAt + "]";
        }
    }

    /** A live session as its holder may see it (never its token). */
    public record Session(String sessionId, String deviceId, String deviceName, String clientAddress,
                          Instant startedAt, Instant lastUsedAt, Instant expiresAt, Instant idleUntil) {
    }

    private final MongoCollection<Document> tokens;
    private final Duration timeToLive;
    private final Duration idleLimit;
    private final Duration touchEvery;
    private final Clock clock;
    private static final SecureRandom RANDOM = new SecureRandom();

    public AccessTokens(MongoDatabase database, Duration timeToLive, Clock clock) {
        this(database, timeToLive, timeToLive, clock);
    }

    public AccessTokens(MongoDatabase database, Duration timeToLive, Duration idleLimit, Clock clock) {
        this.tokens = database.getCollection("access_tokens");
        this.timeToLive = timeToLive;
        this.idleLimit = idleLimit.compareTo(timeToLive) > 0 ? timeToLive : idleLimit;
        Duration fifteenth = this.idleLimit.dividedBy(15);
        this.touchEvery = fifteenth.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : fifteenth;
        this.clock = clock;
    }

    public Duration idleLimit() {
        return idleLimit;
    }

    public Issued issue(Holder holder) {
        return issue(holder, Origin.UNKNOWN, UUID.randomUUID().toString());
    }

    /** A new session for the holder, from the origin, under the session id given (named in events before). */
    /** 32 random bytes, URL-safe: a bearer token, or a device's trust secret. */
    public static String newSecret() {
        byte[] value = new byte[32];
        RANDOM.nextBytes(value);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(value);
    }

    public Issued issue(Holder holder, Origin origin, String sessionId) {
        String token = newSecret();
        Instant now = clock.instant();
        Instant expiresAt = now.plus(timeToLive);
        Instant idleUntil = now.plus(idleLimit);
        tokens.insertOne(new Document("_id", Digests.sha256Hex(token)).append("session", sessionId)
                .append("login", holder.login()).append("roles", holder.roles()).append("customer", holder.customer())
                .append("device", origin.deviceId()).append("deviceName", origin.deviceName())
                .append("address", origin.clientAddress())
                .append("startedAt", Date.from(now)).append("lastUsedAt", Date.from(now))
                .append("expiresAt", Date.from(expiresAt)).append("idleUntil", Date.from(idleUntil)));
        return new Issued(token, sessionId, expiresAt, idleUntil);
    }

    /** The holder of a live token; using it pushes its idle limit back. */
    public Optional<Holder> find(String token) {
        String id = Digests.sha256Hex(token);
        Document doc = tokens.find(eq("_id", id)).first();
        if (doc == null) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        if (!isLive(doc, now)) {
            tokens.deleteOne(eq("_id", id));
            return Optional.empty();
        }
        Date lastUsed = doc.getDate("lastUsedAt");
        if (lastUsed != null && !lastUsed.toInstant().plus(touchEvery).isAfter(now)) {
            Instant idleUntil = now.plus(idleLimit);
            // only forward: of two uses racing, the later one's limit stays
            tokens.updateOne(and(eq("_id", id), lt("idleUntil", Date.from(idleUntil))),
                    Updates.combine(Updates.set("lastUsedAt", Date.from(now)), Updates.set("idleUntil", Date.from(idleUntil))));
        }
        return Optional.of(new Holder(doc.getString("login"), doc.getList("roles", String.class),
                doc.getBoolean("customer", false)));
    }

    private static boolean isLive(Document doc, Instant now) {
        Date idleUntil = doc.getDate("idleUntil"); // tokens issued before idle limits have none
        return doc.getDate("expiresAt").toInstant().isAfter(now) && (idleUntil == null || idleUntil.toInstant().isAfter(now));
    }

    /** The session of a token, if it is live. */
    public Optional<String> sessionOf(String token) {
        Document doc = tokens.find(eq("_id", Digests.sha256Hex(token))).first();
        return doc == null || !isLive(doc, clock.instant()) ? Optional.empty() : Optional.ofNullable(doc.getString("session"));
    }

    /** The login's live sessions, newest first (a scan by login, as for {@link #revokeAll}). */
    public List<Session> sessions(String login) {
        Instant now = clock.instant();
        List<Session> live = new ArrayList<>();
        for (Document doc : tokens.find(eq("login", login))) {
            if (isLive(doc, now) && doc.getString("session") != null) {
                live.add(new Session(doc.getString("session"), doc.getString("device"), doc.getString("deviceName"),
                        doc.getString("address"), instant(doc, "startedAt"), instant(doc, "lastUsedAt"),
                        instant(doc, "expiresAt"), instant(doc, "idleUntil")));
            }
        }
        live.sort(Comparator.comparing(Session::startedAt, Comparator.nullsLast(Comparator.reverseOrder())));
        return live;
    }

    private static Instant instant(Document doc, String field) {
        Date date = doc.getDate(field);
        return date == null ? null : date.toInstant();
    }

    public void revoke(String token) {
        tokens.deleteOne(eq("_id", Digests.sha256Hex(token)));
    }

    /** Ends one session of the login; false when it has no such session. */
    public boolean revokeSession(String login, String sessionId) {
        return tokens.deleteMany(and(eq("login", login), eq("session", sessionId))).getDeletedCount() > 0;
    }

    /** Ends every session of the login on the device. */
    public long revokeDevice(String login, String deviceId) {
        return tokens.deleteMany(and(eq("login", login), eq("device", deviceId))).getDeletedCount();
    }

    /** Every token of the login (a scan by login: passwords change rarely). */
    public void revokeAll(String login) {
        tokens.deleteMany(eq("login", login));
    }
}
