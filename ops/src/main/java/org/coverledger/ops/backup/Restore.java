package org.coverledger.ops.backup;

import static com.mongodb.client.model.Filters.eq;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.ops.EmbeddedMongo;

/**
 * {@code ops/restore DIR [--upto N]}: restores the newest backup of the directory (or backup
 * number N) into an empty database, checks that the restored chain verifies and ends at the
 * backup's head, and leaves the projections to the query side, which folds every one of them
 * from the first event when it starts (their read models and tokens are not in a backup).
 *
 * <p>The keys come from the newest copy at or after the backup restored: a key copy never holds a
 * key that a later copy has erased, and on top of that every erasure recorded in the restored
 * events is applied to the keys again, so a restore never brings an erased customer back.
 */
public final class Restore {

    static final String MARKER = "restore_in_progress";
    private static final int BATCH = 500;
    private static final DocumentCodec DOCUMENTS = new DocumentCodec();
    private static final String ERASED = "$PersonalDataErased";

    /** What a restore did. */
    record Outcome(String backup, long commits, long events, long to, long headPosition, String headHash,
                   int erasedSubjects, int erasuresApplied, String keysFrom) {
    }

    private final Path directory;
    private final int upTo;
    private final Path keysDirectory;
    private final Clock clock;
    private final Progress progress;

    Restore(Path directory, int upTo, Path keysDirectory, Clock clock, PrintStream out) {
        this.directory = directory;
        this.upTo = upTo;
        this.keysDirectory = keysDirectory;
        this.clock = clock;
        this.progress = new Progress(out);
    }

    public static void main(String[] args) {
        try {
            Arguments arguments = Arguments.parse(args, Set.of("--help"), Set.of("--upto", "--keys-dir", "--uri", "--data"));
            if (arguments.positional().size() != 1 || arguments.flag("--help")) {
                System.err.println("usage: ops/restore DIR [--upto N] [--keys-dir DIR] [--uri URI | --data DIR]");
                System.exit(1);
            }
            arguments.oneOf("--uri", "--data");
            Path directory = Path.of(arguments.positional().get(0));
            Path keys = arguments.keysDirectory(directory);
            Restore restore = new Restore(directory, arguments.number("--upto", 0, 1), keys,
                    Clock.systemUTC(), System.out);
            Outcome outcome = restore.into(Store.Location.of(arguments.value("--uri"), arguments.value("--data"), System.getenv()));
            System.out.printf("Restored backup %s: %,d commits (%,d events) up to position %d; the chain verifies and its "
                            + "head %s equals the backup's.%n", outcome.backup(), outcome.commits(), outcome.events(),
                    outcome.to(), outcome.headHash());
            System.out.println("Start the system (ops/run): the query side rebuilds every projection from the first event; "
                    + "follow it with GET /api/admin/projections. Everyone signs in again (sessions are not in a backup).");
            System.exit(0);
        } catch (Exception e) {
            System.err.println("ops/restore: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Restores where the location points. A stopped embedded MongoDB's data directory must hold no
     * database; the restore is written beside it and moved in place when complete, so an
     * interrupted one leaves nothing behind. A running database (MONGODB_URI or the embedded one
     * on its port) must be empty; an interrupted restore there leaves a marker, and the next one
     * refuses until the database is emptied.
     */
    Outcome into(Store.Location location) throws IOException {
        if (location.live()) {
            try (Store store = Store.open(location)) {
                progress.step("Restoring into " + store.description());
                return into(store.database());
            }
        }
        Path data = location.dataDirectory();
        if (Store.hasData(data)) {
            throw new IOException("the data directory " + data.toAbsolutePath().normalize() + " already holds a database: "
                    + "a restore goes into an empty one (move " + EmbeddedMongo.DATA_FILE + " aside first)");
        }
        Path staging = data.resolve(".restoring");
        Backup.deleteRecursively(staging);
        Outcome outcome;
        try (Store store = Store.openDirectory(staging)) {
            progress.step("Restoring into " + store.description() + " (moved into " + data + " when complete)");
            outcome = into(store.database());
        }
        Files.move(staging.resolve(EmbeddedMongo.DATA_FILE), data.resolve(EmbeddedMongo.DATA_FILE), StandardCopyOption.ATOMIC_MOVE);
        Backup.syncDirectory(data);
        Backup.deleteRecursively(staging);
        return outcome;
    }

    /** Restores into the database, which must be empty. */
    Outcome into(MongoDatabase database) throws IOException {
        List<Path> chain = Manifest.chainTo(directory, upTo);
        if (chain.isEmpty()) {
            throw new IOException("there is no finished backup in " + directory);
        }
        List<Manifest> manifests = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path backup : chain) {
            Manifest manifest = readManifest(backup);
            VerifyBackup.checkBackup(backup, manifest, manifests.isEmpty() ? null : manifests.get(manifests.size() - 1),
                    manifests.isEmpty() ? null : chain.get(manifests.size() - 1), keysDirectory, false, problems);
            manifests.add(manifest);
        }
        if (!problems.isEmpty()) {
            throw new IOException("the backup is not whole, nothing was restored: " + String.join("; ", problems));
        }
        Manifest target = manifests.get(manifests.size() - 1);
        Path keyCopy = keyCopyFor(target);
        refuseUnlessEmpty(database);
        database.getCollection(MARKER).insertOne(new Document("_id", "restore").append("backup", target.name())
                .append("startedAt", Date.from(clock.instant())));

        progress.step("indexes");
        for (Map.Entry<String, List<Map<String, Object>>> collection : target.indexes().entrySet()) {
            if (!collection.getValue().isEmpty()) {
                List<Document> specs = collection.getValue().stream().map(Document::new).toList();
                database.runCommand(new Document("createIndexes", collection.getKey()).append("indexes", specs));
            }
        }

        Map<String, Date> erased = new LinkedHashMap<>();
        long[] counts = new long[2];
        for (int i = 0; i < chain.size(); i++) {
            Manifest manifest = manifests.get(i);
            progress.step("event commits of " + manifest.name() + " (positions " + manifest.events().from() + " to "
                    + manifest.events().to() + ")");
            insertAll(database.getCollection(Catalog.COMMITS, RawBsonDocument.class), chain.get(i).resolve(Backup.COMMITS_FILE),
                    commit -> {
                        Document decoded = commit.decode(DOCUMENTS);
                        if (decoded.getBoolean("void", false)) {
                            return true;
                        }
                        counts[0]++;
                        for (Document event : decoded.getList("events", Document.class)) {
                            counts[1]++;
                            if (event.getString("payloadType") != null && event.getString("payloadType").endsWith(ERASED)) {
                                String subject = Document.parse(event.getString("payload")).getString("accountId");
                                if (subject != null) {
                                    erased.put(subject, event.getDate("ts"));
                                }
                            }
                        }
                        return true;
                    });
            progress.done(String.format("%,d commits, %,d events so far", counts[0], counts[1]));
        }

        Path last = chain.get(chain.size() - 1);
        Set<String> materials = new HashSet<>();
        for (BsonFile.Written file : target.files()) {
            String collection = file.path().substring(0, file.path().length() - ".bson.gz".length());
            if (file.path().equals(Backup.COMMITS_FILE) || collection.equals(Catalog.MATERIAL_CHUNKS)) {
                continue;
            }
            progress.step(collection);
            long inserted = insertAll(database.getCollection(collection, RawBsonDocument.class), last.resolve(file.path()),
                    document -> {
                        if (collection.equals(Catalog.MATERIAL_FILES)) {
                            materials.add(Backup.idKey(document.get("_id")));
                        }
                        return true;
                    });
            progress.done(String.format("%,d documents", inserted));
        }
        progress.step("claim materials' chunks");
        long chunks = 0;
        for (Path backup : chain) {
            chunks += insertAll(database.getCollection(Catalog.MATERIAL_CHUNKS, RawBsonDocument.class),
                    backup.resolve(Catalog.MATERIAL_CHUNKS + ".bson.gz"),
                    chunk -> materials.contains(Backup.idKey(chunk.get("files_id"))));
        }
        progress.done(String.format("%,d chunks of %,d files", chunks, materials.size()));

        progress.step("data subjects' keys from " + keyCopy);
        MongoCollection<RawBsonDocument> keys = database.getCollection(Catalog.KEYS, RawBsonDocument.class);
        long restoredKeys = insertAll(keys, keyCopy, key -> true);
        int applied = 0;
        for (Map.Entry<String, Date> subject : erased.entrySet()) {
            Document key = database.getCollection(Catalog.KEYS).find(eq("_id", subject.getKey())).first();
            if (key == null || key.get("wrapped") != null || key.get("erasedAt") == null) {
                database.getCollection(Catalog.KEYS).updateOne(eq("_id", subject.getKey()),
                        Updates.combine(Updates.unset("wrapped"), Updates.set("erasedAt", subject.getValue())),
                        new UpdateOptions().upsert(true));
                applied++;
            }
        }
        progress.done(String.format("%,d subjects; %d erased in the events, %d of them erased here again "
                + "(the copy of the keys still held them)", restoredKeys, erased.size(), applied));

        progress.step("checking the restored chain");
        MongoCollection<Document> commits = database.getCollection(Catalog.COMMITS);
        CommitChain.Verification verification = CommitChain.verify(commits, 0, Long.MAX_VALUE,
                reached -> progress.at(String.format("position %,d of %,d", reached, target.events().to())));
        if (!verification.valid()) {
            throw new IOException("the restored chain does not verify: " + verification.failure().detail());
        }
        long end = CommitChain.end(commits);
        String headHash = verification.head();
        if (end != target.events().to() || verification.headPosition() != target.events().headPosition()
                || !target.events().headHash().equals(headHash)) {
            throw new IOException("the restored store ends at " + end + " with head " + headHash + ", not at the backup's "
                    + target.events().to() + " with head " + target.events().headHash());
        }
        progress.done(String.format("valid: %,d commits, head %s at position %d", verification.commits(), headHash,
                target.events().headPosition()));
        // a checkpoint signs a tree of commits: one over more commits than were restored must not come back
        long dropped = database.getCollection("audit_checkpoints").deleteMany(
                new Document("_id", new Document("$gt", verification.commits()))).getDeletedCount();
        if (dropped > 0) {
            progress.done(dropped + " signed checkpoints over more commits than the backup holds were left out");
        }
        database.getCollection(MARKER).drop();
        return new Outcome(target.name(), counts[0], counts[1], end, target.events().headPosition(), headHash,
                erased.size(), applied, keyCopy.getFileName().toString());
    }

    /**
     * The copy of the keys of the newest backup in the directory, whole: never an older one, which
     * could hold the key of a customer erased since. Restoring an older backup with the newest keys
     * is right: a key copy only ever loses keys to erasures, and keys of customers who registered
     * later are never used.
     */
    private Path keyCopyFor(Manifest target) throws IOException {
        List<Path> all = Manifest.backupsIn(directory);
        Path newest = all.get(all.size() - 1);
        Manifest manifest = readManifest(newest);
        Path copy = keysDirectory.resolve(manifest.keys().path());
        if (!Files.isRegularFile(copy) || !BsonFile.sha256Of(copy).equals(manifest.keys().sha256())) {
            throw new IOException("the copy of the data subjects' keys of the newest backup " + manifest.name() + " ("
                    + copy + ") is " + (Files.isRegularFile(copy) ? "damaged" : "missing") + ". An older copy could "
                    + "hold the key of a customer erased since, so none is used: bring that copy back (from where the "
                    + "keys are kept, --keys-dir) and restore again");
        }
        return copy;
    }

    private static Manifest readManifest(Path backup) throws IOException {
        try {
            return Manifest.read(backup);
        } catch (IOException e) {
            throw new IOException("the manifest of " + backup.getFileName() + " cannot be read: " + e.getMessage());
        }
    }

    private static void refuseUnlessEmpty(MongoDatabase database) throws IOException {
        List<String> holding = new ArrayList<>();
        for (String collection : database.listCollectionNames()) {
            if (database.getCollection(collection).find().limit(1).first() != null) {
                holding.add(collection);
            }
        }
        if (holding.contains(MARKER)) {
            throw new IOException("an earlier restore into this database was interrupted: empty the database "
                    + "(drop it) and restore again");
        }
        if (!holding.isEmpty()) {
            throw new IOException("the database is not empty (" + String.join(", ", holding.stream().sorted().toList())
                    + "): a restore goes into an empty database");
        }
    }

    /** Inserts the file's documents the filter keeps, in batches; answers how many. */
    private long insertAll(MongoCollection<RawBsonDocument> collection, Path file,
                           java.util.function.Predicate<RawBsonDocument> keep) throws IOException {
        long inserted = 0;
        List<RawBsonDocument> batch = new ArrayList<>(BATCH);
        long bytes = 0;
        try (BsonFile.Reader reader = new BsonFile.Reader(file)) {
            while (reader.hasNext()) {
                RawBsonDocument document = reader.next();
                if (!keep.test(document)) {
                    continue;
                }
                batch.add(document);
                bytes += document.getByteBuffer().remaining();
                if (batch.size() >= BATCH || bytes > 8 * 1024 * 1024) {
                    collection.insertMany(batch, new InsertManyOptions().ordered(true));
                    inserted += batch.size();
                    batch.clear();
                    bytes = 0;
                    progress.at(String.format("%,d documents", inserted));
                }
            }
        }
        if (!batch.isEmpty()) {
            collection.insertMany(batch, new InsertManyOptions().ordered(true));
            inserted += batch.size();
        }
        return inserted;
    }
}
