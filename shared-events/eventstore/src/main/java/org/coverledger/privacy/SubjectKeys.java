package org.coverledger.privacy;

import static com.mongodb.client.model.Filters.eq;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.types.Binary;

/**
 * One AES-256 key per data subject (a customer's account), kept in the {@code data_subject_keys}
 * collection wrapped by the master key, which lives only in the configuration. Personal fields
 * of events are sealed with AES-GCM under their subject's key; erasing the key leaves every
 * event, its order and any hash over the stored events as they were, and makes the personal
 * fields unreadable for good ("crypto-shredding").
 *
 * <p>A sealed value is {@code pd1:<subject>:<base64url(nonce | ciphertext | tag)>}, with the
 * subject as additional authenticated data, so a value cannot be moved to another subject.
 * Keys read from MongoDB are cached for a short while; an erasure evicts its own process's
 * cache at once and other processes' within {@link #cacheFor} (a rebuild evicts everything).
 */
public class SubjectKeys implements PersonalDataSeal {

    static final String PREFIX = "pd1:";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final MongoCollection<Document> keys;
    private final SecretKey masterKey;
    private final Clock clock;
    private final Duration cacheFor;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    /** A subject's key as last read; {@code key == null} means erased, which is final. */
    private record Cached(SecretKey key, Instant readAt) {
    }

    public SubjectKeys(MongoDatabase database, String masterKeyBase64, Duration cacheFor, Clock clock) {
        this.keys = database.getCollection("data_subject_keys");
        this.masterKey = masterKey(masterKeyBase64);
        this.cacheFor = cacheFor;
        this.clock = clock;
    }

    public SubjectKeys(MongoDatabase database, String masterKeyBase64) {
        this(database, masterKeyBase64, Duration.ofSeconds(30), Clock.systemUTC());
    }

    private static SecretKey masterKey(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(base64 == null ? "" : base64.trim());
        } catch (IllegalArgumentException e) {
            bytes = new byte[0];
        }
        if (bytes.length != 32) {
            throw new IllegalArgumentException(
                    "coverledger.privacy.master-key must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)");
        }
        return new SecretKeySpec(bytes, "AES");
    }

    /** Seals the value under the subject's key, creating the key on first use; an erased subject's value is dropped. */
    @Override
    public String seal(String subject, String value) {
        if (value == null) {
            return null;
        }
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("personal data needs a data subject to be sealed for");
        }
        Optional<SecretKey> key = key(subject, true);
        if (key.isEmpty()) {
            return ERASED;
        }
        byte[] sealed = encrypt(key.get(), subject, value.getBytes(StandardCharsets.UTF_8));
        return PREFIX + subject + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(sealed);
    }

    /** The clear value, {@link #ERASED} if its subject's key is gone, or the value itself if it was never sealed. */
    @Override
    public String open(String stored) {
        if (!isSealed(stored)) {
            return stored;
        }
        int split = stored.lastIndexOf(':');
        String subject = stored.substring(PREFIX.length(), split);
        Optional<SecretKey> key = key(subject, false);
        if (key.isEmpty()) {
            if (!isErased(subject)) {
                // a sealed value proves the key existed; without the erasure's record it was lost, not erased
                throw new IllegalStateException("The key of data subject " + subject + " is missing from "
                        + "data_subject_keys without a record of its erasure (a restore from an older backup?)");
            }
            return ERASED;
        }
        byte[] sealed = Base64.getUrlDecoder().decode(stored.substring(split + 1));
        return new String(decrypt(key.get(), subject, sealed), StandardCharsets.UTF_8);
    }

    /**
     * The streaming AEAD (Tink's AES-GCM-HKDF, segment by segment) that seals the subject's files
     * (claim materials), from a key derived from the subject's own: erasing the subject makes
     * them unreadable with everything else. Empty once the subject is erased (or, when not
     * {@code createIfMissing}, has no key yet).
     */
    public Optional<com.google.crypto.tink.StreamingAead> filesAead(String subject, boolean createIfMissing) {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("a file needs a data subject to be sealed for");
        }
        return key(subject, createIfMissing).map(key -> {
            try {
                javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
                mac.init(key);
                // a key of its own for files, so that the subject's key is used for one purpose each
                byte[] fileKey = mac.doFinal(("coverledger-files-v1:" + subject).getBytes(StandardCharsets.UTF_8));
                return new com.google.crypto.tink.subtle.AesGcmHkdfStreaming(fileKey, "HmacSha256", 32,
                        FILE_SEGMENT_BYTES, 0);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the files key could not be derived", e);
            }
        });
    }

    /** The ciphertext segment of sealed files: what is held in memory while one is written or read. */
    static final int FILE_SEGMENT_BYTES = 64 * 1024;

    /** A fresh master key, for `coverledger.privacy.master-key` (or a test). */
    public static String randomMasterKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    public static boolean isSealed(String value) {
        return value != null && value.startsWith(PREFIX) && value.lastIndexOf(':') > PREFIX.length();
    }

    /**
     * Destroys the subject's key for good: every value sealed under it reads as {@link #ERASED}
     * from now on, and new values for the subject are dropped. Returns false if it was already erased.
     */
    public boolean erase(String subject) {
        boolean already = isErasedInStore(subject);
        if (!already) {
            // the subject keeps its document, without key material, so that no new key is made for it
            keys.updateOne(eq("_id", subject),
                    Updates.combine(Updates.unset("wrapped"), Updates.set("erasedAt", Date.from(clock.instant()))),
                    new UpdateOptions().upsert(true));
        }
        cache.put(subject, new Cached(null, clock.instant()));
        return !already;
    }

    private boolean isErasedInStore(String subject) {
        Document doc = keys.find(eq("_id", subject)).first();
        return doc != null && doc.get("wrapped") == null && doc.get("erasedAt") != null;
    }

    public boolean isErased(String subject) {
        Cached cached = cache.get(subject);
        if (cached != null && cached.key() == null) {
            return true;
        }
        return isErasedInStore(subject);
    }

    /** Forgets the subject's cached key, so that the next read asks the store. */
    public void forget(String subject) {
        cache.remove(subject);
    }

    /** Forgets every cached key, so that the next read sees erasures made by other processes. */
    public void forgetCachedKeys() {
        cache.clear();
    }

    /**
     * The subject's key: cached while fresh (an erasure for good), else read from the store and,
     * when writing, created on first use. Empty for an erased subject, or one without a key when reading.
     */
    private Optional<SecretKey> key(String subject, boolean createIfMissing) {
        Cached cached = cache.get(subject);
        if (cached != null && (cached.key() == null || cached.readAt().plus(cacheFor).isAfter(clock.instant()))) {
            return Optional.ofNullable(cached.key());
        }
        Document doc = keys.find(eq("_id", subject)).first();
        if (doc == null && createIfMissing) {
            doc = created(subject);
        }
        return doc == null ? Optional.empty() : Optional.ofNullable(remember(subject, doc));
    }

    private Document created(String subject) {
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        Document doc = new Document("_id", subject)
                .append("wrapped", new Binary(encrypt(masterKey, "subject-key:" + subject, fresh)))
                .append("createdAt", Date.from(clock.instant()));
        try {
            keys.insertOne(doc);
            return doc;
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            return keys.find(eq("_id", subject)).first(); // another writer made it first: use theirs
        }
    }

    private SecretKey remember(String subject, Document doc) {
        Binary wrapped = doc.get("wrapped", Binary.class);
        SecretKey key = wrapped == null ? null
                : new SecretKeySpec(decrypt(masterKey, "subject-key:" + subject, wrapped.getData()), "AES");
        cache.put(subject, new Cached(key, clock.instant()));
        return key;
    }

    /** AES-GCM with a fresh nonce: nonce, then ciphertext and tag. */
    private byte[] encrypt(SecretKey key, String associated, byte[] plain) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        byte[] sealed = crypt(Cipher.ENCRYPT_MODE, key, nonce, associated, plain);
        return ByteBuffer.allocate(NONCE_BYTES + sealed.length).put(nonce).put(sealed).array();
    }

    private static byte[] decrypt(SecretKey key, String associated, byte[] nonceAndSealed) {
        return crypt(Cipher.DECRYPT_MODE, key, Arrays.copyOfRange(nonceAndSealed, 0, NONCE_BYTES), associated,
                Arrays.copyOfRange(nonceAndSealed, NONCE_BYTES, nonceAndSealed.length));
    }

    private static byte[] crypt(int mode, SecretKey key, byte[] nonce, String associated, byte[] input) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associated.getBytes(StandardCharsets.UTF_8));
            return cipher.doFinal(input);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("personal data could not be " + (mode == Cipher.ENCRYPT_MODE ? "sealed" : "opened")
                    + " (wrong master key, or the stored value was altered)", e);
        }
    }
}
