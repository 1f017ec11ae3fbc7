package org.coverledger.materials;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

import com.google.crypto.tink.StreamingAead;
import com.mongodb.MongoGridFSException;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBucket;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.GridFSUploadStream;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import org.bson.BsonString;
import org.bson.Document;
import org.coverledger.privacy.SubjectKeys;

/**
 * The files customers upload for their claims, in GridFS on the event store's MongoDB (bucket
 * {@value #BUCKET}; the embedded server serves GridFS as a real one does, its chunk index unique).
 * Each file is sealed as it streams in, segment by segment, with a streaming AEAD under a key
 * derived from its customer's own ({@link SubjectKeys#filesAead}), the material's id bound in as
 * associated data so that a file cannot pass for another: erasing the customer makes their files
 * unreadable with the rest of their data. Nothing is held in memory beyond a segment, in or out;
 * the SHA-256 of the clear bytes is taken on the way in, and a file is served only after its clear
 * bytes have been read once more and hashed to the same value.
 */
public final class MaterialStore {

    public static final String BUCKET = "claim_materials";
    private static final int BUFFER = 16 * 1024;

    private final GridFSBucket bucket;
    private final SubjectKeys keys;

    public MaterialStore(MongoDatabase database, SubjectKeys keys) {
        this.bucket = GridFSBuckets.create(database, BUCKET);
        this.keys = keys;
    }

    /** A file stored: its id, its size in clear bytes and the hex SHA-256 of those bytes. */
    public record Stored(String materialId, long size, String sha256) {
    }

    /** The stream went past the limit: nothing of it is kept. */
    public static final class TooLarge extends RuntimeException {
        public TooLarge(long limit) {
            super("more than " + limit + " bytes");
        }
    }

    /** Why a stored file cannot be served. */
    public enum Unreadable { CORRUPTED, ERASED, MISSING }

    public static final class NotServed extends RuntimeException {
        private final Unreadable why;

        public NotServed(Unreadable why, String detail, Throwable cause) {
            super(detail, cause);
            this.why = why;
        }

        public Unreadable why() {
            return why;
        }
    }

    /**
     * Streams {@code content} into the store as the material {@code materialId} of
     * {@code subject}, for the claim {@code claimId}, sealed; past {@code maxBytes} clear bytes it
     * stops, removes what it wrote and throws {@link TooLarge}. A stream that fails half-way leaves
     * nothing either.
     */
    public Stored store(String subject, String claimId, String materialId, InputStream content, long maxBytes)
            throws IOException {
        StreamingAead aead = keys.filesAead(subject, true).orElseThrow(() -> new NotServed(Unreadable.ERASED,
                "the customer's data was erased", null));
        MessageDigest sha = sha256();
        GridFSUploadStream upload = bucket.openUploadStream(new BsonString(materialId), materialId,
                new GridFSUploadOptions().metadata(new Document("subject", subject).append("claimId", claimId)));
        long size = 0;
        boolean complete = false;
        try {
            OutputStream sealed = aead.newEncryptingStream(new KeepOpen(upload), associated(materialId));
            byte[] buffer = new byte[BUFFER];
            for (int read = content.read(buffer); read != -1; read = content.read(buffer)) {
                size += read;
                if (size > maxBytes) {
                    throw new TooLarge(maxBytes);
                }
                sha.update(buffer, 0, read);
                sealed.write(buffer, 0, read);
            }
            sealed.close(); // the last segment, marked as the last
            complete = true;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the file could not be sealed", e);
        } finally {
            if (complete) {
                upload.close();
            } else {
                upload.abort(); // its chunks go, and no file entry is written
            }
        }
        return new Stored(materialId, size, HexFormat.of().formatHex(sha.digest()));
    }

    /** Removes a stored file (one whose upload the claim did not take); nothing if there is none. */
    public void delete(String materialId) {
        try {
            bucket.delete(new BsonString(materialId));
        } catch (MongoGridFSException e) {
            // not there: nothing to remove
        }
    }

    /** A stored file: its material id and the claim it was uploaded for (none: stored before files named it). */
    public record StoredFile(String materialId, String claimId) {
    }

    /**
     * The files stored before {@code cutoff} (by GridFS's upload date) that name their claim, for
     * a sweep of files whose upload the claim never recorded (a scan of the files collection,
     * one small document a file; the chunks are not read).
     */
    public java.util.List<StoredFile> storedBefore(java.time.Instant cutoff) {
        java.util.List<StoredFile> files = new java.util.ArrayList<>();
        for (com.mongodb.client.gridfs.model.GridFSFile file : bucket.find(
                com.mongodb.client.model.Filters.lt("uploadDate", java.util.Date.from(cutoff)))) {
            Document metadata = file.getMetadata();
            String claimId = metadata == null ? null : metadata.getString("claimId");
            if (claimId != null && file.getId().isString()) {
                files.add(new StoredFile(file.getId().asString().getValue(), claimId));
            }
        }
        return files;
    }

    /** Whether a file is stored under the id. */
    public boolean exists(String materialId) {
        return bucket.find(new Document("_id", materialId)).first() != null;
    }

    /**
     * The clear bytes of the material, once they have been read through and found to hash to
     * {@code sha256}: a file altered, truncated, replaced by another or missing is never served
     * ({@link NotServed}: CORRUPTED or MISSING), nor one whose customer was erased (ERASED).
     */
    public InputStream open(String subject, String materialId, String sha256) {
        StreamingAead aead = aeadToRead(subject);
        MessageDigest sha = sha256();
        try (InputStream clear = clear(aead, materialId)) {
            byte[] buffer = new byte[BUFFER];
            for (int read = clear.read(buffer); read != -1; read = clear.read(buffer)) {
                sha.update(buffer, 0, read);
            }
        } catch (NotServed e) {
            throw e;
        } catch (IOException | RuntimeException e) { // a segment altered or cut short, a chunk missing
            throw new NotServed(Unreadable.CORRUPTED, "material " + materialId + " does not open: " + e.getMessage(), e);
        }
        String found = HexFormat.of().formatHex(sha.digest());
        if (!found.equalsIgnoreCase(sha256)) {
            throw new NotServed(Unreadable.CORRUPTED, "material " + materialId + " hashes to " + found
                    + " where its upload recorded " + sha256, null);
        }
        try {
            return clear(aead, materialId);
        } catch (IOException e) {
            throw new NotServed(Unreadable.CORRUPTED, "material " + materialId + " does not open: " + e.getMessage(), e);
        }
    }

    private StreamingAead aeadToRead(String subject) {
        Optional<StreamingAead> aead;
        try {
            aead = keys.filesAead(subject, false);
        } catch (IllegalStateException e) {
            throw new NotServed(Unreadable.MISSING, "the customer's key is missing", e);
        }
        if (aead.isEmpty()) {
            throw new NotServed(keys.isErased(subject) ? Unreadable.ERASED : Unreadable.MISSING,
                    "no key for the customer", null);
        }
        return aead.get();
    }

    private InputStream clear(StreamingAead aead, String materialId) throws IOException {
        InputStream stored;
        try {
            stored = bucket.openDownloadStream(new BsonString(materialId));
        } catch (MongoGridFSException e) {
            throw new NotServed(Unreadable.MISSING, "material " + materialId + " is not stored", e);
        }
        try {
            return aead.newDecryptingStream(stored, associated(materialId));
        } catch (GeneralSecurityException e) {
            stored.close();
            throw new IOException(e);
        }
    }

    private static byte[] associated(String materialId) {
        return ("claim-material:" + materialId).getBytes(StandardCharsets.UTF_8);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sealing stream closes what it writes to; the upload is closed (or aborted) here instead. */
    private static final class KeepOpen extends OutputStream {
        private final OutputStream out;

        KeepOpen(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            // see the class comment
        }
    }
}
