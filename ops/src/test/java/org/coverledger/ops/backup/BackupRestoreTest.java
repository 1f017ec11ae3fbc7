package org.coverledger.ops.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBuckets;
import com.mongodb.client.gridfs.model.GridFSUploadOptions;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.ops.EmbeddedMongo;
import org.coverledger.privacy.PersonalDataSeal;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The backup tools against a real embedded MongoDB (its H2 files) through the real driver: a
 * full and an incremental backup of a store with multi-event commits, sealed personal data, an
 * erasure, claim materials and state of every kind; restores compared document by document;
 * tampering found by the tools' own checks and by {@code sha256sum}; refusals.
 */
class BackupRestoreTest {

    @TempDir
    Path temp;

    private final String masterKey = SubjectKeys.randomMasterKey();
    private EmbeddedMongo source;
    private MongoClient client;
    private MongoDatabase database;
    private SubjectKeys keys;
    private MongoCommitLogEngine engine;
    private final Map<String, Long> next = new HashMap<>();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();

    /** Just a second event type, for commits of several events. */
    record Noted(String accountId, int n) {
    }

    @BeforeEach
    void start() throws IOException {
        source = EmbeddedMongo.start("127.0.0.1", 0, temp.resolve("source"));
        client = MongoClients.create(source.connectionString("coverledger"));
        database = client.getDatabase("coverledger");
        keys = new SubjectKeys(database, masterKey);
        engine = MongoEventStore.engine(database, keys, Duration.ofMillis(200));
    }

    @AfterEach
    void stop() {
        client.close();
        source.close();
    }

    private void append(String account, Object... payloads) {
        List<GenericDomainEventMessage<?>> commit = new ArrayList<>();
        for (Object payload : payloads) {
            long sequence = next.merge(account, 1L, Long::sum) - 1;
            commit.add(new GenericDomainEventMessage<>("Account", account, sequence, payload));
        }
        engine.appendEvents(commit);
    }

    private void register(String account) {
        append(account, new AccountRegistered(account, "c-" + account, "Name of " + account, "110101199001011234",
                "13800138000", account + "@example.com"), new Noted(account, 1), new Noted(account, 2));
    }

    private void upload(String id, int bytes) {
        byte[] content = new byte[bytes];
        new java.util.Random(id.hashCode()).nextBytes(content);
        GridFSBuckets.create(database, "claim_materials").uploadFromStream(new BsonString(id), id,
                new ByteArrayInputStream(content), new GridFSUploadOptions().chunkSizeBytes(1024));
    }

    /** A store with a bit of everything a backup must copy, and of what it must leave out. */
    private void seed() {
        register("a1");
        register("a2");
        append("a2", new Noted("a2", 3));
        upload("m1", 3000);
        database.getCollection("customer_credentials").insertOne(new Document("_id", "a1").append("hash", "x"));
        database.getCollection("customer_credentials").createIndex(new Document("login", 1),
                new com.mongodb.client.model.IndexOptions().unique(true).sparse(true));
        database.getCollection("trackingtokens").insertMany(List.of(
                new Document("processorName", "timetable").append("segment", 0).append("token", "t"),
                new Document("processorName", "policies").append("segment", 0).append("token", "p"),
                // a blue/green rebuild's processor (ProjectionRebuilds), and a processor merely named like one
                new Document("processorName", "policies~rebuild~g2").append("segment", 0).append("token", "r"),
                new Document("processorName", "policies-archive").append("segment", 0).append("token", "a")));
        database.getCollection("deadletters").insertMany(List.of(
                new Document("processingGroup", "notices").append("sequenceIdentifier", "x"),
                new Document("processingGroup", "claims").append("sequenceIdentifier", "y"),
                new Document("processingGroup", "claims~rebuild~g4").append("sequenceIdentifier", "z")));
        database.getCollection("policy_views").insertOne(new Document("_id", "p1"));
        // a rebuilt generation of a read model (personal data in the clear) and the generations' state
        database.getCollection("policy_views__g2").insertOne(new Document("_id", "p1").append("holder", "Alice"));
        database.getCollection("projection_generations").insertOne(new Document("_id", "policies").append("live", 2));
        database.getCollection("policy_views__gx").insertOne(new Document("_id", "not a generation"));
        database.getCollection("access_tokens").insertOne(new Document("_id", "secret-hash"));
        database.getCollection("event_snapshots").insertOne(new Document("_id", "a2").append("seq", 2L));
    }

    private Backup backup(Path directory, boolean full) {
        return new Backup(database, "the test's MongoDB", directory,
                new Backup.Options(full, directory.resolve("keys"), 1, Clock.systemUTC()), new PrintStream(output));
    }

    private Restore restore(Path directory, int upTo) {
        return new Restore(directory, upTo, directory.resolve("keys"), Clock.systemUTC(), new PrintStream(output));
    }

    private Store.Location dataDirectory(Path path) {
        return new Store.Location(null, path, -1);
    }

    private static List<RawBsonDocument> all(MongoDatabase db, String collection) {
        List<RawBsonDocument> documents = db.getCollection(collection, RawBsonDocument.class).find().into(new ArrayList<>());
        documents.sort(java.util.Comparator.comparing(d -> d.get("_id").toString()));
        return documents;
    }

    @Test
    void aFullAndAnIncrementalBackupRestoreTheStoreAsItWasWithTheErasureKept() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        Manifest first = backup(backups, false).run();
        assertThat(first.kind()).isEqualTo("full");
        assertThat(first.events().commits()).isEqualTo(3);
        assertThat(first.events().events()).isEqualTo(7);

        // after the first backup: an erasure as the command side makes it, more events, a new file, one removed
        append("a1", new PersonalDataErased("a1", "root", Instant.parse("2026-12-01T00:00:00Z")));
        keys.erase("a1");
        register("a3");
        upload("m2", 2500);
        GridFSBuckets.create(database, "claim_materials").delete(new BsonString("m1"));
        Manifest second = backup(backups, false).run();
        assertThat(second.kind()).isEqualTo("incremental");
        assertThat(second.previous()).isEqualTo(first.name());
        assertThat(second.events().from()).isEqualTo(first.events().to());
        assertThat(second.events().commits()).isEqualTo(2);
        assertThat(second.materialsWithChunks()).containsExactly("m2");
        Document head = database.getCollection(Catalog.COMMITS).find(new Document("_id", second.events().headPosition())).first();
        assertThat(second.events().headHash()).isEqualTo(head.getString(CommitChain.FIELD));
        assertThat(second.notCopied()).containsKeys("policy_views", "access_tokens", "policy_views__g2",
                "projection_generations");

        // the checks: ours, and sha256sum's over the files as they lie on disk
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems()).isEmpty();
        for (Path backup : Manifest.backupsIn(backups)) {
            Process sums = new ProcessBuilder("sha256sum", "--check", "--strict", Manifest.SUMS).directory(backup.toFile())
                    .redirectErrorStream(true).start();
            assertThat(sums.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(sums.exitValue()).as(new String(sums.getInputStream().readAllBytes())).isZero();
        }
        // only the newest copy of the keys is kept: the erased key lives on in no backup
        try (var copies = Files.list(backups.resolve("keys"))) {
            assertThat(copies.map(p -> p.getFileName().toString()).filter(n -> !n.equals(".owner")))
                    .containsExactly(second.name() + ".bson.gz");
        }

        Path target = temp.resolve("restored");
        Restore.Outcome outcome = restore(backups, 0).into(dataDirectory(target));
        assertThat(outcome.headHash()).isEqualTo(second.events().headHash());
        assertThat(outcome.erasedSubjects()).isEqualTo(1);
        assertThat(outcome.erasuresApplied()).isZero(); // the keys' copy already had it erased
        assertThat(target.resolve(EmbeddedMongo.DATA_FILE)).exists();
        assertThat(target.resolve(".restoring")).doesNotExist();
        try (Store restored = Store.openDirectory(target)) {
            MongoDatabase db = restored.database();
            for (String collection : List.of(Catalog.COMMITS, "customer_credentials", "event_snapshots", Catalog.KEYS,
                    Catalog.MATERIAL_FILES, Catalog.MATERIAL_CHUNKS)) {
                assertThat(all(db, collection)).as(collection).isEqualTo(all(database, collection));
            }
            assertThat(all(db, Catalog.MATERIAL_CHUNKS)).isNotEmpty();
            assertThat(db.getCollection("trackingtokens").find().map(d -> d.getString("processorName")).into(new ArrayList<>()))
                    .containsExactlyInAnyOrder("timetable", "policies-archive");
            assertThat(db.getCollection("deadletters").find().map(d -> d.getString("processingGroup")).into(new ArrayList<>()))
                    .containsExactly("notices");
            assertThat(db.listCollectionNames().into(new ArrayList<>())).doesNotContain("policy_views", "access_tokens",
                    Restore.MARKER, "policy_views__g2", "projection_generations").contains("policy_views__gx");
            // the indexes came along: the store's unique global index, the credentials' own
            RawBsonDocument any = all(db, Catalog.COMMITS).get(0);
            Document copy = new Document(any.decode(new org.bson.codecs.DocumentCodec()));
            copy.put("_id", 999_999L);
            assertThatThrownBy(() -> db.getCollection(Catalog.COMMITS).insertOne(copy)).isInstanceOf(MongoWriteException.class);
            assertThat(db.getCollection("customer_credentials").listIndexes().map(d -> d.getString("name"))
                    .into(new ArrayList<>())).contains("login_1");
            SubjectKeys restoredKeys = new SubjectKeys(db, masterKey);
            assertThat(restoredKeys.isErased("a1")).isTrue();
            assertThat(restoredKeys.isErased("a2")).isFalse();
            // and the events read with the restored keys: a2's name opens, a1's is gone for good
            MongoCommitLogEngine restoredEngine = MongoEventStore.engine(db, restoredKeys, Duration.ofMillis(200));
            assertThat(registered(restoredEngine, "a2").name()).isEqualTo("Name of a2");
            assertThat(registered(restoredEngine, "a1").name()).isEqualTo(PersonalDataSeal.ERASED);
        }

        // a restore to the first backup: its events know nothing of the erasure, the newest keys do
        Path older = temp.resolve("restored-older");
        Restore.Outcome toFirst = restore(backups, 1).into(dataDirectory(older));
        assertThat(toFirst.headHash()).isEqualTo(first.events().headHash());
        assertThat(toFirst.erasedSubjects()).isZero();
        try (Store restored = Store.openDirectory(older)) {
            assertThat(new SubjectKeys(restored.database(), masterKey).isErased("a1")).isTrue();
            assertThat(all(restored.database(), Catalog.COMMITS)).hasSize(3);
            assertThat(all(restored.database(), Catalog.MATERIAL_FILES)).extracting(d -> d.getString("_id").getValue())
                    .containsExactly("m1");
            assertThat(all(restored.database(), Catalog.MATERIAL_CHUNKS)).hasSize(3);
        }
    }

    private static AccountRegistered registered(MongoCommitLogEngine engine, String account) {
        return (AccountRegistered) engine.readEvents(account).asStream()
                .filter(e -> e.getPayload() instanceof AccountRegistered).findFirst().orElseThrow().getPayload();
    }

    @Test
    void anErasureTheEventsRecordIsAppliedEvenWhenTheKeysCopyStillHoldsTheKey() throws Exception {
        seed();
        // the command side died between storing the erasure and destroying the key: the copy holds the key
        append("a1", new PersonalDataErased("a1", "root", Instant.parse("2026-12-01T00:00:00Z")));
        Path backups = temp.resolve("backups");
        Manifest manifest = backup(backups, false).run();
        assertThat(manifest.keys().erased()).isZero();
        Restore.Outcome outcome = restore(backups, 0).into(dataDirectory(temp.resolve("restored")));
        assertThat(outcome.erasuresApplied()).isEqualTo(1);
        try (Store restored = Store.openDirectory(temp.resolve("restored"))) {
            assertThat(new SubjectKeys(restored.database(), masterKey).isErased("a1")).isTrue();
        }
    }

    @Test
    void aChangedFileIsFoundAndNothingIsRestoredFromIt() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        Manifest manifest = backup(backups, false).run();
        Path commits = backups.resolve(manifest.name()).resolve(Backup.COMMITS_FILE);
        byte[] bytes = Files.readAllBytes(commits);
        bytes[bytes.length / 2] ^= 1;
        Files.write(commits, bytes);

        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems())
                .anySatisfy(problem -> assertThat(problem).contains(Backup.COMMITS_FILE + " does not match its checksum"));
        Path target = temp.resolve("restored");
        assertThatThrownBy(() -> restore(backups, 0).into(dataDirectory(target))).hasMessageContaining("not whole");
        assertThat(target.resolve(EmbeddedMongo.DATA_FILE)).doesNotExist();
    }

    @Test
    void aCommitChangedWithItsChecksumsRecomputedBreaksTheChainTheVerificationComputesAgain() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        Manifest manifest = backup(backups, false).run();
        Path backup = backups.resolve(manifest.name());
        Path commits = backup.resolve(Backup.COMMITS_FILE);
        // someone who also rewrites the checksums: change who registered a2, keep everything else
        Path rewritten = backup.resolve("rewritten.bson.gz");
        BsonFile.Written written;
        try (BsonFile.Reader in = new BsonFile.Reader(commits);
             BsonFile.Writer out = new BsonFile.Writer(rewritten, Backup.COMMITS_FILE)) {
            while (in.hasNext()) {
                Document commit = in.next().decode(new org.bson.codecs.DocumentCodec());
                for (Document event : commit.getList("events", Document.class)) {
                    event.put("metaData", event.getString("metaData").replace("}", ",\"actor\":\"mallory\"}"));
                }
                out.write(new RawBsonDocument(commit, new org.bson.codecs.DocumentCodec()));
            }
            written = out.finish();
        }
        Files.move(rewritten, commits, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<BsonFile.Written> files = new ArrayList<>(manifest.files());
        files.replaceAll(f -> f.path().equals(Backup.COMMITS_FILE) ? written : f);
        new Manifest(manifest.format(), manifest.tool(), manifest.name(), manifest.sequence(), manifest.kind(), null, null,
                manifest.database(), manifest.source(), manifest.startedAt(), manifest.finishedAt(), manifest.events(), files,
                manifest.keys(), manifest.materialsWithChunks(), manifest.indexes(), manifest.notCopied()).write(backup);

        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems())
                .anySatisfy(problem -> assertThat(problem).contains("the chain breaks at the commit at position 0"));
    }

    @Test
    void aRestoreRefusesADatabaseThatIsNotEmpty() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        backup(backups, false).run();
        // the source itself, as a running database
        assertThatThrownBy(() -> restore(backups, 0).into(database)).hasMessageContaining("not empty")
                .hasMessageContaining(Catalog.COMMITS);
        // a data directory holding a database
        assertThatThrownBy(() -> restore(backups, 0).into(dataDirectory(temp.resolve("source"))))
                .hasMessageContaining("already holds a database");
        // a database where an earlier restore was interrupted
        MongoDatabase other = client.getDatabase("other");
        other.getCollection(Restore.MARKER).insertOne(new Document("_id", "restore"));
        other.getCollection(Catalog.COMMITS).insertOne(new Document("_id", 0L));
        assertThatThrownBy(() -> restore(backups, 0).into(other)).hasMessageContaining("interrupted");
    }

    @Test
    void anIncrementalBackupRefusesAStoreThatDoesNotContinueTheLastBackup() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        backup(backups, false).run();
        // another store in the same place: the same number of commits, other contents
        database.getCollection(Catalog.COMMITS).drop();
        engine = MongoEventStore.engine(database, keys, Duration.ofMillis(200));
        next.clear();
        register("b1");
        register("b2");
        append("b2", new Noted("b2", 3));
        append("b2", new Noted("b2", 4));
        assertThatThrownBy(() -> backup(backups, false).run()).hasMessageContaining("does not continue backup");
        Manifest full = backup(backups, true).run();
        assertThat(full.kind()).isEqualTo("full");
        assertThat(full.sequence()).isEqualTo(2);
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems()).isEmpty();
    }

    @Test
    void whatAKilledBackupOrRestoreLeftBehindIsRemovedAndTheNextOneIsWhole() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        Manifest first = backup(backups, false).run();
        // a backup killed -9 halfway: its unfinished directory and a copy of the keys no manifest names
        Path killed = backups.resolve(".partial-0002-incremental-20261206T000000Z");
        Files.createDirectories(killed);
        Files.write(killed.resolve(Backup.COMMITS_FILE), new byte[] {31, -117, 8});
        Path strayKeys = backups.resolve("keys").resolve("0002-incremental-20261206T000000Z.bson.gz");
        Files.write(strayKeys, new byte[] {1, 2, 3});
        register("a3");
        Manifest second = backup(backups, false).run();
        assertThat(second.sequence()).isEqualTo(2);
        assertThat(killed).doesNotExist();
        assertThat(strayKeys).doesNotExist();
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems()).isEmpty();
        assertThat(second.events().from()).isEqualTo(first.events().to());

        // a restore killed -9 halfway into a data directory: what it wrote lies aside, never in place
        Path target = temp.resolve("restored");
        Files.createDirectories(target.resolve(".restoring"));
        Files.write(target.resolve(".restoring").resolve(EmbeddedMongo.DATA_FILE), new byte[] {0, 1, 2});
        Restore.Outcome outcome = restore(backups, 0).into(dataDirectory(target));
        assertThat(outcome.headHash()).isEqualTo(second.events().headHash());
        assertThat(target.resolve(".restoring")).doesNotExist();
        try (Store restored = Store.openDirectory(target)) {
            assertThat(all(restored.database(), Catalog.COMMITS)).isEqualTo(all(database, Catalog.COMMITS));
        }
    }

    @Test
    void stateThatFollowsTheEventsNeverRunsAheadOfTheCommitsOfABackupTakenWhileWritersWrite() throws Exception {
        for (int i = 0; i < 1000; i++) {
            register("s" + i);
        }
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread writer = new Thread(() -> {
            // as the system writes them: a command's events, then what follows them (a checkpoint over the
            // commits stored, the idempotency key of the command that stored them)
            for (int i = 0; !stop.get(); i++) {
                register("w" + i);
                long end = CommitChain.end(database.getCollection(Catalog.COMMITS));
                database.getCollection("audit_checkpoints").insertOne(new Document("_id", end));
                database.getCollection("idempotency_keys").insertOne(new Document("_id", "k" + i).append("position", end - 1));
            }
        });
        writer.start();
        Thread.sleep(300);
        Path backups = temp.resolve("backups");
        Manifest manifest;
        try {
            manifest = backup(backups, false).run();
        } finally {
            stop.set(true);
            writer.join();
        }
        Path target = temp.resolve("restored");
        restore(backups, 0).into(dataDirectory(target));
        try (Store restored = Store.openDirectory(target)) {
            long end = CommitChain.end(restored.database().getCollection(Catalog.COMMITS));
            assertThat(end).isEqualTo(manifest.events().to());
            assertThat(restored.database().getCollection("audit_checkpoints").countDocuments(
                    new Document("_id", new Document("$gt", end)))).as("checkpoints over commits not restored").isZero();
            assertThat(restored.database().getCollection("idempotency_keys").countDocuments(
                    new Document("position", new Document("$gte", end)))).as("keys of commands not restored").isZero();
            assertThat(restored.database().getCollection("idempotency_keys").countDocuments()).isPositive();
        }
    }

    @Test
    void twoBackupDirectoriesMayNotShareAKeysDirectory() throws Exception {
        seed();
        Path vault = temp.resolve("vault");
        new Backup(database, "t", temp.resolve("daily"), new Backup.Options(false, vault, 1, Clock.systemUTC()),
                new PrintStream(output)).run();
        assertThatThrownBy(() -> new Backup(database, "t", temp.resolve("weekly"),
                new Backup.Options(false, vault, 1, Clock.systemUTC()), new PrintStream(output)).run())
                .hasMessageContaining("holds the keys of the backups in");
        assertThat(VerifyBackup.check(temp.resolve("daily"), vault).problems()).isEmpty();
    }

    @Test
    void aBackupEndsBelowAHoleAndTheNextGoesOnOnceAReaderHasFencedItOff() throws Exception {
        seed();
        MongoCollection<Document> commits = database.getCollection(Catalog.COMMITS);
        long end = CommitChain.end(commits);
        // a writer of the old, reserving kind died holding position `end`; a later commit lies beyond it
        Document last = commits.find(new Document("_id", end - 1)).first();
        if (last == null) {
            last = commits.find(new Document("idx", end - 1)).first();
        }
        Document beyond = new Document(last);
        long at = end + 1;
        Document event = new Document(last.getList("events", Document.class).get(0));
        event.put("id", "beyond-the-hole");
        event.put("agg", "z");
        event.put("seq", 0L);
        beyond.put("_id", at);
        beyond.put("last", at);
        beyond.put("idx", List.of(at));
        beyond.put("ids", List.of("beyond-the-hole"));
        beyond.put("keys", List.of("z#0"));
        beyond.put("events", List.of(event));
        beyond.put(CommitChain.FIELD, CommitChain.hex(CommitChain.linkOf(CommitChain.bytes(last.getString(CommitChain.FIELD)),
                CommitChain.canonical(beyond))));
        commits.insertOne(beyond);

        Path backups = temp.resolve("backups");
        Manifest first = backup(backups, false).run();
        assertThat(first.events().to()).as("ends below the hole").isEqualTo(end);
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems()).isEmpty();
        assertThat(restore(backups, 0).into(dataDirectory(temp.resolve("r1"))).to()).isEqualTo(end);

        // a reader fences the hole off with a void marker; the next backup goes on from it
        commits.insertOne(new Document("_id", end).append("last", end).append("idx", List.of(end)).append("void", true)
                .append("at", new java.util.Date()));
        Manifest second = backup(backups, false).run();
        assertThat(second.events().from()).isEqualTo(end);
        assertThat(second.events().to()).isEqualTo(at + 1);
        assertThat(second.events().voidMarkers()).isEqualTo(1);
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems()).isEmpty();
        assertThat(restore(backups, 0).into(dataDirectory(temp.resolve("r2"))).headHash())
                .isEqualTo(beyond.getString(CommitChain.FIELD));
    }

    @Test
    void withTheNewestCopyOfTheKeysDamagedNoOlderCopyIsUsed() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        Backup.Options keepThree = new Backup.Options(false, backups.resolve("keys"), 3, Clock.systemUTC());
        new Backup(database, "t", backups, keepThree, new PrintStream(output)).run();
        Thread.sleep(1100); // the backups' names carry the second
        append("a1", new PersonalDataErased("a1", "root", Instant.parse("2026-12-01T00:00:00Z")));
        keys.erase("a1");
        Manifest second = new Backup(database, "t", backups, keepThree, new PrintStream(output)).run();
        Files.write(backups.resolve("keys").resolve(second.keys().path()), new byte[] {1});
        assertThatThrownBy(() -> restore(backups, 1).into(dataDirectory(temp.resolve("restored"))))
                .hasMessageContaining("the newest backup").hasMessageContaining("damaged");
        assertThat(temp.resolve("restored").resolve(EmbeddedMongo.DATA_FILE)).doesNotExist();
    }

    @Test
    void aBackupOfADatabaseThatIsNotThereIsRefused() {
        Path nowhere = temp.resolve("no-data");
        assertThatThrownBy(() -> Store.open(new Store.Location(null, nowhere, -1), true))
                .hasMessageContaining("there is no database to back up");
        assertThat(nowhere).doesNotExist();
    }

    @Test
    void backupsAreOrderedByTheirNumbersPast9999() throws Exception {
        Path backups = temp.resolve("backups");
        for (String name : List.of("9999-full-20261206T000000Z", "10000-incremental-20261206T000001Z",
                "0002-full-20261205T000000Z")) {
            Files.createDirectories(backups.resolve(name));
            Files.writeString(backups.resolve(name).resolve(Manifest.FILE), "{}");
        }
        assertThat(Manifest.backupsIn(backups)).extracting(p -> p.getFileName().toString().substring(0, 5))
                .containsExactly("0002-", "9999-", "10000");
        assertThat(Manifest.chainTo(backups, 10000)).hasSize(2);
        assertThatThrownBy(() -> Manifest.chainTo(backups, 5)).hasMessageContaining("no backup number 5");
    }

    @Test
    void aMaterialWhoseChunksNoBackupOfTheChainHoldsIsFound() throws Exception {
        seed();
        Path backups = temp.resolve("backups");
        backup(backups, false).run();
        upload("m2", 2500);
        Manifest second = backup(backups, false).run();
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems()).isEmpty();
        // the second backup's manifest, rewritten as if m2's chunks had been left out
        Path backup = backups.resolve(second.name());
        new Manifest(second.format(), second.tool(), second.name(), second.sequence(), second.kind(), second.previous(),
                second.previousManifestSha256(), second.database(), second.source(), second.startedAt(),
                second.finishedAt(), second.events(), second.files(), second.keys(), List.of(), second.indexes(),
                second.notCopied()).write(backup);
        assertThat(VerifyBackup.check(backups, backups.resolve("keys")).problems())
                .anySatisfy(problem -> assertThat(problem).contains("the claim material m2 has no chunks"));
    }
}
