package org.coverledger.ops.bench;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.ops.VerifyAudit;

/**
 * {@code ops/bench --audit-export [--quick]}: the audit export of a fresh ops/run at 10^4 and 10^5
 * entries: its rate and the query side's heap while it streams (sampled over JMX after a full
 * collection, beside the export's own size), then the file checked offline by ops/verify-audit.
 * The entries come from events written into the store with the raw driver in the engine's form,
 * sealed into the chain (CoverReserved, which only the audit trail records), recorded by the
 * running query side's own audit projection. Not a test: it asserts nothing.
 */
public final class AuditExportBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String CORA = "Basic " + Base64.getEncoder().encodeToString("cora:cora-pass".getBytes(
            StandardCharsets.UTF_8));

    private final String queryUrl;
    private final MongoCollection<Document> commits;
    private final List<String> report = new ArrayList<>();

    private AuditExportBenchmark(String queryUrl, MongoCollection<Document> commits) {
        this.queryUrl = queryUrl;
        this.commits = commits;
    }

    public static void main(String[] args) throws Exception {
        HttpBenchmark.Target target = HttpBenchmark.Target.of(args);
        String pid = target.option("--query-pid");
        MaterialsBenchmark.Jvm jvm = pid == null || pid.isBlank() ? null : MaterialsBenchmark.Jvm.attach(pid);
        AuditExportBenchmark bench;
        try (MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:" + target.mongoPort())) {
            bench = new AuditExportBenchmark(target.queryUrl(),
                    mongo.getDatabase("coverledger").getCollection(MongoCommitLogEngine.COMMITS));
            bench.report.add("## Audit export benchmark (issue 13), " + LocalDateTime.now().truncatedTo(
                    ChronoUnit.MINUTES) + (target.quick() ? " (quick)" : ""));
            bench.report.add("");
            bench.report.add("A fresh `ops/run` (three processes, embedded MongoDB); the export streamed over HTTP to "
                    + "a file by one client; the query side's live heap (in use right after a full collection, forced over "
                    + "JMX once a second during the export)"
                    + (jvm == null ? " (the query side could not be attached to: no heap figures)" : ", max heap "
                    + jvm.heapMax() / (1 << 20) + " MiB") + ".");
            bench.report.add("");
            bench.report.add("| entries | file MB | export s | entries/s | query-side heap after GC before, MiB "
                    + "| live heap during (max), MiB | offline check s | entries/s | valid |");
            bench.report.add("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
            for (int entries : target.quick() ? new int[] {10_000, 30_000} : new int[] {10_000, 100_000}) {
                bench.round(entries, jvm);
            }
            bench.report.add("");
        } finally {
            if (jvm != null) {
                jvm.close();
            }
        }
        target.finish(bench.report);
    }

    private void round(int entries, MaterialsBenchmark.Jvm jvm) throws Exception {
        long stored = storedEvents();
        if (stored < entries) {
            seed(entries - stored);
        }
        long total = storedEvents();
        progress("waiting for the audit trail to record " + total + " events");
        long deadline = System.nanoTime() + Duration.ofMinutes(15).toNanos();
        while (recorded() < total || treeSize() < commitCount()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the audit trail did not catch up in 15 minutes");
            }
            Thread.sleep(500);
        }
        long before = jvm == null ? -1 : jvm.collectAndMeasure();
        AtomicLong peak = new AtomicLong(before);
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            // the heap still in use after a full collection, once a second: what the export holds, not its garbage
            while (sampling.get() && jvm != null) {
                try {
                    peak.accumulateAndGet(jvm.collectAndMeasure(), Math::max);
                    Thread.sleep(700);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.start();
        Path file = Files.createTempFile("audit-export", ".ndjson");
        progress("exporting");
        long start = System.nanoTime();
        HttpResponse<InputStream> answer = HTTP.send(HttpRequest.newBuilder(URI.create(queryUrl + "/api/audit/export"))
                .header("Authorization", CORA).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = answer.body(); OutputStream out = Files.newOutputStream(file)) {
            in.transferTo(out);
        }
        double exportSeconds = (System.nanoTime() - start) / 1e9;
        sampling.set(false);
        sampler.join();
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("the export answered " + answer.statusCode());
        }
        String key = JSON.readTree(get("/api/audit/public-key")).get("verifierKey").asText();
        progress("checking offline");
        start = System.nanoTime();
        VerifyAudit.Report checked = VerifyAudit.verify(file, null, key);
        double checkSeconds = (System.nanoTime() - start) / 1e9;
        long bytes = Files.size(file);
        Files.delete(file);
        report.add(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.0f | %s | %s | %.1f | %.0f | %s |",
                checked.entries(), bytes / 1e6, exportSeconds, checked.entries() / exportSeconds,
                before < 0 ? "-" : String.valueOf(before >> 20), before < 0 ? "-" : String.valueOf(peak.get() >> 20),
                checkSeconds, checked.entries() / checkSeconds, checked.valid() ? "yes" : "NO: " + checked.message()));
    }

    /** One-event commits of CoverReserved after the head, sealed into the chain as the engine seals. */
    private void seed(long count) {
        progress("writing " + count + " events");
        Document last = commits.find().sort(Sorts.descending("_id")).limit(1).first();
        long next = last == null ? 0 : last.getLong("last") + 1;
        byte[] chain = CommitChain.GENESIS;
        for (Document commit : commits.find(new Document("void", new Document("$ne", true)))
                .sort(Sorts.descending("_id")).limit(1)) {
            chain = CommitChain.bytes(commit.getString(CommitChain.FIELD));
        }
        List<Document> batch = new ArrayList<>(1000);
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        for (long i = 0; i < count; i++) {
            long index = next + i;
            String policy = "pol-bench-" + next + "-" + (i % 1000); // aggregates of this round, in sequence
            long sequence = i / 1000;
            Date at = Date.from(now);
            String payload = "{\"policyId\":\"" + policy + "\",\"accountId\":\"acc-bench\",\"claimId\":\"clm-" + i
                    + "\",\"incidentType\":\"WATER\",\"term\":1,\"amount\":{\"amount\":\"1000.00\",\"currency\":"
                    + "\"CNY\"},\"at\":\"" + now + "\"}";
            Document event = new Document("id", "bench-" + index).append("ts", at).append("tsNanos", 0)
                    .append("payloadType", "org.coverledger.events.policy.PolicyApi$CoverReserved")
                    .append("revision", null).append("payload", payload)
                    .append("metaData", "{\"actor\":\"bench\",\"requestId\":\"bench-" + index + "\"}")
                    .append("agg", policy).append("type", "Policy").append("seq", sequence);
            Document commit = new Document("ts", at).append("tsMax", at).append("keys", List.of(policy + "/" + sequence))
                    .append("ids", List.of("bench-" + index)).append("events", List.of(event))
                    .append("_id", index).append("last", index).append("idx", List.of(index));
            chain = CommitChain.linkOf(chain, CommitChain.canonical(commit));
            batch.add(commit.append(CommitChain.FIELD, CommitChain.hex(chain)));
            if (batch.size() == 1000 || i == count - 1) {
                commits.insertMany(batch, new InsertManyOptions().ordered(true));
                batch.clear();
            }
        }
    }

    private long storedEvents() {
        long events = 0;
        for (Document commit : commits.find(new Document("void", new Document("$ne", true)))
                .projection(new Document("ids", 1)).batchSize(1000)) {
            events += commit.getList("ids", String.class).size();
        }
        return events;
    }

    private long commitCount() {
        return commits.countDocuments(new Document("void", new Document("$ne", true)));
    }

    private long recorded() throws Exception {
        return JSON.readTree(get("/api/audit/retention")).get("entries").asLong();
    }

    private long treeSize() throws Exception {
        return JSON.readTree(getJson("/api/audit/digest")).get("treeSize").asLong();
    }

    private String get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(queryUrl + path)).header("Authorization", CORA).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private String getJson(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(queryUrl + path)).header("Authorization", CORA)
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static void progress(String what) {
        System.err.println("[audit-export] " + what);
    }
}
