package org.coverledger.ops.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;
import org.bson.Document;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.CommitTree;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.ops.EmbeddedMongo;
import org.coverledger.privacy.SubjectKeys;

/**
 * {@code ops/bench --audit [--quick]}: what the tamper evidence of issue 13 costs and gives, on
 * the embedded MongoDB in its own process, each figure beside its limit measured in the same run:
 * appends with the hash chain against the same engine with it switched off; the chain's
 * verification, the tree's build and a checkpoint's recomputation against the raw driver reading
 * the same collection; inclusion and consistency proofs (size and time, each proof checked) at
 * 10^4, 10^5 and 10^6 commits. Not a test: it asserts nothing and prints a Markdown report.
 */
public final class AuditBenchmark {

    private static final String PAYLOAD = "{\"policyId\":\"pol-%d\",\"text\":\"" + "x".repeat(200) + "\"}";
    private static final int PROOFS = 200;

    private final MongoClient client;
    private final List<String> report = new ArrayList<>();
    private final boolean quick;
    private int databases;

    private AuditBenchmark(MongoClient client, boolean quick) {
        this.client = client;
        this.quick = quick;
    }

    public static void main(String[] args) throws Exception {
        boolean quick = Arrays.asList(args).contains("--quick");
        int out = Arrays.asList(args).indexOf("--out");
        Path reportFile = out >= 0 ? Path.of(args[out + 1]) : null;
        Path data = Files.createTempDirectory("coverledger-bench-audit");
        int port = EventStoreBenchmark.freePort();
        Process server = EmbeddedMongo.launch(port, data, "6g"); // a million commits and their tiles
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port)) {
            AuditBenchmark bench = new AuditBenchmark(client, quick);
            bench.report.add("## Audit benchmark (issue 13), " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES)
                    + (quick ? " (quick)" : ""));
            bench.report.add("");
            bench.report.add("Server: embedded MongoDB (mongo-java-server, H2 backend committing every write) in its "
                    + "own process on loopback; client in this process; " + Runtime.getRuntime().availableProcessors()
                    + " cores, Java " + System.getProperty("java.version") + ".");
            bench.report.add("");
            bench.appends(new int[] {1, 8, 32}, Duration.ofSeconds(quick ? 3 : 6));
            for (int size : quick ? new int[] {10_000, 100_000} : new int[] {10_000, 100_000, 1_000_000}) {
                System.err.println("[audit] " + size + " commits");
                bench.store(size);
                System.err.println(String.join("\n", bench.report)); // what is measured so far, should a cell fail
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

    private MongoDatabase newDatabase() {
        return client.getDatabase("audit" + (databases++));
    }

    // ---------------------------------------------------------------- appends

    private void appends(int[] writerCounts, Duration window) throws InterruptedException {
        report.add("### Append throughput with and without the hash chain (events/s, " + window.toSeconds()
                + " s per cell, the two alternated twice)");
        report.add("");
        report.add("| writers | engine with chain | same engine, chain off | with / without |");
        report.add("|---:|---:|---:|---:|");
        EventStoreBenchmark rates = new EventStoreBenchmark(client, window);
        for (int writers : writerCounts) {
            double with = 0;
            double without = 0;
            for (int round = 0; round < 2; round++) {
                with += rates.engineRate(writers, engine(newDatabase(), true));
                without += rates.engineRate(writers, engine(newDatabase(), false));
            }
            report.add(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %.0f%% |", writers, with / 2, without / 2,
                    100 * with / without));
        }
        report.add("");
    }

    private static MongoCommitLogEngine engine(MongoDatabase database, boolean chain) {
        SubjectKeys keys = new SubjectKeys(database, SubjectKeys.randomMasterKey());
        return MongoCommitLogEngine.builder().database(database)
                .eventSerializer(EventSerialization.serializer(keys))
                .snapshotSerializer(EventSerialization.snapshotSerializer(keys))
                .upcasterChain(MongoEventStore.upcasters()).gapTimeout(Duration.ofSeconds(10))
                .hashChain(chain).build();
    }

    // ---------------------------------------------------------------- a stored history

    private void store(int size) {
        MongoDatabase database = newDatabase();
        MongoCollection<Document> commits = database.getCollection(MongoCommitLogEngine.COMMITS);
        long seeding = System.nanoTime();
        seed(commits, size);
        double seeded = seconds(seeding);
        report.add("### " + String.format(Locale.ROOT, "%,d", size) + " commits of one event each (written as the "
                + "engine writes them, sealed, in " + String.format(Locale.ROOT, "%.0f", seeded) + " s)");
        report.add("");

        // the limit: the raw driver reading the whole collection, twice, the best kept; the verification
        // likewise, after a first pass that warms its code up as the raw read's warms the driver's
        double raw = Math.max(rawRead(commits, size), 0);
        CommitChain.verify(commits, 0, Long.MAX_VALUE);
        double verify = 0;
        CommitChain.Verification verified = null;
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            verified = CommitChain.verify(commits, 0, Long.MAX_VALUE);
            verify = Math.max(verify, verified.events() / seconds(start));
        }
        raw = Math.max(raw, rawRead(commits, size));
        long start;
        if (!verified.valid() || verified.events() != size) {
            throw new IllegalStateException("the seeded chain does not verify: " + verified);
        }
        CommitTree tree = new CommitTree(database);
        start = System.nanoTime();
        while (tree.catchUp(Long.MAX_VALUE).size() < size) {
            // grows to the head
        }
        double build = size / seconds(start);
        start = System.nanoTime();
        CommitTree.Recomputed recomputed = tree.recompute(size);
        double recompute = size / seconds(start);
        if (!Arrays.equals(recomputed.root(), tree.root(size))) {
            throw new IllegalStateException("the recomputed root differs from the tree's");
        }
        report.add("| | events/s | of the raw read |");
        report.add("|---|---:|---:|");
        report.add(String.format(Locale.ROOT, "| raw driver: whole collection read (the limit) | %.0f | 100%% |", raw));
        report.add(String.format(Locale.ROOT, "| chain verification (POST /api/audit/verifications, the chain) | %.0f "
                + "| %.0f%% |", verify, 100 * verify / raw));
        report.add(String.format(Locale.ROOT, "| checkpoint recomputed (a saved digest checked) | %.0f | %.0f%% |",
                recompute, 100 * recompute / raw));
        report.add(String.format(Locale.ROOT, "| tree built from nothing (tiles written) | %.0f | %.0f%% |", build,
                100 * build / raw));
        report.add("");
        proofs(tree, size);
    }

    /** One-event commits in the engine's format, sealed into the chain, inserted 1000 at a time. */
    private static void seed(MongoCollection<Document> commits, int size) {
        byte[] chain = new byte[32];
        List<Document> batch = new ArrayList<>(1000);
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        for (long i = 0; i < size; i++) {
            String aggregate = "pol-" + (i % 1000);
            long sequence = i / 1000;
            Date at = Date.from(base.plusMillis(i));
            Document event = new Document("id", "evt-" + i).append("ts", at).append("tsNanos", 0)
                    .append("payloadType", "org.coverledger.bench.Event").append("revision", null)
                    .append("payload", String.format(Locale.ROOT, PAYLOAD, i % 1000))
                    .append("metaData", "{\"actor\":\"bench\"}").append("agg", aggregate).append("type", "Policy")
                    .append("seq", sequence);
            Document commit = new Document("_id", i).append("last", i).append("idx", List.of(i)).append("ts", at)
                    .append("tsMax", at).append("keys", List.of(aggregate + "/" + sequence))
                    .append("ids", List.of("evt-" + i)).append("events", List.of(event));
            chain = CommitChain.linkOf(chain, CommitChain.canonical(commit));
            commit.append(CommitChain.FIELD, CommitChain.hex(chain));
            batch.add(commit);
            if (batch.size() == 1000 || i == size - 1) {
                commits.insertMany(batch, new InsertManyOptions().ordered(true));
                batch.clear();
            }
        }
    }

    private static double rawRead(MongoCollection<Document> commits, int size) {
        long start = System.nanoTime();
        long events = 0;
        for (Document commit : commits.find().batchSize(1000)) {
            events += commit.getList("events", Document.class).size();
        }
        if (events != size) {
            throw new IllegalStateException("read " + events + " events of " + size);
        }
        return events / seconds(start);
    }

    private void proofs(CommitTree tree, long size) {
        Random random = new Random(size);
        byte[] root = tree.root(size);
        double[] inclusion = new double[PROOFS];
        double[] consistency = new double[PROOFS];
        int[] inclusionHashes = new int[PROOFS];
        int[] consistencyHashes = new int[PROOFS];
        for (int i = 0; i < PROOFS; i++) {
            long leaf = (long) (random.nextDouble() * size);
            long start = System.nanoTime();
            List<byte[]> proof = MerkleTree.inclusionProof(tree, leaf, size);
            inclusion[i] = (System.nanoTime() - start) / 1e6;
            inclusionHashes[i] = proof.size();
            if (!MerkleTree.verifyInclusion(leaf, size, tree.node(0, leaf), proof, root)) {
                throw new IllegalStateException("inclusion proof of " + leaf + " fails");
            }
            long first = 1 + (long) (random.nextDouble() * (size - 1));
            start = System.nanoTime();
            List<byte[]> extension = MerkleTree.consistencyProof(tree, first, size);
            consistency[i] = (System.nanoTime() - start) / 1e6;
            consistencyHashes[i] = extension.size();
            if (!MerkleTree.verifyConsistency(first, size, tree.root(first), root, extension)) {
                throw new IllegalStateException("consistency proof of " + first + " fails");
            }
        }
        report.add("Proofs against the tree of all " + String.format(Locale.ROOT, "%,d", size) + " commits ("
                + PROOFS + " random each, every one checked; time to build it from the tiles in MongoDB, tile cache "
                + "warm after the first):");
        report.add("");
        report.add("| | hashes (max) | bytes (max) | p50 ms | p99 ms |");
        report.add("|---|---:|---:|---:|---:|");
        report.add(row("inclusion", inclusionHashes, inclusion));
        report.add(row("consistency", consistencyHashes, consistency));
        report.add("");
    }

    private static String row(String name, int[] hashes, double[] ms) {
        int max = Arrays.stream(hashes).max().orElse(0);
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return String.format(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f |", name, max, max * 32,
                sorted[sorted.length / 2], sorted[(int) Math.ceil(sorted.length * 0.99) - 1]);
    }

    static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
