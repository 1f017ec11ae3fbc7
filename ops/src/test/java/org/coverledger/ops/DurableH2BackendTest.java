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
