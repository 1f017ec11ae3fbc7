package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.h2.mvstore.MVStore;

/**
 * {@code ops/compact} on a store written through the real driver: afterwards the server answers
 * every read as before (every document, every index, index-served queries), the file is smaller
 * and in fewer chunks; it refuses a store in use, keeps the store when the copy differs, and a
 * kill -9 while it copies leaves the store whole.
 */
class CompactStoreIT {

    @TempDir
    Path data;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final CompactStore compact = new CompactStore(new PrintStream(printed, true, StandardCharsets.UTF_8));

    @Test
    void a_compacted_store_answers_every_read_as_before_in_fewer_chunks() throws Exception {
        write(data, 3_000, 20);
        List<Object> before = readEverything(data);
        CompactStore.Figures grown = figures(data.resolve(EmbeddedMongo.DATA_FILE));

        assertThat(compact.run(data, false, false, true)).as(printed.toString()).isZero();

        CompactStore.Figures compacted = figures(data.resolve(EmbeddedMongo.DATA_FILE));
        assertThat(grown.chunksFillPercent()).isLessThan(CompactStore.WORTH_IT);
        assertThat(compacted.chunks()).isLessThan(grown.chunks() / 4);
        assertThat(compacted.fileBytes()).isLessThan(grown.fileBytes() / 2);
        assertThat(compacted.chunksFillPercent()).isGreaterThan(90);
        assertThat(readEverything(data)).isEqualTo(before);
        assertThat(data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.OLD_SUFFIX)).exists(); // --keep-old
        assertThat(data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.COPY_SUFFIX)).doesNotExist();

        // and it takes writes again, which survive a restart
        try (EmbeddedMongo server = EmbeddedMongo.start("127.0.0.1", 0, data);
                MongoClient client = MongoClients.create(server.connectionString("compact"))) {
            client.getDatabase("compact").getCollection("policies")
                    .insertOne(new Document("_id", "after").append("holder", "h-1").append("premium", 1));
        }
        try (EmbeddedMongo server = EmbeddedMongo.start("127.0.0.1", 0, data);
                MongoClient client = MongoClients.create(server.connectionString("compact"))) {
            MongoCollection<Document> policies = client.getDatabase("compact").getCollection("policies");
            assertThat(policies.find(Filters.eq("_id", "after")).first()).isNotNull();
            assertThat(policies.countDocuments(Filters.eq("holder", "h-1"))).isEqualTo(
                    ((List<?>) before.get(2)).size() + 1);
        }
    }

    @Test
    void a_mostly_live_store_is_left_alone_unless_forced() throws Exception {
        write(data, 500, 0);
        List<Object> before = readEverything(data);
        assertThat(compact.run(data, false, true, false)).as(printed.toString()).isZero(); // --force
        assertThat(readEverything(data)).isEqualTo(before);
        assertThat(data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.OLD_SUFFIX)).doesNotExist();
        assertThat(figures(data.resolve(EmbeddedMongo.DATA_FILE)).chunksFillPercent())
                .isGreaterThanOrEqualTo(CompactStore.WORTH_IT);
        long size = Files.size(data.resolve(EmbeddedMongo.DATA_FILE));

        assertThat(compact.run(data, false, false, false)).isZero();
        assertThat(printed.toString()).contains("nothing to gain");
        assertThat(Files.size(data.resolve(EmbeddedMongo.DATA_FILE))).isEqualTo(size);

        assertThat(compact.run(data, true, true, false)).isZero(); // --check changes nothing, even with --force
        assertThat(Files.size(data.resolve(EmbeddedMongo.DATA_FILE))).isEqualTo(size);
    }

    @Test
    void check_only_reads_and_a_mistyped_option_is_not_taken_for_the_directory() throws Exception {
        write(data, 1_000, 10);
        Path file = data.resolve(EmbeddedMongo.DATA_FILE);
        Path leftover = data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.COPY_SUFFIX);
        Files.writeString(leftover, "a differing copy kept for a look");
        long size = Files.size(file);
        java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(file);

        assertThat(compact.run(data, true, true, false)).isZero();
        assertThat(printed.toString()).contains("compacting would give back about");
        assertThat(Files.size(file)).isEqualTo(size);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(modified);
        assertThat(leftover).exists();
        assertThat(data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.LOCK_SUFFIX)).doesNotExist();

        assertThat(CompactStore.Options.parse(new String[] {"--chek", data.toString()}, "data").error())
                .contains("--chek");
        assertThat(CompactStore.Options.parse(new String[] {data.toString(), "--keepold"}, "data").error())
                .contains("--keepold");
        assertThat(CompactStore.Options.parse(new String[] {data.toString(), "other"}, "data").error())
                .contains("two data directories");
        CompactStore.Options options = CompactStore.Options.parse(new String[] {"--check", data.toString()}, "data");
        assertThat(options.error()).isNull();
        assertThat(options.checkOnly()).isTrue();
        assertThat(options.dataDirectory()).isEqualTo(data);
        assertThat(CompactStore.Options.parse(new String[0], "elsewhere").dataDirectory()).isEqualTo(Path.of("elsewhere"));
    }

    @Test
    void the_compacted_file_keeps_the_stores_permissions_and_a_linked_store_stays_where_it_lies(@TempDir Path volume)
            throws Exception {
        write(volume, 1_000, 10);
        Path real = volume.resolve(EmbeddedMongo.DATA_FILE);
        Files.setPosixFilePermissions(real, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Files.createSymbolicLink(data.resolve(EmbeddedMongo.DATA_FILE), real);
        List<Object> before = readEverything(volume);
        long size = Files.size(real);

        assertThat(compact.run(data, false, true, false)).as(printed.toString()).isZero();

        assertThat(Files.isSymbolicLink(data.resolve(EmbeddedMongo.DATA_FILE))).isTrue();
        assertThat(Files.size(real)).isLessThan(size);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(real)))
                .isEqualTo("rw-------");
        assertThat(readEverything(volume)).isEqualTo(before);
    }

    @Test
    void a_store_in_use_is_refused_and_keeps_serving() throws Exception {
        write(data, 500, 10);
        try (EmbeddedMongo server = EmbeddedMongo.start("127.0.0.1", 0, data);
                MongoClient client = MongoClients.create(server.connectionString("compact"))) {
            assertThat(compact.run(data, false, true, false)).isEqualTo(1);
            assertThat(printed.toString()).contains("still running");
            client.getDatabase("compact").getCollection("policies").insertOne(new Document("_id", "while-refused"));
            assertThat(client.getDatabase("compact").getCollection("policies")
                    .find(Filters.eq("_id", "while-refused")).first()).isNotNull();
        }
        assertThat(data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.COPY_SUFFIX)).doesNotExist();
    }

    @Test
    void the_comparison_finds_one_changed_document(@TempDir Path other) throws Exception {
        write(data, 1_000, 5);
        Files.copy(data.resolve(EmbeddedMongo.DATA_FILE), other.resolve(EmbeddedMongo.DATA_FILE));
        assertThat(compare(data, other)).isNull();
        try (EmbeddedMongo server = EmbeddedMongo.start("127.0.0.1", 0, other);
                MongoClient client = MongoClients.create(server.connectionString("compact"))) {
            assertThat(client.getDatabase("compact").getCollection("policies")
                    .updateOne(Filters.eq("_id", "p-501"), Updates.set("notes", "changed")).getModifiedCount()).isOne();
        }
        assertThat(compare(data, other)).contains("databases.compact.policies");
    }

    @Test
    void kill_9_while_copying_leaves_the_store_whole_and_the_next_run_compacts() throws Exception {
        write(data, 20_000, 3);
        List<Object> before = readEverything(data);
        Path copy = data.resolve(EmbeddedMongo.DATA_FILE + CompactStore.COPY_SUFFIX);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CompactStore.class.getName(), data.toString(), "--force").redirectErrorStream(true)
                .redirectOutput(data.resolve("compact-child.out").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(copy) && Files.size(copy) > 0) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            assertThat(child.isAlive()).as("the copy was still being written when killed").isTrue();
            child.destroyForcibly(); // SIGKILL
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(copy).exists();
        assertThat(readEverything(data)).isEqualTo(before);

        assertThat(compact.run(data, false, true, false)).as(printed.toString()).isZero();
        assertThat(copy).doesNotExist();
        assertThat(readEverything(data)).isEqualTo(before);
    }

    /**
     * Policies with a unique and a non-unique index, each changed {@code rounds} times (every
     * change a commit, and so a chunk of its own), a tenth deleted, and a second collection.
     */
    private static void write(Path dir, int documents, int rounds) throws Exception {
        Random random = new Random(42);
        try (EmbeddedMongo server = EmbeddedMongo.start("127.0.0.1", 0, dir);
                MongoClient client = MongoClients.create(server.connectionString("compact"))) {
            MongoDatabase db = client.getDatabase("compact");
            MongoCollection<Document> policies = db.getCollection("policies");
            policies.createIndex(Indexes.ascending("number"), new IndexOptions().unique(true));
            policies.createIndex(Indexes.ascending("holder", "premium"));
            List<Document> batch = new ArrayList<>();
            for (int i = 0; i < documents; i++) {
                batch.add(new Document("_id", "p-" + i).append("number", i).append("holder", "h-" + (i % 50))
                        .append("premium", random.nextInt(10_000)).append("notes", "x".repeat(random.nextInt(400))));
                if (batch.size() == 1_000) {
                    policies.insertMany(batch);
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                policies.insertMany(batch);
            }
            for (int round = 0; round < rounds; round++) {
                for (int i = round; i < documents; i += 7) {
                    policies.updateOne(Filters.eq("_id", "p-" + i), Updates.set("premium", random.nextInt(10_000)));
                }
            }
            policies.deleteMany(Filters.in("_id", java.util.stream.IntStream.range(0, documents / 10)
                    .mapToObj(i -> "p-" + (i * 10)).toList()));
            db.getCollection("claims").insertOne(new Document("_id", "c-1").append("policy", "p-1"));
        }
    }

    /** Every document of both collections, their indexes, and reads served by each index. */
    private static List<Object> readEverything(Path dir) throws Exception {
        try (EmbeddedMongo server = EmbeddedMongo.start("127.0.0.1", 0, dir);
                MongoClient client = MongoClients.create(server.connectionString("compact"))) {
            MongoDatabase db = client.getDatabase("compact");
            MongoCollection<Document> policies = db.getCollection("policies");
            List<Object> all = new ArrayList<>();
            all.add(policies.find().sort(Sorts.ascending("_id")).into(new ArrayList<>()));
            all.add(policies.listIndexes().into(new ArrayList<>()));
            all.add(policies.find(Filters.eq("holder", "h-1")).sort(Sorts.ascending("_id")).into(new ArrayList<>()));
            all.add(policies.find(Filters.and(Filters.eq("holder", "h-7"), Filters.gte("premium", 5_000)))
                    .sort(Sorts.ascending("_id")).into(new ArrayList<>()));
            all.add(policies.find(Filters.eq("number", 77)).into(new ArrayList<>()));
            all.add(db.getCollection("claims").find().into(new ArrayList<>()));
            all.add(db.listCollectionNames().into(new ArrayList<>()).stream().sorted().toList());
            return all;
        }
    }

    private static String compare(Path one, Path other) {
        try (MVStore a = new MVStore.Builder().fileName(one.resolve(EmbeddedMongo.DATA_FILE).toString()).readOnly().open();
                MVStore b = new MVStore.Builder().fileName(other.resolve(EmbeddedMongo.DATA_FILE).toString()).readOnly()
                        .open()) {
            return CompactStore.compare(a, b);
        }
    }

    private static CompactStore.Figures figures(Path file) throws Exception {
        try (MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open()) {
            return CompactStore.Figures.of(store, file);
        }
    }
}
