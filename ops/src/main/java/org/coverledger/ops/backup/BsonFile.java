package org.coverledger.ops.backup;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import org.bson.RawBsonDocument;

/**
 * A collection's documents as a backup keeps them: BSON documents one after the other, gzipped,
 * which is the format of {@code mongodump --gzip} ({@code collection.bson.gz}), so the files can
 * also be read by MongoDB's own tools. The documents are the stored bytes, unchanged. The SHA-256
 * is taken over the file as it lies on disk, as {@code sha256sum} computes it.
 */
final class BsonFile {

    /** The largest document MongoDB stores, and so the largest this reads. */
    private static final int MAX_DOCUMENT = 16 * 1024 * 1024 + 16 * 1024;

    private BsonFile() {
    }

    /** What a written file holds. */
    record Written(String path, long documents, long bytes, String sha256) {
    }

    /** Writes documents to a new file; {@link #close} syncs it to disk and answers its size and checksum. */
    static final class Writer implements AutoCloseable {
        private final Path file;
        private final String name;
        private final MessageDigest digest = sha256();
        private final FileChannel channel;
        private final GZIPOutputStream out;
        private long documents;
        private Written written;

        Writer(Path file, String name) throws IOException {
            this.file = file;
            this.name = name;
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            this.out = new GZIPOutputStream(new DigestOutputStream(new BufferedOutputStream(raw, 1 << 16), digest), 1 << 16);
        }

        void write(RawBsonDocument document) throws IOException {
            ByteBuffer bytes = document.getByteBuffer().asNIO();
            byte[] copy = new byte[bytes.remaining()];
            bytes.get(copy);
            out.write(copy);
            documents++;
        }

        long documents() {
            return documents;
        }

        /** Finishes the file, on disk before this returns. */
        Written finish() throws IOException {
            if (written == null) {
                out.finish(); // gzip's trailer, through the digest; the channel stays open until synced
                out.flush();
                written = new Written(name, documents, Files.size(file), HexFormat.of().formatHex(digest.digest()));
            }
            return written;
        }

        @Override
        public void close() throws IOException {
            try {
                finish();
            } finally {
                if (channel.isOpen()) {
                    channel.force(true);
                    channel.close();
                }
            }
        }
    }

    /** The hex SHA-256 of the file's bytes. */
    static String sha256Of(Path file) throws IOException {
        MessageDigest digest = sha256();
        try (InputStream in = new DigestInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Reads the documents of a file one at a time. */
    static final class Reader implements AutoCloseable, Iterator<RawBsonDocument> {
        private final InputStream in;
        private RawBsonDocument next;
        private boolean done;

        Reader(Path file) throws IOException {
            this.in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16), 1 << 16);
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                try {
                    next = read();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                done = next == null;
            }
            return next != null;
        }

        @Override
        public RawBsonDocument next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            RawBsonDocument document = next;
            next = null;
            return document;
        }

        private RawBsonDocument read() throws IOException {
            byte[] length = in.readNBytes(4);
            if (length.length == 0) {
                return null;
            }
            if (length.length < 4) {
                throw new EOFException("the file ends inside a document");
            }
            int size = ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (size < 5 || size > MAX_DOCUMENT) {
                throw new IOException("not a BSON document: its length would be " + size + " bytes");
            }
            byte[] bytes = new byte[size];
            System.arraycopy(length, 0, bytes, 0, 4);
            int read = in.readNBytes(bytes, 4, size - 4);
            if (read < size - 4) {
                throw new EOFException("the file ends inside a document");
            }
            return new RawBsonDocument(bytes);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
