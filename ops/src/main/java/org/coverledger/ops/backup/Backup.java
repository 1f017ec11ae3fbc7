package org.coverledger.ops.backup;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.in;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.LongStream;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.coverledger.eventstore.CommitChain;

/**
 * {@code ops/backup DIR}: a full backup into an empty directory, then an incremental one each
 * time after (or a new full one with {@code --full}), from a running system or a stopped data
 * directory, embedded or {@code MONGODB_URI}. See README "Backup and restore".
 *
 * <p>The order of the copies keeps a backup of a running system consistent: the command side's
 * processors' tokens and the snapshots are copied before the store's end is read, so no token
 * and no snapshot lies beyond the commits copied (a restored processor handles again what lies
 * between its token and the end, as after any restart); the commits up to that end next, walked
 * by global position; then the other collections and the materials, which may be newer than the
 * commits but never older; the subjects' keys last, so every key a copied event was sealed under
 * is in the copy, and an erasure that happened meanwhile is there too.
 */
public final class Backup {

    static final String COMMITS_FILE = "event_commits.bson.gz";
    static final String SNAPSHOTS = org.coverledger.eventstore.MongoCommitLogEngine.SNAPSHOTS;
    private static final int WINDOW = 1024;
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** Options of one run. */
    record Options(boolean full, Path keysDirectory, int keepKeyCopies, Clock clock) {
    }

    private final MongoDatabase database;
    private final String source;
    private final Path directory;
    private final Options options;
    private final Progress progress;

    Backup(MongoDatabase database, String source, Path directory, Options options, PrintStream out) {
        this.database = database;
        this.source = source;
        this.directory = directory;
        this.options = options;
        this.progress = new Progress(out);
    }

    public static void main(String[] args) {
        try {
            Arguments arguments = Arguments.parse(args, Set.of("--full", "--help"),
                    Set.of("--uri", "--data", "--keys-dir", "--keep-key-copies"));
            if (arguments.positional().size() != 1 || arguments.flag("--help")) {
                System.err.println("usage: ops/backup DIR [--full] [--keys-dir DIR] [--keep-key-copies N] [--uri URI | --data DIR]");
                System.exit(1);
            }
            arguments.oneOf("--uri", "--data");
            Path directory = Path.of(arguments.positional().get(0));
            Path keys = arguments.keysDirectory(directory);
            int keep = arguments.number("--keep-key-copies", 1, 1);
            Options options = new Options(arguments.flag("--full"), keys, keep, Clock.systemUTC());
            try (Store store = Store.open(Store.Location.of(arguments.value("--uri"), arguments.value("--data"), System.getenv()),
                    true)) {
                Manifest manifest = new Backup(store.database(), store.description(), directory, options, System.out).run();
                System.out.printf("Backup %s written: positions %d to %d, chain head %s at position %d.%n", manifest.name(),
                        manifest.events().from(), manifest.events().to(), manifest.events().headHash(),
                        manifest.events().headPosition());
            }
            System.exit(0);
        } catch (Exception e) {
            System.err.println("ops/backup: " + e.getMessage());
            System.exit(1);
        }
    }

    /** Takes the backup; answers its manifest once it is complete on disk. */
    Manifest run() throws IOException {
        Files.createDirectories(directory);
        Files.createDirectories(options.keysDirectory());
        try (FileChannel lockFile = FileChannel.open(directory.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new IOException("another ops/backup is writing to " + directory);
            }
            return take();
        }
    }

    private Manifest take() throws IOException {
        Instant started = options.clock().instant();
        claimKeysDirectory();
        removeLeftovers();
        List<Path> existing = Manifest.backupsIn(directory);
        Path previousPath = existing.isEmpty() ? null : existing.get(existing.size() - 1);
        boolean full = previousPath == null || options.full();
        Manifest previous = full ? null : readPrevious(previousPath);
        int sequence = previousPath == null ? 1 : Manifest.sequenceOf(previousPath) + 1;
        String name = String.format("%04d-%s-%s", sequence, full ? "full" : "incremental", STAMP.format(started));
        Set<String> collections = new HashSet<>(database.listCollectionNames().into(new ArrayList<>()));
        if (collections.isEmpty()) {
            throw new IOException("there is nothing to back up in " + source + ": no collection at all (the wrong database?)");
        }
        MongoCollection<RawBsonDocument> commits = raw(Catalog.COMMITS);
        if (!full) {
            continuesFrom(commits, previous);
        }
        Path partial = directory.resolve(".partial-" + name);
        deleteRecursively(partial);
        Files.createDirectories(partial);
        progress.step((full ? "Full" : "Incremental") + " backup " + name + " of " + source + " into " + directory);
        if (options.keysDirectory().toAbsolutePath().normalize().startsWith(directory.toAbsolutePath().normalize())) {
            progress.step("note: the copies of the customers' keys go to " + options.keysDirectory()
                    + ", inside the backup directory; keep them apart with --keys-dir (README \"Backup and restore\")");
        }

        List<BsonFile.Written> files = new ArrayList<>();
        Map<String, String> notCopied = new TreeMap<>();

        // before the end is read: the command side's tokens, then what follows the events (Catalog.BEFORE_END)
        files.add(copy(partial, Catalog.TOKENS, com.mongodb.client.model.Filters.regex("processorName", Catalog.NOT_A_PROJECTION)));
        notCopied.put(Catalog.TOKENS + " (the query side's processors)", "rebuilt from the events after a restore");
        files.add(copy(partial, Catalog.DEAD_LETTERS, com.mongodb.client.model.Filters.regex("processingGroup", Catalog.NOT_A_PROJECTION)));
        notCopied.put(Catalog.DEAD_LETTERS + " (the query side's processors)", "handled again by the rebuild after a restore");
        files.add(copy(partial, SNAPSHOTS, new Document()));
        Set<String> done = new HashSet<>(Set.of(Catalog.COMMITS, Catalog.KEYS, Catalog.TOKENS, SNAPSHOTS,
                Catalog.DEAD_LETTERS, Catalog.MATERIAL_FILES, Catalog.MATERIAL_CHUNKS));
        for (String collection : Catalog.BEFORE_END) {
            if (collections.contains(collection)) {
                files.add(copy(partial, collection, new Document()));
                done.add(collection);
            }
        }

        long from = full ? 0 : previous.events().to();
        long end = CommitChain.end(database.getCollection(Catalog.COMMITS));
        if (end < from) {
            throw new IOException("the event store ends at position " + end + ", before the last backup's end " + from
                    + ": this is not the store that was backed up (take a full backup with --full)");
        }
        Manifest.Events events = copyCommits(partial, files, commits, from, end,
                full ? -1 : previous.events().headPosition(), full ? CommitChain.hex(CommitChain.GENESIS) : previous.events().headHash());

        // after the commits: what is recorded before its events, so never older than them
        for (String collection : collections.stream().sorted().toList()) {
            if (done.contains(collection)) {
                continue;
            }
            if (!Catalog.copied(collection)) {
                notCopied.put(collection, Catalog.whyNotCopied(collection));
                continue;
            }
            files.add(copy(partial, collection, new Document()));
        }

        List<String> withChunks = copyMaterials(partial, files, full ? List.of() : chainBefore(previousPath));

        Map<String, List<Map<String, Object>>> indexes = new TreeMap<>();
        for (String collection : database.listCollectionNames().into(new ArrayList<>())) {
            if (Catalog.copied(collection)) {
                indexes.put(collection, indexesOf(collection));
            }
        }

        Manifest.Keys keys = copyKeys(name);
        Manifest manifest = new Manifest(Manifest.FORMAT, toolVersion(), name, sequence, full ? "full" : "incremental",
                full ? null : previous.name(), full ? null : Manifest.sha256Of(previousPath), database.getName(), source,
                started, options.clock().instant(), events, files, keys, withChunks, indexes, notCopied);
        manifest.write(partial);
        Path finished = directory.resolve(name);
        Files.move(partial, finished, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(directory);
        pruneKeyCopies();
        return manifest;
    }

    /**
     * The keys directory belongs to one backup directory: two sets sharing it would remove each
     * other's copies (only the newest is kept). The first backup marks it; another set is refused.
     */
    private void claimKeysDirectory() throws IOException {
        Path owner = options.keysDirectory().resolve(".owner");
        String mine = directory.toAbsolutePath().normalize().toString();
        if (Files.exists(owner)) {
            String recorded = Files.readString(owner).trim();
            if (!recorded.equals(mine)) {
                throw new IOException("the keys directory " + options.keysDirectory() + " holds the keys of the backups in "
                        + recorded + ": give each backup directory a keys directory of its own (--keys-dir)");
            }
        } else {
            Manifest.writeSynced(owner, (mine + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    private static Manifest readPrevious(Path previous) throws IOException {
        try {
            return Manifest.read(previous);
        } catch (IOException e) {
            throw new IOException("the manifest of the last backup " + previous.getFileName() + " cannot be read ("
                    + e.getMessage() + "): an incremental backup cannot follow it; take a full backup with --full");
        }
    }

    /**
     * What a backup that was killed left behind: its directory, never finished (it has no
     * manifest until it is moved in place), and its copy of the keys, which no manifest names.
     */
    private void removeLeftovers() throws IOException {
        Set<String> finished = new HashSet<>();
        for (Path backup : Manifest.backupsIn(directory)) {
            finished.add(backup.getFileName().toString());
        }
        try (var listed = Files.list(directory)) {
            for (Path left : listed.filter(p -> p.getFileName().toString().startsWith(".partial-")).toList()) {
                deleteRecursively(left);
                progress.step("removed " + left.getFileName() + ", left by a backup that did not finish");
            }
        }
        try (var listed = Files.list(options.keysDirectory())) {
            for (Path copy : listed.toList()) {
                String file = copy.getFileName().toString();
                if (file.matches("\\d{4}-(full|incremental)-\\d{8}T\\d{6}Z\\.bson\\.gz")
                        && !finished.contains(file.substring(0, file.length() - ".bson.gz".length()))) {
                    Files.delete(copy);
                    progress.step("removed the copy of the keys " + file + ", left by a backup that did not finish");
                }
            }
        }
    }

    /** The last backup's head must still be in the store, unchanged: else this store is not the one backed up. */
    private void continuesFrom(MongoCollection<RawBsonDocument> commits, Manifest previous) throws IOException {
        if (previous.events().headPosition() < 0) {
            return;
        }
        RawBsonDocument head = commits.find(eq("_id", previous.events().headPosition())).first();
        String chain = head == null || !head.containsKey(CommitChain.FIELD) ? null : head.getString(CommitChain.FIELD).getValue();
        if (!previous.events().headHash().equals(chain)) {
            throw new IOException("the event store does not continue backup " + previous.name() + " (its commit at position "
                    + previous.events().headPosition() + (head == null ? " is missing" : " differs")
                    + "): take a full backup with --full");
        }
    }

    /** Copies the commits and void markers from {@code from} to {@code end} in global order. */
    private Manifest.Events copyCommits(Path partial, List<BsonFile.Written> files, MongoCollection<RawBsonDocument> commits,
                                        long from, long end, long headPosition, String headHash) throws IOException {
        progress.step("event commits from position " + from + " to " + end);
        long commitCount = 0;
        long eventCount = 0;
        long voids = 0;
        long started = System.nanoTime();
        try (BsonFile.Writer out = new BsonFile.Writer(partial.resolve(COMMITS_FILE), COMMITS_FILE)) {
            long next = from;
            while (next < end) {
                long windowEnd = Math.min(end, next + WINDOW);
                List<RawBsonDocument> window = commits.find(in("_id",
                        LongStream.range(next, windowEnd).boxed().toList())).into(new ArrayList<>());
                window.sort(Comparator.comparingLong(d -> d.getInt64("_id").getValue()));
                for (RawBsonDocument commit : window) {
                    long first = commit.getInt64("_id").getValue();
                    if (first != next) {
                        break; // a hole: what lies beyond it waits for the next backup
                    }
                    out.write(commit);
                    next = commit.getInt64("last").getValue() + 1;
                    if (commit.containsKey("void") && commit.getBoolean("void").getValue()) {
                        voids++;
                    } else {
                        commitCount++;
                        eventCount += commit.getArray("events").size();
                        headPosition = first;
                        headHash = commit.getString(CommitChain.FIELD).getValue();
                    }
                }
                if (next < windowEnd) {
                    // nothing holds this position (a writer of the old, reserving kind died there): the backup
                    // ends below it, and the next one goes on from it once a reader has fenced it off
                    progress.done("nothing holds position " + next + " yet (a reader fences such a hole off after "
                            + "its timeout): this backup ends there, the next one goes on from it");
                    end = next;
                    break;
                }
                double seconds = Math.max(1e-9, (System.nanoTime() - started) / 1e9);
                progress.at(String.format("position %,d of %,d (%d %%), %,.0f commits/s", next, end,
                        end == from ? 100 : (next - from) * 100 / (end - from), commitCount / seconds));
            }
            files.add(out.finish());
        }
        progress.done(String.format("%,d commits, %,d events, %,d void markers", commitCount, eventCount, voids));
        return new Manifest.Events(from, end, commitCount, eventCount, voids, headPosition, headHash);
    }

    /** The claim materials: every file's document, and the chunks of the files no earlier backup of the chain holds. */
    private List<String> copyMaterials(Path partial, List<BsonFile.Written> files, List<Manifest> earlier) throws IOException {
        Set<String> held = new HashSet<>();
        for (Manifest manifest : earlier) {
            if (manifest.materialsWithChunks() != null) {
                held.addAll(manifest.materialsWithChunks());
            }
        }
        progress.step("claim materials");
        List<BsonValue> fresh = new ArrayList<>();
        List<String> freshIds = new ArrayList<>();
        long materials;
        try (BsonFile.Writer out = new BsonFile.Writer(partial.resolve(Catalog.MATERIAL_FILES + ".bson.gz"),
                Catalog.MATERIAL_FILES + ".bson.gz")) {
            for (RawBsonDocument file : raw(Catalog.MATERIAL_FILES).find()) {
                out.write(file);
                BsonValue id = file.get("_id");
                String key = idKey(id);
                if (!held.contains(key)) {
                    fresh.add(id);
                    freshIds.add(key);
                }
            }
            BsonFile.Written written = out.finish();
            files.add(written);
            materials = written.documents();
        }
        long chunks = 0;
        try (BsonFile.Writer out = new BsonFile.Writer(partial.resolve(Catalog.MATERIAL_CHUNKS + ".bson.gz"),
                Catalog.MATERIAL_CHUNKS + ".bson.gz")) {
            for (int i = 0; i < fresh.size(); i += WINDOW) {
                for (RawBsonDocument chunk : raw(Catalog.MATERIAL_CHUNKS).find(in("files_id", fresh.subList(i,
                        Math.min(fresh.size(), i + WINDOW))))) {
                    out.write(chunk);
                    chunks++;
                    progress.at(String.format("%,d chunks", chunks));
                }
            }
            files.add(out.finish());
        }
        progress.done(String.format("%,d files, %,d of them new (%,d chunks)", materials,
                fresh.size(), chunks));
        return freshIds;
    }

    /** A material file's id as the manifest lists it. */
    static String idKey(BsonValue id) {
        return id.isString() ? id.asString().getValue() : id.toString();
    }

    /** The copy of the keys, in the keys directory, synced before the manifest names it. */
    private Manifest.Keys copyKeys(String name) throws IOException {
        progress.step("data subjects' keys (into " + options.keysDirectory() + ")");
        String file = name + ".bson.gz";
        Path target = options.keysDirectory().resolve(file);
        Files.deleteIfExists(target);
        long erased = 0;
        BsonFile.Written written;
        try (BsonFile.Writer out = new BsonFile.Writer(target, file)) {
            for (RawBsonDocument key : raw(Catalog.KEYS).find()) {
                out.write(key);
                if (!key.containsKey("wrapped")) {
                    erased++;
                }
            }
            written = out.finish();
        }
        progress.done(String.format("%,d subjects, %,d of them erased", written.documents(), erased));
        return new Manifest.Keys(file, written.documents(), erased, written.sha256());
    }

    /** Keeps the newest key copies only: an erased customer's key lives on in no older copy. */
    private void pruneKeyCopies() throws IOException {
        List<Path> copies;
        try (var listed = Files.list(options.keysDirectory())) {
            copies = listed.filter(p -> p.getFileName().toString().matches("\\d{4}-.*\\.bson\\.gz"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        for (int i = 0; i < copies.size() - Math.max(1, options.keepKeyCopies()); i++) {
            Files.delete(copies.get(i));
            progress.step("removed the older key copy " + copies.get(i).getFileName());
        }
    }

    private BsonFile.Written copy(Path partial, String collection, org.bson.conversions.Bson filter) throws IOException {
        String file = collection + ".bson.gz";
        progress.step(collection);
        try (BsonFile.Writer out = new BsonFile.Writer(partial.resolve(file), file)) {
            for (RawBsonDocument document : raw(collection).find(filter)) {
                out.write(document);
                progress.at(String.format("%,d documents", out.documents()));
            }
            BsonFile.Written written = out.finish();
            progress.done(String.format("%,d documents", written.documents()));
            return written;
        }
    }

    /** The collection's indexes but {@code _id}'s, as {@code createIndexes} takes them. */
    private List<Map<String, Object>> indexesOf(String collection) {
        List<Map<String, Object>> specs = new ArrayList<>();
        for (Document index : database.getCollection(collection).listIndexes()) {
            if ("_id_".equals(index.getString("name"))) {
                continue;
            }
            Map<String, Object> spec = new LinkedHashMap<>(index);
            spec.remove("v");
            spec.remove("ns");
            specs.add(spec);
        }
        return specs;
    }

    private List<Manifest> chainBefore(Path previous) throws IOException {
        List<Manifest> chain = new ArrayList<>();
        for (Path backup : Manifest.chainTo(directory, Manifest.sequenceOf(previous))) {
            chain.add(Manifest.read(backup));
        }
        return chain;
    }

    private MongoCollection<RawBsonDocument> raw(String collection) {
        return database.getCollection(collection, RawBsonDocument.class);
    }

    static String toolVersion() {
        String version = Backup.class.getPackage().getImplementationVersion();
        return "CoverLedger ops " + (version == null ? "(development build)" : version);
    }

    static void syncDirectory(Path directory) {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // not every file system lets a directory be synced; the rename is still atomic
        }
    }

    static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
