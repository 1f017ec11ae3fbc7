package org.coverledger.identity;

import static com.mongodb.client.model.Filters.eq;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Optional;


import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.FindOneAndUpdateOptions;
import com.mongodb.client.model.ReturnDocument;
import com.mongodb.client.model.Updates;
import org.bson.Document;

/**
 * Customers' credentials in MongoDB, shared by both applications for logging in.
 *
 * <ul>
 *   <li>{@code account_identity_claims}: one document per national ID, mobile and email in
 *       use, keyed by a keyed hash (HMAC) of the value, so that the unique {@code _id} keeps
 *       each of them to one account even under concurrent registrations, and no value is
 *       stored in the clear. A mobile or email claim is also the way from a login to an
 *       account.</li>
 *   <li>{@code customer_credentials}: per account, the password's adaptive hash (never the
 *       password), consecutive failed logins and the lock.</li>
 *   <li>{@code closed_logins}: the logins of closed accounts whose password is not kept here
 *       (the configured demo customers), so that they cannot log in either.</li>
 * </ul>
 */
public class CustomerCredentials {

    public static final int FAILURES_BEFORE_LOCK = 5;

    public enum Identity { NATIONAL_ID, MOBILE, EMAIL }

    /** What a login needs to know about an account's credentials. */
    public record Credential(String accountId, String passwordHash, int failedLogins, boolean locked) {
    }

    /** A claim not confirmed within this time belongs to a registration that died midway. */
    public static final Duration ABANDONED = Duration.ofMinutes(2);

    private final MongoCollection<Document> claims;
    private final MongoCollection<Document> credentials;
    private final MongoCollection<Document> closedLogins;
    private final byte[] pepper;
    private final Clock clock;

    public CustomerCredentials(MongoDatabase database, String pepper) {
        this(database, pepper, Clock.systemUTC());
    }

    public CustomerCredentials(MongoDatabase database, String pepper, Clock clock) {
        this.claims = database.getCollection("account_identity_claims");
        this.credentials = database.getCollection("customer_credentials");
        this.closedLogins = database.getCollection("closed_logins");
        this.pepper = pepper.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    /**
     * Claims the value for the account, pending until {@link #confirm}; returns the account that
     * holds it already, if any. A claim left pending by a registration that died midway is taken
     * over once it is older than {@link #ABANDONED}.
     */
    public Optional<String> claim(Identity identity, String value, String accountId) {
        String key = key(identity, value);
        Date now = Date.from(clock.instant());
        Document claim = new Document("_id", key).append("accountId", accountId).append("pending", true).append("at", now);
        try {
            claims.insertOne(claim);
            return Optional.empty();
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            Document holder = claims.find(eq("_id", key)).first();
            if (holder == null) {
                return Optional.of("?");
            }
            boolean abandoned = holder.getBoolean("pending", false)
                    && holder.getDate("at").toInstant().isBefore(clock.instant().minus(ABANDONED));
            // compare-and-set on the claim's time, so that of two registrations taking it over one wins
            if (abandoned && claims.replaceOne(Filters.and(eq("_id", key), eq("at", holder.getDate("at"))), claim)
                    .getModifiedCount() == 1) {
                return Optional.empty();
            }
            return Optional.of(holder.getString("accountId"));
        }
    }

    /** The registration completed: the claim is the account's for good. */
    public void confirm(Identity identity, String value, String accountId) {
        String key = key(identity, value);
        Document holder = claims.find(eq("_id", key)).first();
        if (holder != null && accountId.equals(holder.getString("accountId"))) {
            claims.updateOne(eq("_id", key), Updates.set("pending", false));
        }
    }

    /** The account that holds the value, if any. */
    public Optional<String> holder(Identity identity, String value) {
        return Optional.ofNullable(claims.find(eq("_id", key(identity, value))).first()).map(d -> d.getString("accountId"));
    }

    /**
     * After a contact change: the account's claims of this kind other than the value it keeps
     * are given up, so that the old mobile or email is free (a scan; contact changes are rare).
     */
    public void releaseAllBut(Identity identity, String kept, String accountId) {
        claims.deleteMany(Filters.and(eq("accountId", accountId), Filters.regex("_id", "^" + identity.name() + ":"),
                Filters.ne("_id", key(identity, kept))));
    }

    /** Gives up a claim the account holds (a registration that did not complete). */
    public void release(Identity identity, String value, String accountId) {
        String key = key(identity, value);
        Document holder = claims.find(eq("_id", key)).first();
        if (holder != null && accountId.equals(holder.getString("accountId"))) {
            claims.deleteOne(eq("_id", key));
        }
    }

    public void create(String accountId, String passwordHash) {
        credentials.insertOne(new Document("_id", accountId).append("passwordHash", passwordHash)
                .append("failedLogins", 0).append("locked", false).append("lockRecorded", false));
    }

    public void delete(String accountId) {
        credentials.deleteOne(eq("_id", accountId));
    }

    /**
     * A closed or erased account: its password record goes, and its national ID, mobile and email
     * are free for a new registration. (A scan of the claims; accounts close rarely.)
     */
    public void forget(String accountId) {
        credentials.deleteOne(eq("_id", accountId));
        claims.deleteMany(eq("accountId", accountId));
    }

    /** Nobody logs in as this customer any more (their account is closed or erased). */
    public void closeLogin(String login) {
        closedLogins.replaceOne(eq("_id", login), new Document("_id", login).append("closedAt", clock.instant()),
                new com.mongodb.client.model.ReplaceOptions().upsert(true));
    }

    public boolean isClosedLogin(String login) {
        return login != null && closedLogins.find(eq("_id", login)).first() != null;
    }

    /** The credential behind a login: the mobile number or the email address. */
    public Optional<Credential> find(String login) {
        if (login == null || login.isBlank()) {
            return Optional.empty();
        }
        Identity identity = login.contains("@") ? Identity.EMAIL : Identity.MOBILE;
        Document claim = claims.find(eq("_id", key(identity, login))).first();
        if (claim == null) {
            return Optional.empty();
        }
        return byAccount(claim.getString("accountId"));
    }

    public Optional<Credential> byAccount(String accountId) {
        Document doc = credentials.find(eq("_id", accountId)).first();
        return Optional.ofNullable(doc).map(d -> new Credential(d.getString("_id"), d.getString("passwordHash"),
                d.getInteger("failedLogins", 0), d.getBoolean("locked", false)));
    }

    /** Counts a failed login; the fifth in a row locks the account. Returns whether it is locked now. */
    public boolean recordFailure(String accountId) {
        Document before = credentials.findOneAndUpdate(eq("_id", accountId), Updates.inc("failedLogins", 1),
                new FindOneAndUpdateOptions().returnDocument(ReturnDocument.BEFORE));
        if (before == null) {
            return false;
        }
        if (before.getInteger("failedLogins", 0) + 1 >= FAILURES_BEFORE_LOCK && !before.getBoolean("locked", false)) {
            credentials.updateOne(eq("_id", accountId), Updates.combine(Updates.set("locked", true),
                    Updates.set("lockRecorded", false), Updates.set("lockedAt", Date.from(Instant.now()))));
            return true;
        }
        return before.getBoolean("locked", false);
    }

    public void resetFailures(String accountId) {
        credentials.updateOne(eq("_id", accountId), Updates.set("failedLogins", 0));
    }

    public void setPassword(String accountId, String passwordHash) {
        credentials.updateOne(eq("_id", accountId), Updates.set("passwordHash", passwordHash));
    }

    public void unlock(String accountId) {
        credentials.updateOne(eq("_id", accountId), Updates.combine(Updates.set("locked", false),
                Updates.set("failedLogins", 0), Updates.set("lockRecorded", true)));
    }

    /** Accounts locked by failed logins whose lock is not yet an event. */
    public List<String> locksNotYetRecorded() {
        List<String> accounts = new ArrayList<>();
        for (Document doc : credentials.find(new Document("locked", true).append("lockRecorded", false))) {
            accounts.add(doc.getString("_id"));
        }
        return accounts;
    }

    public void lockRecorded(String accountId) {
        credentials.updateOne(eq("_id", accountId), Updates.set("lockRecorded", true));
    }

    /**
     * The value as this store keys it ({@code MOBILE:<HMAC-SHA-256 hex>}), never the value itself:
     * what a record of who looked a customer up by it may keep, and match later against the same
     * key without holding the value.
     */
    public String keyedHash(Identity identity, String value) {
        return key(identity, value);
    }

    private String key(Identity identity, String value) {
        return identity.name() + ":" + Digests.hmacSha256Hex(pepper, value.trim().toLowerCase(Locale.ROOT));
    }
}
