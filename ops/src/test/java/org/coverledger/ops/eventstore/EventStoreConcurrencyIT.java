package org.coverledger.ops.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.ops.EmbeddedMongo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight writer threads here and a second writer process append over 20,000 events to random
 * aggregates with deliberate conflicts, while a tracking reader follows. The reader sees every
 * acknowledged event exactly once, in global order and each aggregate in sequence; no rejected
 * event; a replay from zero is identical; the token stays one number.
 */
class EventStoreConcurrencyIT {

    @TempDir
    Path data;

    @Test
    void concurrent_writers_and_a_second_process_never_skip_duplicate_or_reorder() throws Exception {
        try (EmbeddedMongo mongo = EmbeddedMongo.start("127.0.0.1", 0, data);
             MongoClient client = MongoClients.create(mongo.connectionString("coverledger"))) {
            MongoCommitLogEngine engine = MongoEventStore.engine(client.getDatabase("coverledger"),
                    new SubjectKeys(client.getDatabase("coverledger"), SubjectKeys.randomMasterKey()), Duration.ofSeconds(5));
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Set<String> rejected = ConcurrentHashMap.newKeySet();

            Process second = new ProcessBuilder(javaCommand(AppendLoad.class.getName(),
                    mongo.connectionString("coverledger"), "2", "4000", "7", "agg-", "150"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Thread secondOutput = readAcks(second, acknowledged);

            Tracker live = new Tracker(null);
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread reader = new Thread(() -> {
                while (writing.get()) {
                    if (live.poll(engine) == 0) {
                        sleepQuietly(20);
                    }
                }
            }, "tracking-reader");
            reader.start();

            AppendLoad load = new AppendLoad(engine, "agg-", 150);
            load.run(8, 16_000, 42, new AppendLoad.Listener() {
                @Override
                public void acknowledged(List<AppendLoad.Appended> events) {
                    events.forEach(e -> acknowledged.add(e.eventId()));
                }

                @Override
                public void rejected(List<AppendLoad.Appended> events) {
                    events.forEach(e -> rejected.add(e.eventId()));
                }
            });
            assertThat(second.waitFor(120, TimeUnit.SECONDS)).as("second writer finished").isTrue();
            secondOutput.join(10_000);
            writing.set(false);
            reader.join(30_000);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!live.ids().containsAll(acknowledged) && System.nanoTime() < deadline) {
                if (live.poll(engine) == 0) {
                    sleepQuietly(50);
                }
            }

            assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(20_000);
            assertThat(load.conflicts.get()).as("deliberate conflicts happened").isPositive();
            assertThat(load.failures.get()).isZero();
            assertThat(live.seen).as("each event once").hasSize(live.ids().size());
            assertThat(live.ids()).isEqualTo(acknowledged);
            assertThat(live.ids()).doesNotContainAnyElementsOf(rejected);
            assertThat(live.orderProblems()).isEmpty();

            Tracker replay = new Tracker(null);
            while (replay.poll(engine) > 0) {
                // reads to the end
            }
            assertThat(replay.seen).isEqualTo(live.seen);
            byte[] token = EventSerialization.serializer().serialize(live.token, byte[].class).getData();
            assertThat(token.length).as("serialized token bytes").isLessThan(64);
            assertThat(engine.gapsFenced()).isZero();
            // two processes' writers interleaved, with conflicts: one unbroken hash chain
            org.coverledger.eventstore.CommitChain.Verification chain = org.coverledger.eventstore.CommitChain.verify(
                    client.getDatabase("coverledger").getCollection(MongoCommitLogEngine.COMMITS), 0, Long.MAX_VALUE);
            assertThat(chain.valid()).as(String.valueOf(chain.failure())).isTrue();
            assertThat(chain.events()).isEqualTo(acknowledged.size());
        }
    }

    static List<String> javaCommand(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(List.of(args));
        return command;
    }

    static Thread readAcks(Process process, Set<String> acknowledged) {
        Thread thread = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    if (line.startsWith("ACK ")) {
                        acknowledged.add(line.split(" ")[1]);
                    }
                }
            } catch (java.io.IOException e) {
                // the process died; what it acknowledged before is recorded
            }
        }, "second-writer-output");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
