package org.coverledger.ops.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.Document;

/**
 * The command path over HTTP against a running system (started by {@code ops/bench --http} as
 * {@code ops/run} starts it, on its own data directory and ports): policy changes spread over
 * 200 policies with bearer tokens, at 1, 16 and 64 clients, beside the raw driver's
 * {@code insertOne} rate at the same concurrency on the same MongoDB in the same run; and how
 * long a change takes to show on the query side (read-your-writes: the query carries the
 * command's {@code X-Event-Position} as {@code X-Min-Position} and is answered once the
 * projection has it), at rest and under 16 clients of load. Prints a Markdown report.
 *
 * <p>Arguments: command URL, query URL, MongoDB port, then {@code [--quick] [--out FILE]}.
 */
public final class HttpBenchmark {

    private static final int POLICIES = 200;
    private static final Pattern POLICY_ID = Pattern.compile("\"policyId\":\"([^\"]+)\"");
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");
    private static final Pattern QUOTE_ID = Pattern.compile("\"quoteId\":\"([^\"]+)\"");
    private static final Pattern CARD_ID = Pattern.compile("\"cardId\":\"([^\"]+)\"");
    /** A card the simulated gateway pays from (a random one, so that a second run on the same data binds anew). */
    private static final String SEED_CARD = withCheckDigit("622202" + String.format("%08d",
            ThreadLocalRandom.current().nextInt(100_000_000)) + (1 + ThreadLocalRandom.current().nextInt(9)));
    private static final String ALICE_ACCOUNT = "b560e476-47f0-32bf-ae87-197f117f6ebe";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .executor(Executors.newFixedThreadPool(8)).build();
    private final String commandUrl;
    private final String queryUrl;
    private final String token;
    private final List<String> policies = new ArrayList<>();
    private final List<String> report = new ArrayList<>();

    private HttpBenchmark(String commandUrl, String queryUrl) throws Exception {
        this.commandUrl = commandUrl;
        this.queryUrl = queryUrl;
        this.token = login("uma", "uma-pass");
    }

    /** The arguments {@code ops/bench} gives a benchmark against a running system. */
    record Target(String commandUrl, String queryUrl, int mongoPort, boolean quick, Path out, List<String> options) {
        static Target of(String[] args) {
            List<String> options = Arrays.asList(args);
            int out = options.indexOf("--out");
            return new Target(args[0], args[1], Integer.parseInt(args[2]), options.contains("--quick"),
                    out < 0 ? null : Path.of(args[out + 1]), options);
        }

        /** The value after the option, or null where it is missing or blank. */
        String option(String name) {
            int at = options.indexOf(name);
            return at < 0 || at + 1 >= options.size() || options.get(at + 1).isBlank() ? null : options.get(at + 1);
        }

        /** Prints the report, writes it to the --out file if one was given, and ends the JVM. */
        void finish(List<String> report) throws IOException {
            String text = String.join("\n", report) + "\n";
            System.out.print(text);
            if (out != null) {
                Files.writeString(out, text);
            }
            System.exit(0);
        }
    }

    public static void main(String[] args) throws Exception {
        Target target = Target.of(args);
        String commandUrl = target.commandUrl();
        String queryUrl = target.queryUrl();
        int mongoPort = target.mongoPort();
        boolean quick = target.quick();
        Duration window = Duration.ofSeconds(quick ? 5 : 15);
        HttpBenchmark bench = new HttpBenchmark(commandUrl, queryUrl);
        bench.cpu = new CpuTimes(target.option("--pids"));
        bench.seed();
        bench.report.add("## Command path over HTTP, " + LocalDateTime.now().withNano(0));
        bench.report.add("");
        bench.report.add(String.format(Locale.ROOT, "Machine: %d cores, Java %s. A fresh `ops/run` (embedded MongoDB "
                + "committing every write, both apps) on its own data directory; this client in another process. "
                + "Policy changes (`POST /api/policies/{id}/changes`, a new beneficiary) as the underwriter `uma` "
                + "with a bearer token, spread over %d policies; %s per cell. The raw driver's `insertOne` of a "
                + "300-byte document runs on the same MongoDB, in its own database, right after each cell.",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), POLICIES,
                window.toSeconds() + " s"));
        bench.report.add("");
        Duration warmUp = Duration.ofSeconds(quick ? 20 : 60);
        bench.warmUp(warmUp);
        bench.report.add("Before the first cell, " + warmUp.toSeconds() + " s of the same changes and reads at 8 "
                + "clients, not measured, so that the JVMs' compilers have done their work (a fresh JVM answers "
                + "its first thousand requests several times slower).");
        bench.report.add("");
        if (bench.positionsAnswered()) {
            bench.lag("at rest", quick ? 40 : 100, null);
        }
        try (MongoClient mongo = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
            MongoCollection<Document> raw = mongo.getDatabase("bench-raw").getCollection("inserts");
            bench.throughput(new int[] {1, 16, 64}, window, raw);
        }
        if (bench.positionsAnswered()) {
            bench.awaitCaughtUp();
            bench.lagUnderLoad(16, quick ? 40 : 100);
        }
        target.finish(bench.report);
    }

    // ---------------------------------------------------------------- set-up

    private String login(String user, String password) throws Exception {
        return login(http, commandUrl, user, password);
    }

    /** A bearer token for the login, from {@code POST /api/sessions} with HTTP Basic. */
    static String login(HttpClient http, String commandUrl, String user, String password) throws Exception {
        String basic = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(commandUrl + "/api/sessions"))
                .header("Authorization", "Basic " + basic).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher token = TOKEN.matcher(reply.body());
        if (reply.statusCode() != 201 || !token.find()) {
            throw new IllegalStateException("login failed: " + reply.statusCode() + " " + reply.body());
        }
        return token.group(1);
    }

    /** The number followed by its Luhn check digit. */
    static String withCheckDigit(String number) {
        int sum = 0;
        for (int i = 0; i < number.length(); i++) {
            int digit = number.charAt(number.length() - 1 - i) - '0';
            if (i % 2 == 0) {
                digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
            }
            sum += digit;
        }
        return number + (10 - sum % 10) % 10;
    }

    /** alice buys the policies the way a customer does: a home-cover quote from today, paid with a bound card. */
    private void seed() throws Exception {
        String alice = login("alice", "alice-pass");
        String card = bindCard(http, commandUrl, alice);
        for (int i = 0; i < POLICIES; i++) {
            policies.add(buyPolicy(http, commandUrl, alice, card));
        }
    }

    /** alice (her bearer token) binds a fresh card the simulated gateway pays from: its card id. */
    static String bindCard(HttpClient http, String commandUrl, String alice) throws Exception {
        HttpResponse<String> bound = post(http, commandUrl, alice, "/api/accounts/" + ALICE_ACCOUNT + "/cards",
                "{\"bankCardNumber\":\"" + SEED_CARD + "\"}");
        Matcher card = CARD_ID.matcher(bound.body());
        if (bound.statusCode() != 201 || !card.find()) {
            throw new IllegalStateException("binding a card failed: " + bound.statusCode() + " " + bound.body());
        }
        return card.group(1);
    }

    /** alice buys a home-cover policy from today (a quote, then its purchase paid with the card): its id. */
    static String buyPolicy(HttpClient http, String commandUrl, String alice, String cardId) throws Exception {
        String start = java.time.LocalDate.now(java.time.ZoneId.of("Asia/Shanghai")).toString();
        HttpResponse<String> quoted = post(http, commandUrl, alice, "/api/quotes", """
                {"accountId":"%s","product":"PROPERTY","sumInsured":"500000","startDate":"%s","termMonths":12,
                 "insured":{"name":"Alice Wang","nationalId":"11010519491231002X","relationship":"SELF"},
                 "declarations":{"address":"1 Chang'an Avenue, Beijing","propertyValue":"800000",
                                 "woodenStructure":"false","floodZone":"false"}}""".formatted(ALICE_ACCOUNT, start));
        Matcher quote = QUOTE_ID.matcher(quoted.body());
        if (quoted.statusCode() != 201 || !quote.find()) {
            throw new IllegalStateException("a quote failed: " + quoted.statusCode() + " " + quoted.body());
        }
        HttpResponse<String> reply = post(http, commandUrl, alice, "/api/quotes/" + quote.group(1) + "/purchase", """
                {"acceptedTermsVersion":"2026-11","paymentCardId":"%s","paymentPlan":"ANNUAL"}""".formatted(cardId));
        Matcher id = POLICY_ID.matcher(reply.body());
        if (reply.statusCode() != 201 || !id.find()) {
            throw new IllegalStateException("buying a policy failed: " + reply.statusCode() + " " + reply.body());
        }
        return id.group(1);
    }

    /** Changes and read-your-writes reads at 8 clients, unmeasured, then a pause until the query side has them all. */
    private void warmUp(Duration duration) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(8);
        long end = System.nanoTime() + duration.toNanos();
        for (int i = 0; i < 8; i++) {
            clients.submit(() -> {
                while (System.nanoTime() < end) {
                    String policyId = randomPolicy();
                    HttpResponse<String> changed = change(policyId);
                    String position = changed.headers().firstValue("X-Event-Position").orElse("0");
                    http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/api/policies/" + policyId))
                            .header("Authorization", "Bearer " + token).header("X-Min-Position", position).GET()
                            .build(), HttpResponse.BodyHandlers.discarding());
                }
                return null;
            });
        }
        clients.shutdown();
        clients.awaitTermination(duration.toSeconds() + 60, TimeUnit.SECONDS);
        Thread.sleep(2000);
    }

    /** Whether commands answer with X-Event-Position (versions before it are measured for throughput only). */
    private boolean positionsAnswered() throws Exception {
        return change(randomPolicy()).headers().firstValue("X-Event-Position").isPresent();
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return post(token, path, json);
    }

    private HttpResponse<String> post(String bearer, String path, String json) throws Exception {
        return post(http, commandUrl, bearer, path, json);
    }

    /** A JSON POST to the command side with a bearer token. */
    static HttpResponse<String> post(HttpClient http, String commandUrl, String bearer, String path, String json)
            throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(commandUrl + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> change(String policyId) throws Exception {
        return post("/api/policies/" + policyId + "/changes",
                "{\"beneficiary\":\"Beneficiary " + ThreadLocalRandom.current().nextInt(1_000_000) + "\"}");
    }

    private String randomPolicy() {
        return policies.get(ThreadLocalRandom.current().nextInt(policies.size()));
    }

    // ---------------------------------------------------------------- throughput

    private record Cell(int clients, double perSecond, double p50, double p99, long refused, double rawPerSecond,
                        Map<String, Double> cpuPerChange, Map<String, Double> cpuPerInsert) {
    }

    private CpuTimes cpu = new CpuTimes(null);

    private void throughput(int[] clientCounts, Duration window, MongoCollection<Document> raw) throws Exception {
        List<Cell> cells = new ArrayList<>();
        for (int clients : clientCounts) {
            List<Double> ms = new ArrayList<>();
            long[] refused = {0};
            Map<String, Double> cpuBefore = cpu.now();
            double perSecond = run(clients, window, () -> {
                long start = System.nanoTime();
                HttpResponse<String> reply = change(randomPolicy());
                double took = (System.nanoTime() - start) / 1e6;
                synchronized (ms) {
                    if (reply.statusCode() == 202) {
                        ms.add(took);
                    } else {
                        refused[0]++;
                    }
                }
                return reply.statusCode() == 202;
            });
            Map<String, Double> cpuPerChange = CpuTimes.perOperation(cpuBefore, cpu.now(), ms.size() + refused[0]);
            String text = "x".repeat(300);
            AtomicLong inserts = new AtomicLong();
            cpuBefore = cpu.now();
            double rawPerSecond = run(clients, window, () -> {
                raw.insertOne(new Document("text", text));
                inserts.incrementAndGet();
                return true;
            });
            Map<String, Double> cpuPerInsert = CpuTimes.perOperation(cpuBefore, cpu.now(), inserts.get());
            double[] sorted = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            cells.add(new Cell(clients, perSecond, percentile(sorted, 0.5), percentile(sorted, 0.99), refused[0],
                    rawPerSecond, cpuPerChange, cpuPerInsert));
        }
        report.add("### Policy changes over HTTP against the raw driver's insert rate");
        report.add("");
        report.add("| clients | commands/s | p50 ms | p99 ms | refused (409 after retries) | raw insertOne/s | commands / raw |");
        report.add("|---:|---:|---:|---:|---:|---:|---:|");
        for (Cell cell : cells) {
            report.add(String.format(Locale.ROOT, "| %d | %.0f | %.1f | %.1f | %d | %.0f | %.0f%% |", cell.clients(),
                    cell.perSecond(), cell.p50(), cell.p99(), cell.refused(), cell.rawPerSecond(),
                    100 * cell.perSecond() / cell.rawPerSecond()));
        }
        report.add("");
        if (cpu.watchesSystem()) {
            cpuReport(cells);
        }
    }

    /**
     * What one change and one raw insert cost each process in CPU (from /proc), and the rate the
     * machine's cores could serve at that cost if nothing ever waited: the ceiling no removal of
     * waits can pass.
     */
    private void cpuReport(List<Cell> cells) {
        int cores = Runtime.getRuntime().availableProcessors();
        report.add("### CPU per operation (user + system time of each process, from /proc)");
        report.add("");
        List<String> names = new ArrayList<>(cells.get(0).cpuPerChange().keySet());
        StringBuilder header = new StringBuilder("| clients | operation |");
        StringBuilder rule = new StringBuilder("|---:|---|");
        for (String name : names) {
            header.append(' ').append(name).append(" ms |");
            rule.append("---:|");
        }
        header.append(" all ms | ceiling of ").append(cores).append(" cores, ops/s |");
        rule.append("---:|---:|");
        report.add(header.toString());
        report.add(rule.toString());
        for (Cell cell : cells) {
            cpuRow(cell.clients(), "policy change over HTTP", names, cell.cpuPerChange(), cores);
            cpuRow(cell.clients(), "raw insertOne", names, cell.cpuPerInsert(), cores);
        }
        report.add("");
        Cell sixteen = cells.stream().filter(c -> c.clients() == 16).findFirst().orElse(cells.get(cells.size() - 1));
        double all = sixteen.cpuPerChange().values().stream().mapToDouble(Double::doubleValue).sum();
        double target = 0.4 * sixteen.rawPerSecond();
        report.add(String.format(Locale.ROOT, "At %d clients, 40 %% of the raw rate is %.0f changes/s; at that rate "
                + "the %d cores allow %.2f ms of CPU per change in all the processes together, and a change costs "
                + "%.2f ms now.", sixteen.clients(), target, cores, cores * 1000 / target, all));
        report.add("");
    }

    private void cpuRow(int clients, String operation, List<String> names, Map<String, Double> per, int cores) {
        StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %d | %s |", clients, operation));
        double all = 0;
        for (String name : names) {
            Double ms = per.get(name);
            row.append(ms == null ? " - |" : String.format(Locale.ROOT, " %.2f |", ms));
            all += ms == null ? 0 : ms;
        }
        row.append(String.format(Locale.ROOT, " %.2f | %.0f |", all, all > 0 ? cores * 1000 / all : Double.NaN));
        report.add(row.toString());
    }

    @FunctionalInterface
    interface Call {
        boolean call() throws Exception;
    }

    /** Runs the call from {@code clients} threads for the window; returns successful calls per second. */
    static double run(int clients, Duration window, Call call) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong done = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Exception> failures = new ConcurrentLinkedQueue<>();
        long start = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            pool.submit(() -> {
                while (!stop.get()) {
                    try {
                        if (call.call()) {
                            done.incrementAndGet();
                        }
                    } catch (Exception e) {
                        failures.add(e);
                        return;
                    }
                }
            });
        }
        Thread.sleep(window.toMillis());
        stop.set(true);
        pool.shutdown();
        pool.awaitTermination(60, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!failures.isEmpty()) {
            throw new IllegalStateException("calls failed", failures.peek());
        }
        return done.get() / seconds;
    }

    // ---------------------------------------------------------------- lag

    /** Time from a change's acknowledgement until the query side answers with it (read-your-writes). */
    private double[] lagSamples(int samples) throws Exception {
        double[] ms = new double[samples];
        for (int i = 0; i < samples; i++) {
            String policyId = randomPolicy();
            HttpResponse<String> changed = change(policyId);
            long acknowledged = System.nanoTime();
            String position = changed.headers().firstValue("X-Event-Position").orElseThrow(
                    () -> new IllegalStateException("no X-Event-Position: " + changed.statusCode() + " " + changed.body()));
            HttpResponse<String> view = http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/api/policies/" + policyId))
                    .header("Authorization", "Bearer " + token).header("X-Min-Position", position).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            ms[i] = (System.nanoTime() - acknowledged) / 1e6;
            if (view.headers().firstValue("X-Stale").isPresent()) {
                ms[i] = Double.POSITIVE_INFINITY; // not there within the query side's bound (2 s)
                stale++;
                staleBehind += Long.parseLong(position)
                        - Long.parseLong(view.headers().firstValue("X-Projection-Position").orElse("-1"));
            }
            Thread.sleep(50 + ThreadLocalRandom.current().nextInt(50)); // at rest between samples
        }
        Arrays.sort(ms);
        return ms;
    }

    private int stale;
    private long staleBehind;

    private void lag(String title, int samples, String note) throws Exception {
        stale = 0;
        staleBehind = 0;
        double[] ms = lagSamples(samples);
        report.add("### Change visible on the query side, " + title);
        report.add("");
        report.add("From the command's acknowledgement until a `GET /api/policies/{id}` with `X-Min-Position` "
                + "answers (the GET's own round trip included), " + samples + " samples"
                + (note == null ? "" : ", " + note) + ":");
        report.add("");
        report.add("| p50 ms | p99 ms | max ms |");
        report.add("|---:|---:|---:|");
        report.add(String.format(Locale.ROOT, "| %.1f | %.1f | %.1f |", percentile(ms, 0.5), percentile(ms, 0.99),
                ms[ms.length - 1]));
        report.add("");
        if (stale > 0) {
            report.add(String.format(Locale.ROOT, "%d of %d answers were stale after the 2 s bound (Infinity above); "
                    + "the projection was then on average %.0f events behind.", stale, samples,
                    (double) staleBehind / stale));
            report.add("");
        }
    }

    /** Waits (bounded) until the policy projection has every change made so far, so that lag is not backlog. */
    private void awaitCaughtUp() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> last = change(randomPolicy());
        String position = last.headers().firstValue("X-Event-Position").orElse(null);
        while (position != null && System.nanoTime() - start < TimeUnit.MINUTES.toNanos(3)) {
            HttpResponse<String> view = http.send(HttpRequest.newBuilder(URI.create(queryUrl + "/api/policies?size=1"))
                    .header("Authorization", "Bearer " + token).header("X-Min-Position", position).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (view.headers().firstValue("X-Stale").isEmpty()) {
                break;
            }
        }
        report.add(String.format(Locale.ROOT, "(The query side took %.1f s after the throughput cells to catch up "
                + "with their backlog.)", (System.nanoTime() - start) / 1e9));
        report.add("");
    }

    private void lagUnderLoad(int clients, int samples) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(clients);
        AtomicLong changes = new AtomicLong();
        for (int i = 0; i < clients; i++) {
            load.submit(() -> {
                while (!stop.get()) {
                    try {
                        if (change(randomPolicy()).statusCode() == 202) {
                            changes.incrementAndGet();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
        }
        Thread.sleep(2000);
        long start = System.nanoTime();
        long before = changes.get();
        try {
            lag("under " + clients + " clients of load", samples, null);
        } finally {
            double rate = (changes.get() - before) / ((System.nanoTime() - start) / 1e9);
            stop.set(true);
            load.shutdown();
            load.awaitTermination(60, TimeUnit.SECONDS);
            report.add(String.format(Locale.ROOT, "(The load ran at %.0f changes/s meanwhile.)", rate));
            report.add("");
        }
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p) - 1)];
    }
}
