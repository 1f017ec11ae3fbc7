package org.coverledger.ops.bench;

import static com.mongodb.client.model.Filters.eq;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.extensions.mongo.DefaultMongoTemplate;
import org.axonframework.extensions.mongo.eventsourcing.eventstore.MongoEventStorageEngine;
import org.bson.Document;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.ops.EmbeddedMongo;

/**
 * Measures, side by side on one embedded MongoDB (a child process, committing every write as
 * ops/run does): append throughput at 1, 8 and 32 writers, aggregate load latency with 10^4
 * and 10^5 events stored, and tracking catch-up from zero, for our engine, axon-mongo's
 * engine (the peer) and the raw driver (the limit). Prints a Markdown report.
 *
 * <p>{@code ops/bench [--quick] [--out FILE]}; quick uses shorter runs and 10^4 events only.
 */
public final class EventStoreBenchmark {

    record Payload(String aggregateId, long sequence, String text) {
    }

    private static final String TEXT = "x".repeat(200); // about the size of our policy events

    private final MongoClient client;
    private final Duration appendWindow;
    private final List<String> report = new ArrayList<>();
    private int databases;

    EventStoreBenchmark(MongoClient client, Duration appendWindow) {
        this.client = client;
        this.appendWindow = appendWindow;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int out = Arrays.asList(args).indexOf("--out");
        Path reportFile = out >= 0 ? Path.of(args[out + 1]) : null;
        Path data = Files.createTempDirectory("coverledger-bench");
        int port = freePort();
        Process server = EmbeddedMongo.launch(port, data);
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port)) {
            EventStoreBenchmark bench = new EventStoreBenchmark(client, Duration.ofSeconds(quick ? 3 : 8));
            bench.header(quick);
            bench.appends(new int[] {1, 8, 32});
            for (int stored : quick ? new int[] {10_000} : new int[] {10_000, 100_000}) {
                // axon-mongo scans for every load at 10^5 (about 2 s each): fewer samples there
                bench.loadsAndCatchUp(stored, quick || stored > 10_000 ? 100 : 300, Duration.ofSeconds(quick ? 20 : 60));
            }
            String text = String.join("\n", bench.report) + "\n";
            System.out.print(text);
            if (reportFile != null) {
                Files.writeString(reportFile, text);
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private void header(boolean quick) {
        Runtime rt = Runtime.getRuntime();
        report.add("## Event store benchmark, " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES)
                + (quick ? " (quick)" : ""));
        report.add("");
        report.add("Machine: " + rt.availableProcessors() + " cores, " + (osMemory() / (1 << 20)) + " MiB RAM, "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", Java "
                + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ").");
        report.add("Server: embedded MongoDB (mongo-java-server, H2 backend committing every write) in its own "
                + "process on loopback; client in this process. Each contender writes to its own database.");
        report.add("");
    }

    // ---------------------------------------------------------------- appends

    private void appends(int[] writerCounts) throws Exception {
        report.add("### Append throughput (events/s, " + appendWindow.toSeconds() + " s per cell)");
        report.add("");
        report.add("| writers | raw insertOne | raw insertMany (100) | our engine | axon-mongo | ours / raw insertOne |");
        report.add("|---:|---:|---:|---:|---:|---:|");
        for (int writers : writerCounts) {
            double rawOne = rate(writers, raw -> rawCollection(raw).insertOne(rawEvent(raw)), 1);
            double rawMany = rate(writers, raw -> {
                MongoCollection<Document> c = rawCollection(raw);
                List<Document> docs = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    docs.add(rawEvent(raw));
                }
                c.insertMany(docs);
            }, 100);
            double ours = engineRate(writers, ourEngine(newDatabase()));
            double peer = engineRate(writers, peerEngine(newDatabase()));
            report.add(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f | %.0f | %.0f%% |", writers, rawOne, rawMany,
                    ours, peer, 100 * ours / rawOne));
        }
        report.add("");
    }

    private MongoDatabase currentRaw;
    private final AtomicLong rawIds = new AtomicLong();

    private MongoCollection<Document> rawCollection(int worker) {
        return currentRaw.getCollection("events");
    }

    private Document rawEvent(int worker) {
        long id = rawIds.getAndIncrement();
        return new Document("_id", id).append("aggregateId", "w" + worker).append("seq", id).append("payload", TEXT);
    }

    private double rate(int writers, IntConsumer operation, int eventsPerOperation) throws InterruptedException {
        currentRaw = newDatabase();
        return timed(writers, operation, eventsPerOperation);
    }

    double engineRate(int writers, EventStorageEngine engine) throws InterruptedException {
        long[] nextSeq = new long[writers];
        return timed(writers, worker -> {
            DomainEventMessage<?> event = new GenericDomainEventMessage<>("Bench", "agg-" + worker, nextSeq[worker],
                    new Payload("agg-" + worker, nextSeq[worker], TEXT));
            engine.appendEvents(event);
            nextSeq[worker]++;
        }, 1);
    }

    /** Runs the operation on each writer thread for the window; returns events per second. */
    private double timed(int writers, IntConsumer operation, int eventsPerOperation) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + appendWindow.toNanos();
        List<Thread> threads = new ArrayList<>();
        long start = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            int worker = w;
            Thread thread = new Thread(() -> {
                while (System.nanoTime() < end) {
                    operation.accept(worker);
                    done.addAndGet(eventsPerOperation);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return done.get() / ((System.nanoTime() - start) / 1e9);
    }

    // ---------------------------------------------------------------- loads and catch-up

    private void loadsAndCatchUp(int stored, int samples, Duration catchUpLimit) {
        int perAggregate = 10;
        int aggregates = stored / perAggregate;
        MongoDatabase oursDb = newDatabase();
        MongoDatabase peerDb = newDatabase();
        MongoDatabase rawDb = newDatabase();
        EventStorageEngine ours = ourEngine(oursDb);
        EventStorageEngine peer = peerEngine(peerDb);
        MongoCollection<Document> raw = rawDb.getCollection("aggregates");
        long seedStart = System.nanoTime();
        List<Document> rawBatch = new ArrayList<>();
        for (int a = 0; a < aggregates; a++) {
            List<EventMessage<?>> commit = new ArrayList<>();
            List<Document> rawEvents = new ArrayList<>();
            for (int s = 0; s < perAggregate; s++) {
                commit.add(new GenericDomainEventMessage<>("Bench", "agg-" + a, s, new Payload("agg-" + a, s, TEXT)));
                rawEvents.add(new Document("seq", s).append("payload", TEXT));
            }
            ours.appendEvents(commit);
            peer.appendEvents(commit);
            rawBatch.add(new Document("_id", "agg-" + a).append("events", rawEvents));
            if (rawBatch.size() == 100) {
                raw.insertMany(rawBatch);
                rawBatch.clear();
            }
        }
        if (!rawBatch.isEmpty()) {
            raw.insertMany(rawBatch);
        }
        double seedSeconds = (System.nanoTime() - seedStart) / 1e9;

        Random random = new Random(1);
        int[] picks = random.ints(samples, 0, aggregates).toArray();
        double[] oursMs = latencies(picks, a -> ours.readEvents("agg-" + a).asStream().count());
        double[] peerMs = latencies(picks, a -> peer.readEvents("agg-" + a).asStream().count());
        double[] rawMs = latencies(picks, a -> raw.find(eq("_id", "agg-" + a)).first());

        report.add("### " + stored + " events stored (" + aggregates + " aggregates of " + perAggregate
                + " events; seeding all three took " + Math.round(seedSeconds) + " s)");
        report.add("");
        report.add("Aggregate load latency, " + samples + " random aggregates:");
        report.add("");
        report.add("| | p50 ms | p99 ms |");
        report.add("|---|---:|---:|");
        report.add(row("raw driver: one indexed find by _id", rawMs));
        report.add(row("our engine", oursMs));
        report.add(row("axon-mongo", peerMs));
        report.add("");
        report.add("Tracking catch-up from zero (events/s; stopped after " + catchUpLimit.toSeconds() + " s):");
        report.add("");
        report.add("| | events/s | events read |");
        report.add("|---|---:|---:|");
        long[] rawRead = {0};
        double rawRate = catchUp(() -> {
            for (Document d : raw.find().batchSize(1000)) {
                rawRead[0] += d.getList("events", Document.class).size();
            }
            return rawRead[0];
        });
        report.add(String.format(Locale.ROOT, "| raw driver: full collection read | %.0f | %d |", rawRate, rawRead[0]));
        report.add(catchUpRow("our engine", ours, catchUpLimit));
        report.add(catchUpRow("axon-mongo", peer, catchUpLimit));
        report.add("");
    }

    private String catchUpRow(String name, EventStorageEngine engine, Duration limit) {
        long[] read = {0};
        long deadline = System.nanoTime() + limit.toNanos();
        long start = System.nanoTime();
        try (var stream = engine.readEvents(null, false)) {
            var it = stream.iterator();
            while (it.hasNext() && System.nanoTime() < deadline) {
                it.next();
                read[0]++;
            }
        }
        double rate = read[0] / ((System.nanoTime() - start) / 1e9);
        return String.format(Locale.ROOT, "| %s | %.0f | %d |", name, rate, read[0]);
    }

    private static double catchUp(java.util.function.LongSupplier read) {
        long start = System.nanoTime();
        long count = read.getAsLong();
        return count / ((System.nanoTime() - start) / 1e9);
    }

    private static double[] latencies(int[] picks, IntConsumer load) {
        for (int i = 0; i < Math.min(20, picks.length); i++) {
            load.accept(picks[i]); // warm-up
        }
        double[] ms = new double[picks.length];
        for (int i = 0; i < picks.length; i++) {
            long start = System.nanoTime();
            load.accept(picks[i]);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return ms;
    }

    private static String row(String name, double[] sortedMs) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f |", name, sortedMs[sortedMs.length / 2],
                sortedMs[Math.min(sortedMs.length - 1, (int) Math.ceil(sortedMs.length * 0.99) - 1)]);
    }

    // ---------------------------------------------------------------- set-up

    private MongoDatabase newDatabase() {
        return client.getDatabase("bench" + (databases++));
    }

    private static EventStorageEngine ourEngine(MongoDatabase database) {
        return MongoEventStore.engine(database, new SubjectKeys(database, SubjectKeys.randomMasterKey()), Duration.ofSeconds(10));
    }

    private static EventStorageEngine peerEngine(MongoDatabase database) {
        return MongoEventStorageEngine.builder()
                .mongoTemplate(DefaultMongoTemplate.builder().mongoDatabase(database).build())
                .eventSerializer(EventSerialization.serializer())
                .snapshotSerializer(EventSerialization.serializer())
                .build();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static long osMemory() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getTotalMemorySize();
        }
        return Runtime.getRuntime().maxMemory();
    }
}
