package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/**
 * The embedded server's unique indexes, with ordered keys, behave as the H2 backend's own and as
 * MongoDB's: over the real driver, on a data file the plain H2 backend wrote first.
 */
class DurableH2BackendTest {

    @TempDir
    Path dir;

    @Test
    void indexes_written_by_the_plain_backend_are_carried_over_once_and_still_refuse_duplicates() {
        String file = dir.resolve("mongo.mv.db").toString();
        serve(new H2Backend(file), docs -> {
            docs.createIndex(Indexes.ascending("k"), new IndexOptions().unique(true).name("k_unique"));
            for (int i = 0; i < 500; i++) {
                docs.insertOne(new Document("_id", "doc-" + i).append("k", "key-" + i));
            }
        });
        assertThat(mapNames(file)).contains("test.docs._index_k_unique")
                .doesNotContain("test.docs._index_k_unique" + DurableH2Backend.ORDERED_INDEX_SUFFIX);

        for (int opening = 0; opening < 2; opening++) {
            serve(new DurableH2Backend(file), docs -> {
                assertThat(docs.countDocuments()).isEqualTo(500);
                assertThat(docs.find(new Document("k", "key-321")).first()).containsEntry("_id", "doc-321");
                assertThat(docs.find(new Document("_id", "doc-7")).first()).containsEntry("k", "key-7");
                assertDuplicate(() -> docs.insertOne(new Document("_id", "other").append("k", "key-42")));
                assertDuplicate(() -> docs.insertOne(new Document("_id", "doc-42").append("k", "fresh")));
            });
            assertThat(mapNames(file)).contains("test.docs._index_k_unique" + DurableH2Backend.ORDERED_INDEX_SUFFIX)
                    .doesNotContain("test.docs._index_k_unique", "test.docs._index__id_");
        }
    }

    @Test
    void a_copy_cut_short_by_a_crash_is_made_again_from_the_old_index() {
        String file = dir.resolve("mongo.mv.db").toString();
        serve(new H2Backend(file), docs -> {
            docs.createIndex(Indexes.ascending("k"), new IndexOptions().unique(true).name("k_unique"));
            docs.insertOne(new Document("_id", 1).append("k", "a"));
            docs.insertOne(new Document("_id", 2).append("k", "b"));
        });
        // what a crash after a partial copy leaves: both maps, the new one holding a stale key
        try (MVStore store = MVStore.open(file)) {
            store.openMap("test.docs._index_k_unique" + DurableH2Backend.ORDERED_INDEX_SUFFIX,
                    new org.h2.mvstore.MVMap.Builder<de.bwaldvogel.mongo.backend.KeyValue, Object>()
                            .keyType(DurableH2Backend.OrderedKeyType.INSTANCE))
                    .put(new de.bwaldvogel.mongo.backend.KeyValue("stale"), 99);
            store.commit();
        }
        serve(new DurableH2Backend(file), docs -> {
            docs.insertOne(new Document("_id", 3).append("k", "stale"));
            assertDuplicate(() -> docs.insertOne(new Document("_id", 4).append("k", "b")));
            assertThat(docs.find(new Document("k", "a")).first()).containsEntry("_id", 1);
        });
    }

    @Test
    void numbers_are_one_key_when_MongoDB_says_they_are_equal_and_two_otherwise() {
        serve(new DurableH2Backend(dir.resolve("numbers.mv.db").toString()), docs -> {
            docs.createIndex(Indexes.ascending("n"), new IndexOptions().unique(true));
            docs.insertOne(new Document("n", 1L));
            docs.insertOne(new Document("n", 1.5));
            docs.insertOne(new Document("n", 9_007_199_254_740_993L)); // 2^53 + 1: no double holds it
            docs.insertOne(new Document("n", 9_007_199_254_740_992.0));
            docs.insertOne(new Document("n", "1"));
            assertDuplicate(() -> docs.insertOne(new Document("n", 1)));
            assertDuplicate(() -> docs.insertOne(new Document("n", 1.0)));
            assertThat(docs.countDocuments(new Document("n", 1.5))).isEqualTo(1);
            assertThat(docs.countDocuments()).isEqualTo(5);
        });
    }

    @Test
    void a_dropped_index_leaves_no_keys_behind_for_one_created_again() {
        serve(new DurableH2Backend(dir.resolve("drop.mv.db").toString()), docs -> {
            docs.createIndex(Indexes.ascending("k"), new IndexOptions().unique(true).name("k_unique"));
            docs.insertOne(new Document("_id", 1).append("k", "a"));
            docs.drop();
            docs.createIndex(Indexes.ascending("k"), new IndexOptions().unique(true).name("k_unique"));
            docs.insertOne(new Document("_id", 1).append("k", "a"));
            assertThat(docs.countDocuments()).isEqualTo(1);
        });
    }

    /**
     * H2's compaction step is a quarter of the unsaved-memory limit while the store is busy, and
     * it holds the store's lock (see {@link DurableH2Backend#UNSAVED_MEMORY_KB}); a write far
     * larger than the limit is committed by H2 in several steps on the way and still reads back
     * whole, also after the file is opened again.
     */
    @Test
    void the_store_commits_in_small_steps_and_a_write_larger_than_one_step_reads_back_whole() {
        String file = dir.resolve("mongo.mv.db").toString();
        DurableH2Backend backend = new DurableH2Backend(file);
        assertThat(backend.getMvStore().getAutoCommitMemory()).isEqualTo(DurableH2Backend.UNSAVED_MEMORY_KB * 1024);
        String text = "z".repeat(1000);
        List<Document> batch = new java.util.ArrayList<>();
        for (int i = 0; i < 20_000; i++) { // about 20 MB of documents in one command
            batch.add(new Document("_id", "doc-" + i).append("text", text).append("i", i));
        }
        serve(backend, docs -> {
            long before = backend.getMvStore().getCurrentVersion();
            docs.insertMany(batch);
            assertThat(backend.getMvStore().getCurrentVersion() - before).as("commits during one insertMany")
                    .isGreaterThan(1);
        });
        backend.close();
        serve(new DurableH2Backend(file), docs -> {
            assertThat(docs.countDocuments()).isEqualTo(20_000);
            assertThat(docs.find(new Document("_id", "doc-19999")).first()).containsEntry("i", 19_999);
        });
    }

    @Test
    void a_read_answers_only_once_what_it_could_see_is_on_disk() {
        String file = dir.resolve("mongo.mv.db").toString();
        DurableH2Backend backend = new DurableH2Backend(file);
        serve(backend, docs -> {
            docs.insertOne(new Document("_id", "acknowledged"));
            // a write being applied, not yet acknowledged nor committed: a reader may already see it
            backend.getMvStore().openMap("in-flight").put("k", "v");
            assertThat(backend.getMvStore().hasUnsavedChanges()).isTrue();
            assertThat(docs.find().into(new java.util.ArrayList<>())).hasSize(1);
            assertThat(backend.getMvStore().hasUnsavedChanges()).as("committed before the read answered").isFalse();
        });
    }

    @Test
    void queries_never_fail_while_another_client_builds_and_drops_indexes_on_the_collection() throws Exception {
        String file = dir.resolve("mongo.mv.db").toString();
        serve(new DurableH2Backend(file), docs -> {
            for (int i = 0; i < 20; i++) {
                docs.insertOne(new Document("_id", "doc-" + i).append("k", "key-" + i));
            }
            for (int i = 0; i < 12; i++) { // a long list of indexes for each query to walk
                docs.createIndex(Indexes.ascending("f" + i), new IndexOptions().unique(true).sparse(true).name("f" + i));
            }
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            List<Thread> readers = new java.util.ArrayList<>();
            for (int r = 0; r < 4; r++) {
                Thread reader = new Thread(() -> {
                    while (!stop.get() && failure.get() == null) {
                        try {
                            docs.find(new Document("k", "key-7")).first();
                        } catch (RuntimeException e) {
                            failure.set(e);
                        }
                    }
                });
                reader.start();
                readers.add(reader);
            }
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(4);
            try {
                for (int round = 0; System.nanoTime() < end && failure.get() == null; round++) {
                    docs.createIndex(Indexes.ascending("g"), new IndexOptions().unique(true).sparse(true).name("g"));
                    docs.dropIndex("g");
                }
            } finally {
                stop.set(true);
                for (Thread reader : readers) {
                    try {
                        reader.join(10_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
            assertThat(failure.get()).as("a query failed while indexes changed").isNull();
        });
    }

    private static void assertDuplicate(Runnable write) {
        assertThatThrownBy(write::run).isInstanceOfSatisfying(MongoWriteException.class,
                e -> assertThat(ErrorCategory.fromErrorCode(e.getCode())).isEqualTo(ErrorCategory.DUPLICATE_KEY));
    }

    /**
     * Queries that pin a unique index's keys beside other conditions (top level or in the
     * {@code $and} the driver writes for {@code Filters.and}), or a prefix of a non-unique index's
     * keys with perhaps a range on the next, read by that index, and answer as
     * mongo-java-server's own in-memory backend answers, which reads every document: finds with
     * sorts and projections, counts, updates (with upserts), find-and-modify and deletes, in a random sequence over the real driver.
     */
    @Test
    void queries_pinning_an_index_beside_other_conditions_read_by_it_and_answer_as_a_full_scan_does() {
        besideTheOracle("pinned.mv.db", "docs", (backend, both, tested) -> {
            java.util.Random random = new java.util.Random(15);
            for (MongoCollection<Document> docs : both) {
                docs.createIndex(Indexes.ascending("a", "b"), new IndexOptions().unique(true));
                docs.createIndex(Indexes.ascending("state", "n"));
                docs.createIndex(Indexes.ascending("tags")); // one entry per element
            }
            for (int i = 0; i < 60; i++) {
                Document doc = new Document("_id", "d" + i).append("a", i / 10).append("b", i % 10)
                        .append("n", random.nextInt(10)).append("state", i % 3 == 0 ? "DUE" : "DONE")
                        .append("tags", List.of(random.nextInt(4), random.nextInt(4)));
                both.forEach(docs -> docs.insertOne(doc));
            }
            int pinnedOperations = 0;
            for (int step = 0; step < 400; step++) {
                boolean pinned = random.nextInt(4) > 0;
                int base = random.nextInt(5);
                org.bson.conversions.Bson filter = filter(random, pinned, base);
                boolean served = pinned || base >= 2; // _id, (a, b), or (state, n) or tags, non-unique
                int kind = random.nextInt(12);
                long scansBefore = backend.fullScans();
                List<Object> answers = new java.util.ArrayList<>();
                for (MongoCollection<Document> docs : both) {
                    answers.add(operate(docs, kind, filter, step));
                }
                assertThat(answers.get(1)).as("step %d, operation %d, filter %s", step, kind, filter)
                        .isEqualTo(answers.get(0));
                if (served) { // countDocuments and reports are aggregations: their leading $match reads by index too
                    pinnedOperations++;
                    assertThat(backend.fullScans()).as("step %d (operation %d) read every document for %s", step, kind, filter)
                            .isEqualTo(scansBefore);
                }
            }
            assertThat(pinnedOperations).isGreaterThan(250);
            // no entry left behind by an update or a delete: one per document, one per distinct tag
            List<Document> left = both.get(1).find().into(new java.util.ArrayList<>());
            Document keys = tested.runCommand(new Document("validate", "docs"))
                    .get("keysPerIndex", Document.class);
            assertThat(((Number) keys.get("state_1_n_1")).longValue()).isEqualTo(left.size());
            assertThat(((Number) keys.get("tags_1")).longValue()).isEqualTo(left.stream()
                    .mapToLong(doc -> doc.get("tags") instanceof List<?> tags ? tags.stream().distinct().count() : 1).sum());
            long before = backend.fullScans();
            both.get(1).countDocuments(com.mongodb.client.model.Filters.lt("n", 5));
            assertThat(backend.fullScans()).as("a query no index serves still reads everything").isEqualTo(before + 1);
            // the leading $match narrows the aggregation's input only: a $lookup's pipeline on the same collection sees it all
            for (MongoCollection<Document> docs : both) {
                docs.insertOne(new Document("_id", "j1").append("a", 9000).append("b", 1).append("state", "DUE"));
                docs.insertOne(new Document("_id", "j2").append("a", 9000).append("b", 2).append("state", "DONE"));
            }
            List<org.bson.conversions.Bson> joined = List.of(
                    com.mongodb.client.model.Aggregates.match(com.mongodb.client.model.Filters.eq("state", "DUE")),
                    com.mongodb.client.model.Aggregates.match(com.mongodb.client.model.Filters.eq("a", 9000)),
                    com.mongodb.client.model.Aggregates.lookup("docs", List.of(com.mongodb.client.model.Aggregates.match(
                            com.mongodb.client.model.Filters.eq("a", 9000))), "sameA"),
                    com.mongodb.client.model.Aggregates.sort(Sorts.ascending("_id")));
            List<Document> fromOracle = both.get(0).aggregate(joined).into(new java.util.ArrayList<>());
            assertThat(fromOracle).anyMatch(doc -> doc.get("sameA") instanceof List<?> same
                    && same.stream().anyMatch(other -> "DONE".equals(((Document) other).get("state"))));
            assertThat(both.get(1).aggregate(joined).into(new java.util.ArrayList<>())).isEqualTo(fromOracle);
        });
    }

    /**
     * A page sorted as a non-unique index orders what the query pins reads about a page of
     * documents in index order, not every document in the bounds, and answers as a full sort does:
     * ties on the index's sort key broken by its next key or by {@code _id}, a range on the sort
     * key, skip; a document whose sort value is an array, or missing, sends the query back to
     * loading and sorting.
     */
    @Test
    void a_page_sorted_as_an_index_orders_its_entries_is_read_in_that_order_and_stops_at_the_page() {
        besideTheOracle("ordered.mv.db", "steps", (backend, both, tested) -> {
            java.util.Random random = new java.util.Random(7);
            List<Document> inserted = new java.util.ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                inserted.add(new Document("_id", String.format("s%04d", random.nextInt(1_000_000)) + "-" + i)
                        .append("state", i % 4 == 0 ? "DONE" : "DUE").append("dueAt", new java.util.Date(1_000L * random.nextInt(300)))
                        .append("kind", "k" + random.nextInt(3)));
            }
            for (MongoCollection<Document> steps : both) {
                steps.createIndex(Indexes.ascending("state", "dueAt", "kind"));
                steps.insertMany(inserted);
            }
            java.util.Date now = new java.util.Date(150_000L);
            List<java.util.function.Function<MongoCollection<Document>, List<Document>>> pages = List.of(
                    steps -> steps.find(com.mongodb.client.model.Filters.and(com.mongodb.client.model.Filters.eq("state", "DUE"),
                            com.mongodb.client.model.Filters.lte("dueAt", now))).sort(Sorts.ascending("dueAt", "kind", "_id"))
                            .limit(10).into(new java.util.ArrayList<>()),
                    steps -> steps.find(com.mongodb.client.model.Filters.eq("state", "DUE"))
                            .sort(Sorts.ascending("dueAt", "kind", "_id")).skip(40).limit(25).into(new java.util.ArrayList<>()),
                    steps -> steps.find(com.mongodb.client.model.Filters.and(com.mongodb.client.model.Filters.eq("state", "DUE"),
                            com.mongodb.client.model.Filters.eq("dueAt", new java.util.Date(3_000L))))
                            .sort(Sorts.ascending("kind", "_id")).limit(5).into(new java.util.ArrayList<>()),
                    steps -> steps.find(com.mongodb.client.model.Filters.and(com.mongodb.client.model.Filters.eq("state", "DUE"),
                            com.mongodb.client.model.Filters.eq("kind", "k1"), com.mongodb.client.model.Filters.gt("dueAt", now)))
                            .sort(Sorts.ascending("dueAt", "kind", "_id")).limit(10).into(new java.util.ArrayList<>()));
            for (int page = 0; page < pages.size(); page++) {
                List<Document> expected = pages.get(page).apply(both.get(0));
                long readBefore = backend.documentsRead();
                assertThat(pages.get(page).apply(both.get(1))).as("page %d", page).isEqualTo(expected);
                assertThat(expected).as("page %d", page).isNotEmpty();
                assertThat(backend.documentsRead() - readBefore).as("documents read for page %d", page).isLessThan(200);
            }
            // descending, or sorted by a key the index does not order: loaded and sorted
            for (Document sort : List.of(new Document("dueAt", -1).append("kind", -1).append("_id", -1),
                    new Document("kind", 1).append("_id", 1))) {
                List<java.util.ArrayList<Document>> answers = both.stream().map(steps -> steps.find(com.mongodb.client.model.Filters.eq(
                        "state", "DUE")).sort(sort).limit(10).into(new java.util.ArrayList<Document>())).toList();
                assertThat(answers.get(1)).as("sorted by %s", sort).isEqualTo(answers.get(0));
            }
            // a sort value that is an array or missing: loaded and sorted, the same answer
            for (MongoCollection<Document> steps : both) {
                steps.insertOne(new Document("_id", "array").append("state", "DUE").append("dueAt",
                        List.of(new java.util.Date(500_000L), new java.util.Date(0L))).append("kind", "k0"));
                steps.insertOne(new Document("_id", "missing").append("state", "DUE").append("kind", "k0"));
            }
            // an array whose least element lies below a lower bound sorts first (the read from the bound never meets it)
            java.util.function.Function<MongoCollection<Document>, List<Document>> fromBound = steps -> steps.find(
                    com.mongodb.client.model.Filters.and(com.mongodb.client.model.Filters.eq("state", "DUE"),
                            com.mongodb.client.model.Filters.gte("dueAt", new java.util.Date(250_000L))))
                    .sort(Sorts.ascending("dueAt", "kind", "_id")).limit(5).into(new java.util.ArrayList<>());
            assertThat(fromBound.apply(both.get(0))).extracting(doc -> doc.get("_id")).contains("array");
            assertThat(fromBound.apply(both.get(1))).isEqualTo(fromBound.apply(both.get(0)));
            for (int page = 0; page < 2; page++) {
                long readBefore = backend.documentsRead();
                assertThat(pages.get(page).apply(both.get(1))).as("page %d", page).isEqualTo(pages.get(page).apply(both.get(0)));
                assertThat(backend.documentsRead() - readBefore).as("documents read for page %d", page).isGreaterThan(500);
            }
        });
    }

    /** A check run on a collection of ours and the same collection of mongo-java-server's in-memory backend. */
    private interface OracleCheck {
        /** {@code both}: the oracle's collection, then ours; {@code tested}: our database. */
        void run(DurableH2Backend backend, List<MongoCollection<Document>> both,
                 com.mongodb.client.MongoDatabase tested);
    }

    /**
     * Runs the check against a fresh backend on {@code file} beside mongo-java-server's in-memory
     * backend, which reads every document for every query: the oracle the answers are compared with.
     */
    private void besideTheOracle(String file, String collection, OracleCheck check) {
        DurableH2Backend backend = new DurableH2Backend(dir.resolve(file).toString());
        MongoServer oracle = new MongoServer(new de.bwaldvogel.mongo.backend.memory.MemoryBackend());
        MongoServer tested = new MongoServer(backend);
        try (MongoClient toOracle = MongoClients.create("mongodb://127.0.0.1:" + port(oracle));
             MongoClient toTested = MongoClients.create("mongodb://127.0.0.1:" + port(tested))) {
            check.run(backend, List.of(toOracle.getDatabase("test").getCollection(collection),
                    toTested.getDatabase("test").getCollection(collection)), toTested.getDatabase("test"));
        } finally {
            tested.shutdownNow();
            oracle.shutdownNow();
        }
    }

    /**
     * Documents and index keys are stored as BSON (plain keys more compactly still) and read back
     * as they were written, every BSON type the driver sends, after a restart (so from the file,
     * not a cache); documents the plain backend Java-serialized still read, beside ones rewritten.
     */
    @Test
    void documents_are_stored_as_bson_and_read_back_whole_beside_ones_an_earlier_version_wrote() {
        String file = dir.resolve("bson.mv.db").toString();
        serve(new H2Backend(file), docs -> docs.insertOne(new Document("_id", "legacy").append("n", 1)));
        Document every = new Document("_id", new org.bson.types.ObjectId())
                .append("text", "保单 policy").append("int", 42).append("long", 1L << 40).append("double", 2.5)
                .append("decimal", new org.bson.types.Decimal128(new java.math.BigDecimal("1234.5678")))
                .append("yes", true).append("nothing", null).append("when", new java.util.Date(1_790_000_000_000L))
                .append("bytes", new org.bson.types.Binary(new byte[] {1, 2, 3}))
                .append("uuid", new org.bson.types.Binary((byte) 4, new byte[16]))
                .append("regex", new org.bson.BsonRegularExpression("^PN", "i"))
                .append("stamp", new org.bson.BsonTimestamp(1_700_000_000, 7))
                .append("min", new org.bson.types.MinKey()).append("max", new org.bson.types.MaxKey())
                .append("nested", new Document("list", List.of(1, "two", new Document("three", 3.0), List.of())));
        serve(new DurableH2Backend(file), docs -> {
            docs.createIndex(Indexes.ascending("text"), new IndexOptions().unique(true));
            docs.createIndex(Indexes.ascending("when", "yes", "nothing", "double", "long", "int", "decimal"),
                    new IndexOptions().unique(true));
            docs.insertOne(every);
            docs.updateOne(new Document("_id", "legacy"), Updates.inc("n", 1));
        });
        serve(new DurableH2Backend(file), docs -> {
            assertThat(docs.find(new Document("_id", every.get("_id"))).first()).isEqualTo(every);
            assertThat(docs.find(new Document("text", "保单 policy")).first()).isEqualTo(every);
            Document compound = new Document("when", every.get("when")).append("yes", true).append("nothing", null)
                    .append("double", 2.5).append("long", 1L << 40).append("int", 42).append("decimal", every.get("decimal"));
            assertThat(docs.find(compound).first()).isEqualTo(every);
            assertDuplicate(() -> docs.insertOne(new Document(compound)));
            assertThat(docs.find(new Document("_id", "legacy")).first()).containsEntry("n", 2);
        });
        try (MVStore store = MVStore.open(file)) {
            org.h2.mvstore.MVMap<Object, de.bwaldvogel.mongo.bson.Document> documents = store.openMap(
                    "databases.test.docs", new org.h2.mvstore.MVMap.Builder<Object, de.bwaldvogel.mongo.bson.Document>()
                            .valueType(BsonOnly.INSTANCE));
            assertThat(documents.values()).hasSize(2);
        }
    }

    /** Reads a value only when it is BSON: fails on any other format. */
    private static final class BsonOnly extends org.h2.mvstore.type.BasicDataType<de.bwaldvogel.mongo.bson.Document> {
        static final BsonOnly INSTANCE = new BsonOnly();

        @Override
        public int getMemory(de.bwaldvogel.mongo.bson.Document document) {
            return 100;
        }

        @Override
        public void write(org.h2.mvstore.WriteBuffer buffer, de.bwaldvogel.mongo.bson.Document document) {
            throw new UnsupportedOperationException();
        }

        @Override
        public de.bwaldvogel.mongo.bson.Document read(java.nio.ByteBuffer buffer) {
            de.bwaldvogel.mongo.bson.Document document = DurableH2Backend.Bson.read(buffer);
            if (document == null) {
                throw new AssertionError("a value not stored as BSON");
            }
            return document;
        }

        @Override
        public de.bwaldvogel.mongo.bson.Document[] createStorage(int size) {
            return new de.bwaldvogel.mongo.bson.Document[size];
        }
    }

    /**
     * A non-unique index the plain backend only noted is built when this backend opens the file,
     * kept across restarts, and removed with its index or its collection.
     */
    @Test
    void a_non_unique_index_is_built_at_open_kept_across_restarts_and_dropped_with_its_collection() {
        String file = dir.resolve("secondary.mv.db").toString();
        serve(new H2Backend(file), docs -> {
            docs.createIndex(Indexes.ascending("state", "dueAt"));
            for (int i = 0; i < 500; i++) {
                docs.insertOne(new Document("_id", i).append("state", i % 5 == 0 ? "DUE" : "DONE")
                        .append("dueAt", new java.util.Date(1_000_000L * i)));
            }
        });
        String map = "test.docs._index_state_1_dueAt_1" + DurableH2Backend.SECONDARY_INDEX_SUFFIX;
        for (int opening = 0; opening < 2; opening++) {
            DurableH2Backend backend = new DurableH2Backend(file);
            serve(backend, docs -> {
                long before = backend.fullScans();
                assertThat(docs.countDocuments()).isEqualTo(500);
                List<Document> due = docs.find(com.mongodb.client.model.Filters.and(
                        com.mongodb.client.model.Filters.eq("state", "DUE"),
                        com.mongodb.client.model.Filters.lte("dueAt", new java.util.Date(1_000_000L * 99))))
                        .sort(Sorts.ascending("dueAt")).into(new java.util.ArrayList<>());
                assertThat(due).extracting(d -> d.getInteger("_id")).containsExactly(0, 5, 10, 15, 20, 25, 30, 35, 40,
                        45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95);
                assertThat(backend.fullScans()).as("the count reads everything, the find does not").isEqualTo(before + 1);
                docs.updateOne(new Document("_id", 5), Updates.set("state", "DONE"));
                docs.updateOne(new Document("_id", 5), Updates.set("state", "DUE"));
            });
            assertThat(mapNames(file)).contains(map);
        }
        serve(new DurableH2Backend(file), docs -> {
            docs.dropIndex("state_1_dueAt_1");
            assertThat(docs.find(new Document("state", "DUE")).into(new java.util.ArrayList<>())).hasSize(100);
        });
        assertThat(mapNames(file)).doesNotContain(map);
        serve(new DurableH2Backend(file), docs -> {
            docs.createIndex(Indexes.ascending("state"));
            assertThat(docs.countDocuments(new Document("state", "DUE"))).isEqualTo(100);
            docs.drop();
        });
        assertThat(mapNames(file)).noneMatch(name -> name.contains("docs._index_"));
    }

    /**
     * A condition on n or tags that no index serves (base 0, 1), or one that a non-unique index
     * serves: state, perhaps with a range of n (2, 3), or one tag (4); with (pinned) or without
     * equalities on _id or on both a and b.
     */
    private static org.bson.conversions.Bson filter(java.util.Random random, boolean pinned, int base) {
        List<org.bson.conversions.Bson> conditions = new java.util.ArrayList<>();
        String state = random.nextBoolean() ? "DUE" : "DONE";
        switch (base) {
            case 0 -> conditions.add(com.mongodb.client.model.Filters.lt("n", random.nextInt(10)));
            case 1 -> conditions.add(com.mongodb.client.model.Filters.ne("tags", random.nextInt(4)));
            case 2 -> conditions.add(com.mongodb.client.model.Filters.eq("state", state));
            case 3 -> {
                conditions.add(com.mongodb.client.model.Filters.eq("state", state));
                int low = random.nextInt(10);
                conditions.add(random.nextBoolean() ? com.mongodb.client.model.Filters.gte("n", low)
                        : com.mongodb.client.model.Filters.and(com.mongodb.client.model.Filters.gt("n", low),
                                com.mongodb.client.model.Filters.lte("n", low + random.nextInt(4))));
            }
            default -> conditions.add(com.mongodb.client.model.Filters.eq("tags", random.nextInt(4)));
        }
        if (pinned) {
            switch (random.nextInt(3)) {
                case 0 -> conditions.add(com.mongodb.client.model.Filters.eq("_id", "d" + random.nextInt(70)));
                case 1 -> conditions.add(com.mongodb.client.model.Filters.in("_id", "d" + random.nextInt(70),
                        "d" + random.nextInt(70), "d" + random.nextInt(70)));
                default -> {
                    conditions.add(com.mongodb.client.model.Filters.eq("a", random.nextInt(7)));
                    conditions.add(com.mongodb.client.model.Filters.eq("b", random.nextInt(10)));
                }
            }
        } else if (random.nextBoolean()) {
            conditions.add(com.mongodb.client.model.Filters.gt("_id", "d" + random.nextInt(70)));
        }
        java.util.Collections.shuffle(conditions, random);
        if (random.nextBoolean()) {
            return com.mongodb.client.model.Filters.and(conditions); // {$and: [...]}
        }
        Document plain = new Document(); // the same conditions as one document's fields
        for (org.bson.conversions.Bson condition : conditions) {
            plain.putAll(condition.toBsonDocument());
        }
        return plain;
    }

    /** One operation's answer: the documents, a count, an update's result or the error code it met. */
    private static Object operate(MongoCollection<Document> docs, int kind, org.bson.conversions.Bson filter, int step) {
        try {
            return switch (kind) {
                case 0, 1, 2 -> docs.find(filter).sort(Sorts.descending("n", "_id")).into(new java.util.ArrayList<>());
                case 3 -> docs.find(filter).projection(new Document("n", 1)).sort(Sorts.ascending("n", "_id"))
                        .skip(step % 3).limit(3).into(new java.util.ArrayList<>()); // in index order when state is pinned
                case 4 -> docs.countDocuments(filter);
                case 5 -> docs.aggregate(List.of(com.mongodb.client.model.Aggregates.match(filter),
                        com.mongodb.client.model.Aggregates.group("$state",
                                com.mongodb.client.model.Accumulators.sum("count", 1),
                                com.mongodb.client.model.Accumulators.max("n", "$n")),
                        com.mongodb.client.model.Aggregates.sort(Sorts.ascending("_id")))).into(new java.util.ArrayList<>());
                case 6, 7, 8 -> {
                    var result = docs.updateMany(filter, Updates.combine(Updates.inc("n", 1), Updates.setOnInsert("_id", "u" + step), Updates.setOnInsert("a",
                            100 + step), Updates.setOnInsert("b", step)), new com.mongodb.client.model.UpdateOptions()
                            .upsert(step % 2 == 0));
                    yield List.of(result.getMatchedCount(), result.getModifiedCount(), result.getUpsertedId() != null);
                }
                case 9, 10 -> docs.findOneAndUpdate(filter, Updates.set("state", "DONE"),
                        new com.mongodb.client.model.FindOneAndUpdateOptions().sort(Sorts.ascending("_id"))
                                .returnDocument(com.mongodb.client.model.ReturnDocument.AFTER));
                default -> {
                    long deleted = docs.deleteMany(filter).getDeletedCount();
                    for (int i = 0; i < 3; i++) {
                        String id = "d" + (step + i) % 70;
                        docs.replaceOne(new Document("_id", id), new Document("_id", id).append("a", 1000 + 3 * step + i)
                                .append("b", 0).append("n", i).append("state", "DUE").append("tags", List.of(i)),
                                new com.mongodb.client.model.ReplaceOptions().upsert(true));
                    }
                    yield deleted;
                }
            };
        } catch (com.mongodb.MongoServerException e) {
            return e.getCode();
        }
    }

    private static int port(MongoServer server) {
        return server.bind().getPort();
    }

    private static void serve(H2Backend backend, Consumer<MongoCollection<Document>> use) {
        MongoServer server = new MongoServer(backend);
        try {
            server.bind("127.0.0.1", 0);
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + server.getLocalAddress().getPort())) {
                use.accept(client.getDatabase("test").getCollection("docs"));
            }
        } finally {
            server.shutdownNow();
        }
    }

    private static java.util.Set<String> mapNames(String file) {
        try (MVStore store = MVStore.open(file)) {
            return store.getMapNames();
        }
    }
}
