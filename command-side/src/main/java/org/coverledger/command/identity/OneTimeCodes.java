package org.coverledger.command.identity;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;


import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.identity.Digests;
import org.coverledger.privacy.SubjectKeys;

/**
 * One-time codes sent to a customer to prove they hold a mobile number or an email address.
 * One code per account and purpose at a time (a new one replaces the old), valid for
 * {@link #VALID_FOR}, {@link #ATTEMPTS} wrong entries and it is spent. Only a keyed hash of the
 * code is stored, and what the code will confirm (a new mobile, a card number) is sealed under
 * the customer's key, in {@code one_time_codes}.
 */
public class OneTimeCodes {

    public static final Duration VALID_FOR = Duration.ofMinutes(5);
    public static final int ATTEMPTS = 5;

    public enum Purpose { REAL_NAME_VERIFICATION, CONTACT_CHANGE, PASSWORD_RESET, LOGIN }

    /** The outcome of entering a code. */
    public sealed interface Check {
    }

    /** The code was right; what it confirms comes back. It cannot be used again. */
    public record Accepted(Map<String, String> payload) implements Check {
    }

    public record Wrong(int attemptsLeft) implements Check {
    }

    public record Expired() implements Check {
    }

    /** No code is waiting (never requested, already used, or replaced by a newer one). */
    public record NoneIssued() implements Check {
    }

    private final MongoCollection<Document> codes;
    private final SubjectKeys keys;
    private final byte[] pepper;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public OneTimeCodes(MongoDatabase database, SubjectKeys keys, String pepper, Clock clock) {
        this.codes = database.getCollection("one_time_codes");
        this.keys = keys;
        this.pepper = pepper.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
    }

    /** A fresh six-digit code for the account and purpose, replacing any earlier one. */
    public String issue(String accountId, Purpose purpose, Map<String, String> payload) {
        String code = String.format("%06d", random.nextInt(1_000_000));
        Document sealed = new Document();
        payload.forEach((name, value) -> sealed.append(name, keys.seal(accountId, value)));
        Instant now = clock.instant();
        String id = id(accountId, purpose);
        codes.replaceOne(eq("_id", id), new Document("_id", id).append("codeHash", hash(id, code))
                        .append("payload", sealed).append("issuedAt", Date.from(now))
                        .append("expiresAt", Date.from(now.plus(VALID_FOR))).append("attemptsLeft", ATTEMPTS),
                new ReplaceOptions().upsert(true));
        return code;
    }

    /** Enters a code: a wrong one uses up an attempt, the right one is spent. */
    public Check check(String accountId, Purpose purpose, String code) {
        return check(accountId, purpose, code, Map.of());
    }

    /**
     * Enters a code that only counts for the request that carries {@code ticket} (what the code
     * was issued with): entries without the right ticket use up nothing, so nobody but the one
     * who asked for the code can spend its attempts.
     */
    public Check check(String accountId, Purpose purpose, String code, Map<String, String> ticket) {
        String id = id(accountId, purpose);
        while (true) {
            Document doc = codes.find(eq("_id", id)).first();
            if (doc == null || doc.getInteger("attemptsLeft", 0) <= 0 || !carries(doc, ticket)) {
                return new NoneIssued();
            }
            if (!doc.getDate("expiresAt").toInstant().isAfter(clock.instant())) {
                return new Expired();
            }
            String stored = doc.getString("codeHash");
            if (MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8),
                    hash(id, code == null ? "" : code).getBytes(StandardCharsets.UTF_8))) {
                // the delete decides: of two right entries racing, one is accepted
                if (codes.deleteOne(and(eq("_id", id), eq("codeHash", stored))).getDeletedCount() == 1) {
                    Map<String, String> payload = new LinkedHashMap<>();
                    doc.get("payload", Document.class).forEach((name, value) -> payload.put(name, keys.open((String) value)));
                    return new Accepted(payload);
                }
                return new NoneIssued();
            }
            int left = doc.getInteger("attemptsLeft");
            // compare-and-set, so that parallel wrong entries each use up an attempt
            if (codes.updateOne(and(eq("_id", id), eq("codeHash", stored), eq("attemptsLeft", left)),
                    Updates.set("attemptsLeft", left - 1)).getModifiedCount() == 1) {
                return new Wrong(left - 1);
            }
        }
    }

    private boolean carries(Document doc, Map<String, String> ticket) {
        Document payload = doc.get("payload", Document.class);
        for (Map.Entry<String, String> entry : ticket.entrySet()) {
            Object stored = payload.get(entry.getKey());
            if (!(stored instanceof String sealed) || !MessageDigest.isEqual(
                    keys.open(sealed).getBytes(StandardCharsets.UTF_8), entry.getValue().getBytes(StandardCharsets.UTF_8))) {
                return false;
            }
        }
        return true;
    }

    private static String id(String accountId, Purpose purpose) {
        return accountId + ":" + purpose;
    }

    private String hash(String id, String code) {
        return Digests.hmacSha256Hex(pepper, id + ":" + code);
    }
}
