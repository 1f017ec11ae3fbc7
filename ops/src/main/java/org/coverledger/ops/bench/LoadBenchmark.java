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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.HdrHistogram.Recorder;
import org.bson.Document;
import org.coverledger.ops.EmbeddedMongo;
import org.coverledger.ops.load.LoadDriver;

/**
 * {@code ops/bench --load}: the realistic mix of {@code ops/load} on the embedded default, at 1, 16
 * and 64 clients, beside the raw driver's {@code insertOne} at the same concurrency on the same
 * server in the same run, over stores that already hold 10^4, 10^5 (and 10^6) events of a
 * generated book of business; and what HTTP Basic costs per call against a bearer token. Each
 * size gets a fresh {@code ops/run} on its own data directory, seeded before it starts, and is
 * measured once both sides have caught up and the store is quiet. Not a test: it prints Markdown.
 */
public final class LoadBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The operations of the mix that change something (commands); the rest are reads. */
    private static final Set<String> WRITES = Set.of("register", "quote", "purchase", "claim", "material-request",
            "upload", "submission", "assess");
    private static final List<String> WATCHED = List.of("purchase", "claim", "upload", "policy-list", "claim-progress",
            "audit-read");

    /**
     * The 1-client cell runs this many times as long as the others: one client makes 30-50 calls a
     * second across twelve operations, so a 40 s cell gave each about 130 calls and its p99 was
     * the slowest one or two (the 1-client growth in ops/BENCHMARKS.md, 2026-12-06 late).
     */
    static final int ONE_CLIENT_FACTOR = 4;

    private final Path root;
    /** Leave each size's data directory behind (its logs, and the store to profile again). */
    private boolean keep;
    /** How long a size may take to settle before the run gives up on it (--settle-minutes). */
    private int settleMinutes = 90;
    /**
     * Data directories given with {@code --store SIZE=DIR}: that size runs on the store left there
     * by an earlier run (kept with {@code --keep}, or by a run that did not settle in time) instead
     * of a freshly seeded one. The fold's positions are in the store, so a store that did not
     * settle goes on from where it stopped. Such a directory is never deleted.
     */
    private final Map<Integer, Path> stores = new LinkedHashMap<>();
    private final List<String> report = new ArrayList<>();
    /** Per number of clients, per size, each operation's count, p50 and p99 (the driver's summary). */
    private final Map<Integer, Map<Integer, Map<String, double[]>>> cells = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private LoadBenchmark(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean quick = options.contains("--quick");
        int[] sizes = AnalyticsBenchmark.sizes(args, quick);
        int seconds = quick ? 20 : 40;
        int outAt = options.indexOf("--out");
        LoadBenchmark bench = new LoadBenchmark(Path.of(args[options.indexOf("--root") + 1]));
        bench.keep = options.contains("--keep");
        int settleAt = options.indexOf("--settle-minutes");
        if (settleAt >= 0) {
            bench.settleMinutes = Integer.parseInt(args[settleAt + 1]);
        }
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--store")) {
                String[] sizeAndDir = args[i + 1].split("=", 2);
                Path dir = Path.of(sizeAndDir[1]).toAbsolutePath();
                if (!Files.isDirectory(dir)) {
                    throw new IllegalArgumentException("--store " + args[i + 1] + ": no such data directory");
                }
                bench.stores.put(Integer.parseInt(sizeAndDir[0]), dir);
            }
        }
        bench.report.add("## Load benchmark (issue 15), " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES)
                + (quick ? " (quick)" : ""));
        bench.report.add("");
        bench.report.add("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ". Per size a fresh `ops/run` (embedded MongoDB committing every "
                + "write, both apps) on a data directory seeded first with a generated book of business (three years of "
                + "policies and claims, written through the event store); measured once both sides have caught up "
                + "(every projection, and the command side's timetable, notices and sagas), no timed step is overdue "
                + "and the store has been quiet for 10 s. The mix is `ops/load`'s (bearer tokens; each client is a "
                + "customer who buys, claims, uploads and follows their own objects, with staff's reads), " + seconds
                + " s per cell (" + ONE_CLIENT_FACTOR * seconds + " s at 1 client, so that each operation's p99 there "
                + "is of a few hundred calls rather than the slowest one or two) after 20 s unmeasured at 8 clients. "
                + "Beside each cell, in the same run, the raw driver's "
                + "`insertOne` of a 300-byte document at the same concurrency on the same MongoDB (its own database). "
                + "Writes: the mix's commands (register, quote, purchase, claim, material request, upload, submission, "
                + "assessment).");
        bench.report.add("");
        for (int size : sizes) {
            bench.round(size, seconds);
            System.err.println(String.join("\n", bench.report));
        }
        bench.growth(sizes);
        String text = String.join("\n", bench.report) + "\n";
        System.out.print(text);
        if (outAt >= 0) {
            Files.writeString(Path.of(args[outAt + 1]), text);
        }
        System.exit(0);
    }

    private void round(int size, int seconds) throws Exception {
        Path kept = stores.get(size);
        Path data = kept != null ? kept : Files.createTempDirectory("coverledger-bench-load");
        int mongoPort = EventStoreBenchmark.freePort();
        long started = System.nanoTime();
        long events = 0;
        if (kept == null) {
            Process mongo = EmbeddedMongo.launch(mongoPort, data, "4g");
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
                AnalyticsBenchmark.Book book = new AnalyticsBenchmark.Book(client.getDatabase("coverledger"), size);
                book.write();
                events = book.events;
            } finally {
                mongo.destroy();
                mongo.waitFor(60, TimeUnit.SECONDS);
            }
        }
        double seeding = AuditBenchmark.seconds(started);
        int commandPort = EventStoreBenchmark.freePort();
        int queryPort = EventStoreBenchmark.freePort();
        ProcessBuilder builder = new ProcessBuilder(root.resolve("ops/run").toString()).directory(root.toFile())
                .redirectErrorStream(true).redirectOutput(data.resolve("run.out").toFile());
        builder.environment().remove("MONGODB_URI");
        builder.environment().putAll(Map.of("COVERLEDGER_DATA_DIR", data.toString(), "COMMAND_PORT",
                String.valueOf(commandPort), "QUERY_PORT", String.valueOf(queryPort), "COVERLEDGER_MONGO_PORT",
                String.valueOf(mongoPort)));
        Process run = builder.start();
        boolean settled = false;
        String command = "http://127.0.0.1:" + commandPort;
        String query = "http://127.0.0.1:" + queryPort;
        try {
            awaitRunning(data.resolve("run.out"), run);
            long settle = System.nanoTime();
            long head = awaitQuiet(command, query, mongoPort);
            settled = true;
            double settling = AuditBenchmark.seconds(settle);
            report.add(kept == null
                    ? String.format(Locale.ROOT, "### %,d events stored before the load (seeded in %.0f s; both sides "
                            + "caught up %.0f s after start)", events, seeding, settling)
                    : String.format(Locale.ROOT, "### %,d events stored before the load (a store seeded with a book of "
                            + "%,d by an earlier run and kept, head at position %,d; both sides caught up %.0f s after "
                            + "this start)", size, size, head, settling));
            report.add("");
            LoadDriver driver = new LoadDriver(command, query);
            try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
                // the limit inserts into a collection that starts empty at every size and in every run: on a
                // store kept between runs (--store) the inserts of earlier runs would otherwise pile up in it
                // (110,000 a run), and the limit would be measured on a larger collection each time. Dropped
                // before the warm-up, so that the server's freeing of it falls outside the cells.
                MongoCollection<Document> raw = client.getDatabase("bench_raw").getCollection("inserts");
                raw.drop();
                driver.run(8, Duration.ofSeconds(20)); // the compilers' turn
                String text = "x".repeat(300);
                report.add("| clients | all ops/s | writes/s | p99 ms: " + String.join(" / ", WATCHED)
                        + " | 5xx | raw insertOne/s | writes / raw |");
                report.add("|---:|---:|---:|---|---:|---:|---:|");
                Map<Integer, String> detail = new LinkedHashMap<>();
                for (int clients : new int[] {1, 16, 64}) {
                    int cell = clients == 1 ? ONE_CLIENT_FACTOR * seconds : seconds;
                    String table = driver.run(clients, Duration.ofSeconds(cell));
                    LoadDriver.Summary summary = driver.lastSummary();
                    double rawRate = HttpBenchmark.run(clients, Duration.ofSeconds(Math.max(5, seconds / 2)), () -> {
                        raw.insertOne(new Document("text", text));
                        return true;
                    });
                    double writes = summary.perSecond(WRITES);
                    StringBuilder p99 = new StringBuilder();
                    for (String operation : WATCHED) {
                        double[] op = summary.operations().get(operation);
                        p99.append(p99.length() == 0 ? "" : " / ").append(op == null ? "-" : String.format(Locale.ROOT, "%.0f", op[2]));
                    }
                    report.add(String.format(Locale.ROOT, "| %d | %.0f | %.0f | %s | %s | %.0f | %.1f %% |", clients,
                            summary.perSecond(List.of()), writes, p99, serverErrors(table), rawRate, 100 * writes / rawRate));
                    cells.computeIfAbsent(clients, c -> new LinkedHashMap<>()).put(size, summary.operations());
                    if (clients != 64) {
                        detail.put(clients, table);
                    }
                }
                detail.forEach((clients, table) -> {
                    report.add("");
                    report.add("At " + clientsLabel(clients) + ", every operation:");
                    report.add("");
                    report.add(table);
                });
            }
            basicAgainstBearer(command, query);
        } finally {
            run.destroy(); // SIGTERM: ops/run stops both apps and the database
            if (!run.waitFor(90, TimeUnit.SECONDS)) {
                run.destroyForcibly();
            }
            if (kept != null) {
                System.err.println("The data directory given with --store stays: " + data);
            } else if (keep || !settled) {
                System.err.println("Kept the data directory" + (settled ? " (--keep)" : " (not settled: go on with --store "
                        + size + "=" + data + ")") + ": " + data);
            } else {
                AnalyticsBenchmark.deleteQuietly(data);
            }
        }
    }

    /** The count of 5xx answers in a load report's table (its fifth column), summed. */
    private static String serverErrors(String table) {
        long errors = 0;
        for (String line : table.split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length > 6 && !line.contains("---") && !line.contains("operation") && !line.contains("| all |")) {
                errors += Long.parseLong(cells[5].trim());
            }
        }
        return String.valueOf(errors);
    }

    /** One read (a policy by id, by an underwriter) at 16 clients with HTTP Basic, then with a bearer token. */
    private void basicAgainstBearer(String command, String query) throws Exception {
        String basic = basic("uma", "uma-pass");
        String bearer = bearer(command, "uma", "uma-pass");
        JsonNode page = JSON.readTree(get(query + "/api/policies?size=1", bearer).body());
        String policy = page.path("items").path(0).path("policyId").asText();
        String url = query + "/api/policies/" + policy;
        report.add("");
        report.add("HTTP Basic against a bearer token: `GET /api/policies/{id}` as the underwriter `uma`, 16 clients, "
                + "15 s each, after 5 s unmeasured:");
        report.add("");
        report.add("| authentication | reads/s | p50 ms | p99 ms |");
        report.add("|---|---:|---:|---:|");
        for (String authorization : List.of(bearer, basic)) {
            Recorder latencies = new Recorder(3);
            HttpBenchmark.run(16, Duration.ofSeconds(5), () -> get(url, authorization).statusCode() == 200);
            double rate = HttpBenchmark.run(16, Duration.ofSeconds(15), () -> {
                long start = System.nanoTime();
                boolean fine = get(url, authorization).statusCode() == 200;
                latencies.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                return fine;
            });
            var histogram = latencies.getIntervalHistogram();
            report.add(String.format(Locale.ROOT, "| %s | %.0f | %.1f | %.1f |", authorization.startsWith("Basic")
                    ? "HTTP Basic (a BCrypt check per call)" : "bearer token", rate,
                    histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0));
        }
        report.add("");
    }

    /**
     * How each operation's p50 and p99 moved from the smallest store to the largest, at each
     * number of clients: p50 tells a call that costs more on a larger store from a tail that grew.
     */
    private void growth(int[] sizes) {
        int smallest = sizes[0];
        int largest = sizes[sizes.length - 1];
        if (!cells.containsKey(16) || cells.get(16).size() < 2) {
            return;
        }
        report.add(String.format(Locale.ROOT, "### p50 and p99 as the store grows from %,d to %,d events "
                + "(target for p99: within 2x from 10^4 to 10^6)", smallest, largest));
        cells.forEach((clients, bySize) -> {
            Map<String, double[]> first = bySize.get(smallest);
            Map<String, double[]> last = bySize.get(largest);
            if (first == null || last == null) {
                return;
            }
            report.add("");
            report.add("At " + clientsLabel(clients) + ":");
            report.add("");
            report.add(String.format(Locale.ROOT, "| operation | p50 ms, %,d | p50 ms, %,d | p50 growth | p99 ms, %,d "
                    + "| p99 ms, %,d | p99 growth |", smallest, largest, smallest, largest));
            report.add("|---|---:|---:|---:|---:|---:|---:|");
            for (String operation : first.keySet()) {
                double[] small = first.get(operation);
                double[] large = last.get(operation);
                if (large == null) {
                    continue;
                }
                report.add(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f | %.0f | %.0f | %.1f |", operation,
                        small[1], large[1], large[1] / Math.max(0.001, small[1]), small[2], large[2],
                        large[2] / Math.max(0.001, small[2])));
            }
        });
        report.add("");
    }

    private static String clientsLabel(int clients) {
        return clients + (clients == 1 ? " client" : " clients");
    }

    private HttpResponse<String> get(String url, String authorization) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
                .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitRunning(Path out, Process run) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            if (Files.exists(out) && Files.readString(out).contains("CoverLedger is running")) {
                return;
            }
            if (!run.isAlive()) {
                throw new IllegalStateException("ops/run ended:\n" + Files.readString(out));
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("ops/run did not start:\n" + Files.readString(out));
    }

    /**
     * Waits until the system has settled: every projection caught up with the store's head, the
     * command side's own processors too (the timetable folds every seeded event into timed steps),
     * no timed step overdue by the business clock (the seeded book's past instalments and
     * renewals fire once), and the head unchanged for 10 s. Measuring before that measured the
     * command side's catch-up beside the mix.
     */
    private long awaitQuiet(String command, String query, int mongoPort) throws Exception {
        String admin = bearer(command, "root", "root-pass");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(settleMinutes);
        long lastHead = -1;
        long quietSince = System.nanoTime();
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
            com.mongodb.client.MongoDatabase store = client.getDatabase("coverledger");
            while (System.nanoTime() < deadline) {
                HttpResponse<String> reply = get(query + "/api/admin/projections", admin);
                if (reply.statusCode() == 401) { // the session ran out
                    admin = bearer(command, "root", "root-pass");
                    reply = get(query + "/api/admin/projections", admin);
                }
                JsonNode all = JSON.readTree(reply.body());
                boolean caughtUp = true;
                long head = -1;
                for (JsonNode projection : all) {
                    caughtUp &= projection.path("caughtUp").asBoolean() && projection.path("position").asLong()
                            == projection.path("head").asLong();
                    head = Math.max(head, projection.path("head").asLong());
                }
                caughtUp = caughtUp && commandSideLeast(store) >= head && !anyOverdue(store);
                if (head != lastHead) {
                    lastHead = head;
                    quietSince = System.nanoTime();
                }
                if (caughtUp && System.nanoTime() - quietSince > TimeUnit.SECONDS.toNanos(10)) {
                    return head;
                }
                Thread.sleep(1000);
            }
        }
        throw new IllegalStateException("the system did not settle within " + settleMinutes + " minutes");
    }

    private static String basic(String login, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * An {@code Authorization} header with a bearer token for the login. The settling poll uses
     * one for {@code root}: polled once a second with HTTP Basic, the projections' endpoint cost
     * a password hash a second, a third of the query side's CPU while it folded a seeded store
     * (JFR), which slowed the very settling being waited for.
     */
    private String bearer(String command, String login, String password) throws Exception {
        HttpResponse<String> session = http.send(HttpRequest.newBuilder(URI.create(command + "/api/sessions"))
                .header("Authorization", basic(login, password)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (session.statusCode() != 201) {
            throw new IllegalStateException("no bearer token for " + login + " (" + session.statusCode() + ")");
        }
        return "Bearer " + JSON.readTree(session.body()).get("token").asText();
    }

    /** The command side's tracking processors (their tokens lie beside the projections'). */
    private static final List<String> COMMAND_SIDE_PROCESSORS = List.of("timetable", "notices", "claim-workloads",
            "ClaimSettlementProcessor");
    private static final java.util.regex.Pattern CURRENT = java.util.regex.Pattern.compile(
            "\"currentToken\"\\s*:\\s*\\{[^}]*\"globalIndex\"\\s*:\\s*(\\d+)");
    private static final java.util.regex.Pattern INDEX = java.util.regex.Pattern.compile(
            "\"globalIndex\"\\s*:\\s*(\\d+)");

    /** The least position of the command side's processors, from their tokens (-1 for one not started). */
    static long commandSideLeast(com.mongodb.client.MongoDatabase store) {
        long least = Long.MAX_VALUE;
        int seen = 0;
        for (Document token : store.getCollection("trackingtokens").find(
                com.mongodb.client.model.Filters.in("processorName", COMMAND_SIDE_PROCESSORS))) {
            seen++;
            Object stored = token.get("token");
            String json = stored instanceof org.bson.types.Binary binary
                    ? new String(binary.getData(), StandardCharsets.UTF_8) : String.valueOf(stored);
            java.util.regex.Matcher current = CURRENT.matcher(json); // a replay: where it is, not where it will end
            java.util.regex.Matcher index = INDEX.matcher(json);
            long position = current.find() ? Long.parseLong(current.group(1))
                    : index.find() ? Long.parseLong(index.group(1)) : -1;
            least = Math.min(least, position);
        }
        return seen < COMMAND_SIDE_PROCESSORS.size() ? -1 : least;
    }

    /**
     * Whether a timed step due by now has not been fired yet (the question the runner's gauge asks,
     * asked here by the wire: ops runs the command side as a process, not as a library). A count
     * stopped at the first: counting them all once a second, over a backlog of 150,000, took 8 % of
     * the embedded server while the projections folded 10^6 events.
     */
    static boolean anyOverdue(com.mongodb.client.MongoDatabase store) {
        Document counted = store.runCommand(new Document("count", "timed_steps").append("query",
                new Document("state", "DUE").append("dueAt", new Document("$lte", new java.util.Date())))
                .append("limit", 1));
        return ((Number) counted.get("n")).longValue() > 0;
    }
}
