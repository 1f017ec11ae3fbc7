package org.coverledger.ops.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.ops.EmbeddedMongo;
import org.coverledger.privacy.SubjectKeys;

/**
 * What sealing personal data costs: an AccountRegistered (four sealed fields) against a record
 * with the same fields unmarked, serialized and read back in memory, the key store's round
 * trips, and appends through our engine. Not a test: it measures and prints a Markdown report
 * ({@code ops/bench --personal-data [--quick] [--out FILE]}).
 */
public final class PersonalDataBenchmark {

    /** The same fields as AccountRegistered, none of them marked personal. */
    public record UnmarkedRegistered(String accountId, String owner, String name, String nationalId, String mobile,
                                     String email) {
    }

    private final MongoClient client;
    private final Duration window;
    private final List<String> report = new ArrayList<>();
    private int databases;

    private PersonalDataBenchmark(MongoClient client, Duration window) {
        this.client = client;
        this.window = window;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int out = Arrays.asList(args).indexOf("--out");
        Path data = Files.createTempDirectory("coverledger-bench");
        int port = EventStoreBenchmark.freePort();
        Process server = EmbeddedMongo.launch(port, data);
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port)) {
            PersonalDataBenchmark bench = new PersonalDataBenchmark(client, Duration.ofSeconds(quick ? 3 : 8));
            bench.run(quick);
            String text = String.join("\n", bench.report) + "\n";
            System.out.print(text);
            if (out >= 0) {
                Files.writeString(Path.of(args[out + 1]), text);
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private void run(boolean quick) throws Exception {
        report.add("## Personal data benchmark, " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES)
                + (quick ? " (quick)" : ""));
        report.add("");
        report.add("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ". Keys in the embedded MongoDB (own process, loopback).");
        report.add("");
        inMemory(quick ? 50_000 : 200_000);
        keyStore(quick ? 500 : 2_000);
        appends(new int[] {1, 8});
    }

    private void inMemory(int rounds) {
        MongoDatabase database = newDatabase();
        Serializer serializer = EventSerialization.serializer(new SubjectKeys(database, SubjectKeys.randomMasterKey()));
        AccountRegistered sealed = new AccountRegistered("acc-1", "acc-1", "王小明", "110105194912310021",
                "13812345678", "xiaoming@example.com");
        UnmarkedRegistered plain = new UnmarkedRegistered("acc-1", "acc-1", "王小明", "110105194912310021",
                "13812345678", "xiaoming@example.com");
        // warm up both paths (and the subject's key) before timing
        roundTrips(serializer, sealed, rounds / 5);
        roundTrips(serializer, plain, rounds / 5);
        double plainMicros = roundTrips(serializer, plain, rounds);
        double sealedMicros = roundTrips(serializer, sealed, rounds);
        int plainBytes = serializer.serialize(plain, String.class).getData().length();
        int sealedBytes = serializer.serialize(sealed, String.class).getData().length();
        report.add("### Serialize and read back, one thread, in memory (" + rounds + " rounds, key cached)");
        report.add("");
        report.add("| event | µs per round trip | stored JSON bytes |");
        report.add("|---|---:|---:|");
        report.add(String.format(Locale.ROOT, "| same fields, unmarked | %.2f | %d |", plainMicros, plainBytes));
        report.add(String.format(Locale.ROOT, "| AccountRegistered, 4 fields sealed | %.2f | %d |", sealedMicros, sealedBytes));
        report.add("");
    }

    private static double roundTrips(Serializer serializer, Object event, int rounds) {
        long start = System.nanoTime();
        Object last = null;
        for (int i = 0; i < rounds; i++) {
            SerializedObject<String> stored = serializer.serialize(event, String.class);
            last = serializer.deserialize(stored);
        }
        if (!event.equals(last)) {
            throw new IllegalStateException("round trip changed the event");
        }
        return (System.nanoTime() - start) / 1e3 / rounds;
    }

    private void keyStore(int subjects) {
        MongoDatabase database = newDatabase();
        String master = SubjectKeys.randomMasterKey();
        SubjectKeys writer = new SubjectKeys(database, master);
        List<String> sealed = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < subjects; i++) {
            sealed.add(writer.seal("subject-" + i, "13812345678"));
        }
        double firstSealMicros = (System.nanoTime() - start) / 1e3 / subjects;
        SubjectKeys reader = new SubjectKeys(database, master); // another process: nothing cached
        start = System.nanoTime();
        for (String value : sealed) {
            reader.open(value);
        }
        double coldOpenMicros = (System.nanoTime() - start) / 1e3 / subjects;
        start = System.nanoTime();
        for (String value : sealed) {
            reader.open(value);
        }
        double warmOpenMicros = (System.nanoTime() - start) / 1e3 / subjects;
        report.add("### Key store (" + subjects + " customers)");
        report.add("");
        report.add("| operation | µs each |");
        report.add("|---|---:|");
        report.add(String.format(Locale.ROOT, "| first sealed value of a new customer (creates the key: insert + read) | %.0f |", firstSealMicros));
        report.add(String.format(Locale.ROOT, "| open in another process, key not cached (one read by _id) | %.0f |", coldOpenMicros));
        report.add(String.format(Locale.ROOT, "| open, key cached | %.1f |", warmOpenMicros));
        report.add("");
    }

    private void appends(int[] writerCounts) throws InterruptedException {
        report.add("### Appends through our engine (events/s, " + window.toSeconds()
                + " s per cell; each writer appends to its own customer's account, key cached after the first)");
        report.add("");
        report.add("| writers | unmarked | sealed, key cached | sealed / unmarked |");
        report.add("|---:|---:|---:|---:|");
        for (int writers : writerCounts) {
            double plain = appendRate(writers, id -> new UnmarkedRegistered(id, id, "王小明", "110105194912310021",
                    "13812345678", "xiaoming@example.com"));
            double sealed = appendRate(writers, id -> new AccountRegistered(id, id, "王小明", "110105194912310021",
                    "13812345678", "xiaoming@example.com"));
            report.add(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f%% |", writers, plain, sealed,
                    100 * sealed / plain));
        }
        report.add("");
    }

    /** Each writer appends to its own aggregate, whose data subject is that aggregate; events per second. */
    private double appendRate(int writers, Function<String, Object> payloadFor) throws InterruptedException {
        MongoDatabase database = newDatabase();
        EventStorageEngine engine = MongoEventStore.engine(database,
                new SubjectKeys(database, SubjectKeys.randomMasterKey()), Duration.ofSeconds(10));
        AtomicLong done = new AtomicLong();
        long start = System.nanoTime();
        long end = start + window.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            String aggregate = "agg-" + w;
            Thread thread = new Thread(() -> {
                for (long seq = 0; System.nanoTime() < end; seq++) {
                    engine.appendEvents(new GenericDomainEventMessage<>("Account", aggregate, seq, payloadFor.apply(aggregate)));
                    done.incrementAndGet();
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

    private MongoDatabase newDatabase() {
        return client.getDatabase("privacy-bench" + (databases++));
    }
}
