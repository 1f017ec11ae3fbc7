package org.coverledger.ops.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * What one backup holds ({@code manifest.json} in its directory): its place in the chain (a full
 * backup, then incrementals, each naming the one before and that one's manifest's SHA-256), the
 * global positions of the commits it holds and the chain's head after them, every file with its
 * size and SHA-256, the indexes to create on a restore, and what it left out and why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record Manifest(String format, String tool, String name, int sequence, String kind, String previous,
                String previousManifestSha256, String database, String source, Instant startedAt, Instant finishedAt,
                Events events, List<BsonFile.Written> files, Keys keys, List<String> materialsWithChunks,
                Map<String, List<Map<String, Object>>> indexes, Map<String, String> notCopied) {

    static final String FORMAT = "coverledger-backup-1";
    static final String FILE = "manifest.json";
    static final String SUMS = "SHA256SUMS";

    /**
     * The commits held: global positions {@code from} (inclusive) to {@code to} (exclusive, the
     * store's end when the backup read it); the chain's head after them (the last commit's first
     * position and its chain value; the genesis value before any).
     */
    record Events(long from, long to, long commits, long events, long voidMarkers, long headPosition, String headHash) {
    }

    /** The copy of the subjects' keys, kept apart in the keys directory; {@code erased}: subjects without a key. */
    record Keys(String path, long documents, long erased, String sha256) {
    }

    boolean full() {
        return "full".equals(kind);
    }

    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    static Manifest read(Path backup) throws IOException {
        return JSON.readValue(backup.resolve(FILE).toFile(), Manifest.class);
    }

    /** Writes the manifest and a {@code SHA256SUMS} of the backup's files (for {@code sha256sum -c}), each synced. */
    void write(Path backup) throws IOException {
        StringBuilder sums = new StringBuilder();
        for (BsonFile.Written file : files) {
            sums.append(file.sha256()).append("  ").append(file.path()).append('\n');
        }
        writeSynced(backup.resolve(SUMS), sums.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        writeSynced(backup.resolve(FILE), JSON.writeValueAsBytes(this));
    }

    /** Writes the bytes to a temporary file, syncs it and moves it in place, so the file is whole or absent. */
    static void writeSynced(Path file, byte[] bytes) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (var channel = java.nio.channels.FileChannel.open(temporary, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(java.nio.ByteBuffer.wrap(bytes));
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The backups in the directory with a manifest (an interrupted one has none), in the order of their numbers. */
    static List<Path> backupsIn(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.filter(p -> p.getFileName().toString().matches("\\d{4,}-(full|incremental)-.*"))
                    .filter(p -> Files.isRegularFile(p.resolve(FILE)))
                    .sorted(Comparator.comparingLong(Manifest::sequenceOf))
                    .toList();
        }
    }

    /** A backup's number, from its directory's name. */
    static int sequenceOf(Path backup) {
        String name = backup.getFileName().toString();
        return Integer.parseInt(name.substring(0, name.indexOf('-')));
    }

    /** Whether a backup's directory name says it is a full one. */
    static boolean isFull(Path backup) {
        return backup.getFileName().toString().matches("\\d{4,}-full-.*");
    }

    /**
     * The chain a restore to {@code upTo} (a backup's number; 0 for the newest) reads: the last
     * full backup at or before it and the incrementals after that up to it. Only their manifests
     * are read, so a damaged manifest elsewhere in the directory does not stand in the way.
     */
    static List<Path> chainTo(Path directory, int upTo) throws IOException {
        if (upTo < 0) {
            throw new IllegalArgumentException("--upto takes a backup's number, 1 or more");
        }
        List<Path> chain = new ArrayList<>();
        for (Path backup : backupsIn(directory)) {
            if (upTo > 0 && sequenceOf(backup) > upTo) {
                break;
            }
            if (isFull(backup)) {
                chain.clear();
            }
            chain.add(backup);
        }
        if (upTo > 0 && (chain.isEmpty() || sequenceOf(chain.get(chain.size() - 1)) != upTo)) {
            throw new IllegalArgumentException("there is no backup number " + upTo + " in " + directory);
        }
        return chain;
    }

    /** The hex SHA-256 of a backup's manifest file. */
    static String sha256Of(Path backup) throws IOException {
        return BsonFile.sha256Of(backup.resolve(FILE));
    }
}
