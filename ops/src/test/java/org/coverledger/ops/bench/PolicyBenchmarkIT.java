package org.coverledger.ops.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.coverledger.ops.BenchmarkAccess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Not a test: a benchmark of the policy core, run on demand by {@code ops/bench --policies}
 * (skipped in {@code mvn verify}). On a fresh system with a movable clock it measures, beside
 * the raw driver's rate and latency on the same embedded MongoDB in the same run: how many due
 * timed steps per second the scheduler fires (each a real command that appends an event), with
 * one and with two command-side instances; and quote and purchase latency over HTTP. It asserts
 * only that every step fired once, never a timing.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class PolicyBenchmarkIT {

    @TempDir
    Path data;

    @Test
    void policies() throws Exception {
        boolean quick = Boolean.getBoolean("benchmark.quick");
        int policies = quick ? 200 : 600;
        List<String> report = new ArrayList<>();
        report.add("## Policy core benchmark, " + LocalDateTime.now().withNano(0) + (quick ? " (quick)" : ""));
        report.add("");
        report.add(String.format(Locale.ROOT, "Machine: %d cores, Java %s. One JVM runs the embedded MongoDB (H2 "
                + "backend committing every write) and the apps, as the integration tests do, with a clock the "
                + "benchmark moves; this client talks HTTP to them over loopback, as a customer with a session's bearer token. The raw driver's figures are "
                + "taken on the same MongoDB, in its own database, in the same run.",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version")));
        report.add("");
        try (BenchmarkAccess system = BenchmarkAccess.start(data)) {
            // ---- quote and purchase latency, one client after another; half the policies start tomorrow, half the day after
            List<Double> quoteMs = new ArrayList<>();
            List<Double> purchaseMs = new ArrayList<>();
            LocalDate tomorrow = system.today().plusDays(1);
            List<String> first = new ArrayList<>();
            List<String> second = new ArrayList<>();
            for (int i = 0; i < policies; i++) {
                long t0 = System.nanoTime();
                String quoteId = system.quote(i % 2 == 0 ? tomorrow : tomorrow.plusDays(1));
                long t1 = System.nanoTime();
                (i % 2 == 0 ? first : second).add(system.purchase(quoteId));
                long t2 = System.nanoTime();
                quoteMs.add((t1 - t0) / 1e6);
                purchaseMs.add((t2 - t1) / 1e6);
            }
            List<Double> rawMs = new ArrayList<>();
            try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
                MongoCollection<Document> raw = client.getDatabase("bench-raw").getCollection("inserts");
                for (int i = 0; i < policies; i++) {
                    long t0 = System.nanoTime();
                    raw.insertOne(new Document("i", i).append("text", "x".repeat(300)));
                    rawMs.add((System.nanoTime() - t0) / 1e6);
                }
            }
            int warm = policies / 4; // the first quarter warms the JVM's compilers, and is not counted
            report.add("### Quote and purchase over HTTP (" + (policies - warm) + " of each, one client, after "
                    + warm + " unmeasured)");
            report.add("");
            report.add("A quote is `POST /api/quotes` (home cover, priced by the rules: one event); a purchase is "
                    + "`POST /api/quotes/{id}/purchase` (the simulated gateway's record, then QuotePurchased, "
                    + "PolicyIssued in one commit). Beside them the raw driver's `insertOne` of a 300-byte document.");
            report.add("");
            report.add("| operation | p50 ms | p99 ms | p50 / raw p50 |");
            report.add("|---|---:|---:|---:|");
            double rawP50 = percentile(rawMs.subList(warm, rawMs.size()), 0.5);
            report.add(row("quote", quoteMs.subList(warm, quoteMs.size()), rawP50));
            report.add(row("purchase", purchaseMs.subList(warm, purchaseMs.size()), rawP50));
            report.add(row("raw insertOne", rawMs.subList(warm, rawMs.size()), rawP50));
            report.add("");

            // ---- due steps: half the policies start with one command side, the rest with two
            report.add("### Timed steps fired per second");
            report.add("");
            report.add("Half the policies above start tomorrow, half the day after: each one's `policy-start` step "
                    + "(StartCover, appending PolicyStarted) falls due when the clock is moved to that day's 00:00, "
                    + "the first half with one command-side instance, the second with two. Measured from the move to "
                    + "the last step recorded DONE (polling `timed_steps` with the raw driver every 100 ms, so to within 0.1 s). The raw "
                    + "driver's compare-and-set `updateOne` rate on one document per step, one thread, is the limit "
                    + "beside it (a step needs at least its claim and its record, plus the command's append).");
            report.add("");
            report.add("| command-side instances | steps | seconds | steps/s | raw updateOne/s | steps/s / raw |");
            report.add("|---:|---:|---:|---:|---:|---:|");
            double rawUpdates = system.rawUpdateRate(2000);
            ZoneId zone = ZoneId.of("Asia/Shanghai");
            double one = system.fireAndWait(first, tomorrow.atStartOfDay(zone).toInstant().plusSeconds(1));
            report.add(String.format(Locale.ROOT, "| 1 | %d | %.1f | %.0f | %.0f | %.1f%% |", first.size(), one,
                    first.size() / one, rawUpdates, 100 * first.size() / one / rawUpdates));
            system.startSecondCommandSide();
            double two = system.fireAndWait(second, tomorrow.plusDays(1).atStartOfDay(zone).toInstant().plusSeconds(1));
            report.add(String.format(Locale.ROOT, "| 2 | %d | %.1f | %.0f | %.0f | %.1f%% |", second.size(), two,
                    second.size() / two, rawUpdates, 100 * second.size() / two / rawUpdates));
            report.add("");
            List<String> bought = new ArrayList<>(first);
            bought.addAll(second);
            for (String policyId : bought) {
                assertThat(system.eventsOf(policyId)).as(policyId).containsExactly("PolicyIssued", "PolicyStarted");
            }
            report.add("Every step fired once: each policy holds exactly one PolicyStarted.");
            report.add("");
        }
        String text = String.join("\n", report) + "\n";
        System.out.print(text);
        String out = System.getProperty("benchmark.out");
        if (out != null && !out.isBlank()) {
            Files.writeString(Path.of(out), text);
        }
    }

    private static String row(String name, List<Double> ms, double rawP50) {
        double p50 = percentile(ms, 0.5);
        return String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f× |", name, p50, percentile(ms, 0.99), p50 / rawP50);
    }

    private static double percentile(List<Double> values, double p) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, Math.max(0, (int) Math.ceil(sorted.length * p) - 1))];
    }
}
