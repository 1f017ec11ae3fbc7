package org.coverledger.ops.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.eventstore.EventStoreConcurrencyIT.javaCommand;
import static org.coverledger.ops.eventstore.EventStoreConcurrencyIT.readAcks;
import static org.coverledger.ops.eventstore.EventStoreConcurrencyIT.sleepQuietly;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.ops.EmbeddedMongo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} in the middle of a load: of the writer process, and of the embedded MongoDB.
 * Afterwards every acknowledged event is present, no commit is half there, and a tracking
 * reader resumes from its token without a skip or a duplicate.
 */
class EventStoreCrashIT {

    private static final Duration GAP_TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path data;

    @Test
    void killing_the_writer_process_loses_no_acknowledged_event_and_readers_resume_exactly() throws Exception {
        try (EmbeddedMongo mongo = EmbeddedMongo.start("127.0.0.1", 0, data);
             MongoClient client = MongoClients.create(mongo.connectionString("coverledger"))) {
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Process writer = new ProcessBuilder(javaCommand(AppendLoad.class.getName(),
                    mongo.connectionString("coverledger"), "4", "50000", "11", "agg-", "100"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            readAcks(writer, acknowledged);

            Tracker tracker = new Tracker(null);
            MongoCommitLogEngine before = engine(client);
            awaitCount(acknowledged, 2_000, writer);
            tracker.poll(before);
            awaitCount(acknowledged, acknowledged.size() + 500, writer); // more to read after the reader's restart
            writer.destroyForcibly(); // SIGKILL mid-load: reservations without commits are left behind
            assertThat(writer.waitFor(10, TimeUnit.SECONDS)).isTrue();

            // the reader "restarts": a new engine continues from the token it had stored
            Tracker resumed = new Tracker(tracker.token);
            MongoCommitLogEngine after = engine(client);
            readUntil(after, resumed, acknowledged, tracker.ids());

            assertThat(resumed.seen).isNotEmpty();
            assertThat(java.util.Collections.disjoint(tracker.ids(), resumed.ids())).as("nothing read twice").isTrue();
            Tracker all = new Tracker(null);
            readUntil(after, all, acknowledged, Set.of());
            assertThat(all.ids()).containsAll(acknowledged);
            assertThat(all.seen).hasSize(all.ids().size());
            assertThat(all.orderProblems()).isEmpty();
            assertThat(concat(tracker, resumed)).isEqualTo(all.seen);
            assertNoHalfCommits(client);
        }
    }

    @Test
    void killing_the_embedded_mongodb_loses_no_acknowledged_event_and_readers_resume_exactly() throws Exception {
        int port = freePort();
        Process server = startServer(port);
        String uri = "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=1500&connectTimeoutMS=1500";
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Tracker tracker = new Tracker(null);
        try (MongoClient client = MongoClients.create(uri)) {
            MongoCommitLogEngine engine = engine(client);
            AppendLoad load = new AppendLoad(engine, "agg-", 100);
            AtomicBoolean reading = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                while (reading.get()) {
                    try {
                        if (tracker.poll(engine) == 0) {
                            sleepQuietly(20);
                        }
                    } catch (RuntimeException e) {
                        sleepQuietly(100); // the server is gone; the token stays where it was
                    }
                }
            });
            reader.start();
            Thread writers = new Thread(() -> {
                try {
                    load.run(4, 50_000, 5, events -> events.forEach(e -> acknowledged.add(e.eventId())));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            writers.start();
            awaitCount(acknowledged, 2_000, server);
            server.destroyForcibly(); // SIGKILL: no shutdown hook, no final commit
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            writers.join(60_000);
            assertThat(writers.isAlive()).as("writers stopped on the lost server").isFalse();
            reading.set(false);
            reader.join(30_000);
        }

        Process restarted = startServer(port);
        try (MongoClient client = MongoClients.create(uri)) {
            MongoCommitLogEngine engine = engine(client);
            Tracker resumed = new Tracker(tracker.token);
            readUntil(engine, resumed, acknowledged, tracker.ids());
            assertThat(java.util.Collections.disjoint(tracker.ids(), resumed.ids())).as("nothing read twice").isTrue();

            Tracker all = new Tracker(null);
            readUntil(engine, all, acknowledged, Set.of());
            assertThat(all.ids()).containsAll(acknowledged);
            assertThat(all.seen).hasSize(all.ids().size());
            assertThat(all.orderProblems()).isEmpty();
            assertThat(concat(tracker, resumed)).isEqualTo(all.seen);
            assertNoHalfCommits(client);
        } finally {
            restarted.destroy();
            restarted.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static MongoCommitLogEngine engine(MongoClient client) {
        return MongoEventStore.engine(client.getDatabase("coverledger"),
                new SubjectKeys(client.getDatabase("coverledger"), SubjectKeys.randomMasterKey()), GAP_TIMEOUT);
    }

    /** Reads until every acknowledged event not already seen has come, then past the gap timeout to be sure. */
    private static void readUntil(MongoCommitLogEngine engine, Tracker tracker, Set<String> acknowledged,
                                  Set<String> seenBefore) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Set<String> ids = tracker.ids();
            boolean complete = acknowledged.stream().allMatch(id -> ids.contains(id) || seenBefore.contains(id));
            if (tracker.poll(engine) == 0) {
                if (complete) {
                    break;
                }
                sleepQuietly(50);
            }
        }
        // anything a killed writer stored but never acknowledged comes after its gaps are fenced
        long quiet = System.nanoTime() + GAP_TIMEOUT.multipliedBy(2).toNanos();
        while (System.nanoTime() < quiet) {
            if (tracker.poll(engine) == 0) {
                sleepQuietly(100);
            }
        }
    }

    private static List<Tracker.Seen> concat(Tracker first, Tracker second) {
        return java.util.stream.Stream.concat(first.seen.stream(), second.seen.stream()).toList();
    }

    private static void assertNoHalfCommits(MongoClient client) {
        // and the hash chain unbroken across the kill
        org.coverledger.eventstore.CommitChain.Verification chain = org.coverledger.eventstore.CommitChain.verify(
                client.getDatabase("coverledger").getCollection(MongoCommitLogEngine.COMMITS), 0, Long.MAX_VALUE);
        assertThat(chain.valid()).as(String.valueOf(chain.failure())).isTrue();
        for (Document commit : client.getDatabase("coverledger").getCollection(MongoCommitLogEngine.COMMITS).find()) {
            long size = commit.getLong("last") - commit.getLong("_id") + 1;
            if (!commit.getBoolean("void", false)) {
                assertThat(commit.getList("events", Document.class)).hasSize((int) size);
                assertThat(commit.getList("keys", String.class)).hasSize((int) size);
                assertThat(commit.getList("idx", Long.class)).hasSize((int) size);
            }
        }
    }

    private static void awaitCount(Set<String> acknowledged, int count, Process mustLive) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (acknowledged.size() < count) {
            assertThat(System.nanoTime()).as("load reached %d events in time", count).isLessThan(deadline);
            assertThat(mustLive.isAlive()).as("process alive").isTrue();
            sleepQuietly(20);
        }
    }

    private Process startServer(int port) throws IOException {
        return EmbeddedMongo.launch(port, data);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
