package org.coverledger.ops.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.bson.Document;
import org.coverledger.events.claim.ClaimApi;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.identity.AccessTokens;
import org.coverledger.ops.EmbeddedMongo;
import org.coverledger.privacy.SubjectKeys;

/**
 * {@code ops/bench --analytics [--quick]}: the analysts' reports as the book grows. For each size
 * (10^4, 10^5 and, in full, 10^6 events) a fresh embedded MongoDB gets a realistic book written
 * through the event store (products mix, monthly and annual plans, missed instalments, lapses and
 * reinstatements, cancellations inside and after cooling-off, renewals and expiries, claims with
 * materials loops, decisions, payouts and withdrawals, over three years of business time, each day
 * in time order); then the query side alone (no command side, whose timetable would act on the
 * generated policies) folds it, and the benchmark measures over HTTP each report's p50/p99 beside
 * the raw driver's read of the documents a report reads, and the analytics projection's rebuild
 * beside the raw driver's read of the whole event store, both in the same run. Not a test: it
 * asserts nothing and prints a Markdown report.
 */
public final class AnalyticsBenchmark {

    private static final ZoneId ZONE = ZoneId.of("Asia/Shanghai");
    private static final LocalDate FIRST_DAY = LocalDate.parse("2023-12-01");
    private static final LocalDate LAST_DAY = LocalDate.parse("2026-11-30");
    /** The development master key of coverledger-common.properties: the query side opens what it seals. */
    private static final String DEV_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS1jaGFuZ2UtbWUhISE=";

    private final List<String> report = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    public static void main(String[] args) throws Exception {
        List<String> options = Arrays.asList(args);
        boolean quick = options.contains("--quick");
        int out = options.indexOf("--out");
        int jarAt = options.indexOf("--query-jar");
        Path queryJar = Path.of(args[jarAt + 1]);
        AnalyticsBenchmark bench = new AnalyticsBenchmark();
        bench.report.add("## Analytics benchmark (issue 14), " + LocalDateTime.now().truncatedTo(ChronoUnit.MINUTES)
                + (quick ? " (quick)" : ""));
        bench.report.add("");
        bench.report.add("Machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ". Per size a fresh embedded MongoDB in its own process (every "
                + "write committed to disk), the book written through the event store by this process, then the query "
                + "side alone (its own JVM, the embedded profile) folding it; reports asked over HTTP with an analyst's "
                + "bearer token, 100 times each after 20 unmeasured, one client. The limits, measured in the same run: "
                + "the raw driver's `find()` of the whole `analytics_days` collection (what every report reads) and "
                + "of the whole `event_commits` collection (what a rebuild reads). The query side folds the analytics "
                + "alone: its other projections are switched to Axon's subscribing mode on the local bus, which carries "
                + "nothing on the query side, so they neither read the store nor share the two cores.");
        bench.report.add("");
        int[] sizes = sizes(args, quick);
        for (int size : sizes) {
            bench.round(size, queryJar);
            System.err.println(String.join("\n", bench.report));
        }
        String text = String.join("\n", bench.report) + "\n";
        System.out.print(text);
        if (out >= 0) {
            Files.writeString(Path.of(args[out + 1]), text);
        }
        System.exit(0);
    }

    private void round(int size, Path queryJar) throws Exception {
        Path data = Files.createTempDirectory("coverledger-bench-analytics");
        int mongoPort = EventStoreBenchmark.freePort();
        int queryPort = EventStoreBenchmark.freePort();
        Process mongo = EmbeddedMongo.launch(mongoPort, data, "4g");
        Process query = null;
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
            MongoDatabase database = client.getDatabase("coverledger");
            long started = System.nanoTime();
            Book book = new Book(database, size);
            book.write();
            double writing = AuditBenchmark.seconds(started);
            System.err.printf(Locale.ROOT, "[analytics] %,d events written in %.0f s%n", book.events, writing);

            query = startQuerySide(queryJar, mongoPort, queryPort, data);
            String base = "http://127.0.0.1:" + queryPort;
            AccessTokens tokens = new AccessTokens(database, Duration.ofHours(8), Clock.systemUTC());
            String analyst = tokens.issue(new AccessTokens.Holder("ana", List.of("ANALYST"), false)).token();
            String admin = tokens.issue(new AccessTokens.Holder("root", List.of("ADMIN"), false)).token();
            long foldStart = System.nanoTime();
            awaitCaughtUp(base, admin, Duration.ofMinutes(60));
            double firstFold = AuditBenchmark.seconds(foldStart);

            report.add(String.format(Locale.ROOT, "### %,d events (%,d policies, %,d claims, three years; written "
                    + "in %.0f s)", book.events, book.policies, book.claims, writing));
            report.add("");
            // the reports, beside the raw read of what they read
            double[] raw = timings(20, 100, () -> {
                long count = 0;
                for (Document ignored : database.getCollection("analytics_days").find()) {
                    count++;
                }
                return count;
            });
            long days = database.getCollection("analytics_days").countDocuments();
            report.add(String.format(Locale.ROOT, "Reports (%,d day-and-product documents):", days));
            report.add("");
            report.add("| request | p50 ms | p99 ms | p50 / raw read's p50 |");
            report.add("|---|---:|---:|---:|");
            report.add(String.format(Locale.ROOT, "| raw driver: `find()` of `analytics_days` (the limit) | %.1f | %.1f | 100%% |",
                    raw[0], raw[1]));
            Map<String, String> requests = new LinkedHashMap<>();
            requests.put("portfolio, 12 months", "/api/analytics/portfolio");
            requests.put("claims, 12 months", "/api/analytics/claims");
            requests.put("cycle-times, 12 months", "/api/analytics/cycle-times");
            requests.put("adjusters, 12 months", "/api/analytics/adjusters");
            requests.put("portfolio, three years by day", "/api/analytics/portfolio?groupBy=day&from=" + FIRST_DAY
                    + "&to=" + LAST_DAY);
            requests.put("claims, three years by week, HEALTH", "/api/analytics/claims?groupBy=week&product=HEALTH&from="
                    + FIRST_DAY + "&to=" + LAST_DAY);
            requests.put("portfolio as of a moment in 2025", "/api/analytics/portfolio?asOf=2025-06-15T04:00:00Z"
                    + "&to=2025-06-15");
            requests.put("CSV: claims, 12 months", "/api/analytics/claims|csv");
            for (Map.Entry<String, String> request : requests.entrySet()) {
                String[] path = request.getValue().split("\\|");
                String accept = path.length > 1 ? "text/csv" : "application/json";
                double[] timing = timings(20, 100, () -> get(base + path[0], analyst, accept).length());
                report.add(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.0f%% |", request.getKey(), timing[0],
                        timing[1], 100 * timing[0] / raw[0]));
            }
            report.add("");

            // the rebuild, beside the raw read of the whole store
            long rawStart = System.nanoTime();
            long stored = 0;
            for (Document commit : database.getCollection(MongoCommitLogEngine.COMMITS).find().batchSize(1000)) {
                stored += commit.getList("events", Document.class, List.of()).size();
            }
            double rawRate = stored / AuditBenchmark.seconds(rawStart);
            long rebuildStart = System.nanoTime();
            HttpResponse<String> rebuilt = send(HttpRequest.newBuilder(URI.create(base
                    + "/api/admin/projections/analytics/rebuild")).header("Authorization", "Bearer " + admin)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            if (rebuilt.statusCode() >= 300) {
                throw new IllegalStateException("rebuild refused: " + rebuilt.statusCode() + " " + rebuilt.body());
            }
            Thread.sleep(500);
            awaitCaughtUp(base, admin, Duration.ofMinutes(60));
            double rebuild = AuditBenchmark.seconds(rebuildStart);
            report.add("| | s | events/s | of the raw read |");
            report.add("|---|---:|---:|---:|");
            report.add(String.format(Locale.ROOT, "| raw driver: whole `event_commits` read (the limit) | %.1f | %.0f | 100%% |",
                    stored / rawRate, rawRate));
            report.add(String.format(Locale.ROOT, "| analytics rebuilt alone (`POST .../analytics/rebuild` until caught up) "
                    + "| %.1f | %.0f | %.0f%% |", rebuild, book.events / rebuild, 100 * book.events / rebuild / rawRate));
            report.add(String.format(Locale.ROOT, "| analytics from zero at the query side's first start | %.1f | %.0f "
                    + "| %.0f%% |", firstFold, book.events / firstFold, 100 * book.events / firstFold / rawRate));
            report.add("");
        } finally {
            if (query != null) {
                query.destroy();
                query.waitFor();
            }
            mongo.destroy();
            mongo.waitFor();
            deleteQuietly(data);
        }
    }

    private Process startQuerySide(Path jar, int mongoPort, int queryPort, Path data) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g", "-Daxoniq.update-checker.disabled=true", "-jar", jar.toString())
                .redirectErrorStream(true).redirectOutput(data.resolve("query-side.log").toFile());
        builder.environment().put("QUERY_PORT", Integer.toString(queryPort));
        builder.environment().put("COVERLEDGER_MONGO_PORT", Integer.toString(mongoPort));
        builder.environment().put("SPRING_PROFILES_ACTIVE", "embedded");
        builder.environment().put("AXONIQ_UPDATE_CHECKER_DISABLED", "true");
        for (String other : List.of("policies", "claims", "accounts", "audit")) {
            // the analytics fold alone: the others subscribe to the query side's local bus, on which nothing is published
            builder.command().add("--axon.eventhandling.processors." + other + ".mode=subscribing");
            builder.command().add("--axon.eventhandling.processors." + other + ".source=eventStore");
        }
        Process process = builder.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                List<String> log = Files.readAllLines(data.resolve("query-side.log"));
                throw new IllegalStateException("the query side exited; the end of its log:\n"
                        + String.join("\n", log.subList(Math.max(0, log.size() - 60), log.size())));
            }
            try {
                if (get("http://127.0.0.1:" + queryPort + "/actuator/health", null, "application/json")
                        .startsWith("{\"status\":\"UP\"")) {
                    return process;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the query side did not start");
    }

    private void awaitCaughtUp(String base, String admin, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            String progress = get(base + "/api/admin/projections/analytics", admin, "application/json");
            if (progress.contains("\"caughtUp\":true")) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the analytics projection did not catch up");
    }

    private String get(String url, String token, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", accept);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = send(request.build());
        if (response.statusCode() != 200) {
            throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private interface Call {
        long run() throws Exception;
    }

    /** p50 and p99 in ms of {@code measured} calls after {@code warm} unmeasured ones. */
    private static double[] timings(int warm, int measured, Call call) throws Exception {
        for (int i = 0; i < warm; i++) {
            call.run();
        }
        double[] ms = new double[measured];
        for (int i = 0; i < measured; i++) {
            long start = System.nanoTime();
            call.run();
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(ms);
        return new double[] {HttpBenchmark.percentile(ms, 0.50), HttpBenchmark.percentile(ms, 0.99)};
    }


    /** The store sizes a benchmark runs: {@code --sizes N,N}, else 10^4 and 10^5 (quick) and 10^6. */
    static int[] sizes(String[] args, boolean quick) {
        int sizesAt = Arrays.asList(args).indexOf("--sizes");
        return sizesAt >= 0 ? Arrays.stream(args[sizesAt + 1].split(",")).mapToInt(Integer::parseInt).toArray()
                : quick ? new int[] {10_000, 100_000} : new int[] {10_000, 100_000, 1_000_000};
    }

    static void deleteQuietly(Path directory) {
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    // ------------------------------------------------------------------ the book

    /** One event to write: its aggregate, when, by whom, and what. */
    private record Planned(Instant at, String type, String aggregateId, String actor, Object payload) {
    }

    /** An aggregate whose life is planned one event ahead. */
    private abstract static class Life implements Comparable<Life> {
        final String id;
        Instant next;

        Life(String id) {
            this.id = id;
        }

        /** The next event and what follows it (next set, or null when the life is over). */
        abstract Planned step();

        @Override
        public int compareTo(Life other) {
            return next.compareTo(other.next);
        }
    }

    /**
     * A realistic book, written day by day in time order: each day's events are appended by 16
     * writers, an aggregate's events of a day in one commit, before the next day begins.
     */
    /** A generated book of business (three years of policies and claims), written through the event store. */
    static final class Book {
        private static final Product[] PRODUCTS = {Product.HEALTH, Product.HEALTH, Product.HEALTH, Product.AUTO,
                Product.AUTO, Product.AUTO, Product.PROPERTY, Product.PROPERTY, Product.LIFE, Product.LIFE};
        private static final String[][] INCIDENTS = {{"HOSPITALISATION", "OUTPATIENT"}, {"COLLISION", "THEFT"},
                {"DEATH", "DISABILITY"}, {"FIRE", "WATER_DAMAGE", "BURGLARY"}};
        private static final String[] ADJUSTERS = {"adam", "alan", "ada", "abe"};

        private final MongoCommitLogEngine engine;
        private final int target;
        private final Random random = new Random(14);
        private final PriorityQueue<Life> lives = new PriorityQueue<>();
        private final Map<String, Long> sequences = new java.util.HashMap<>();
        long events;
        int policies;
        int claims;

        Book(MongoDatabase database, int target) {
            SubjectKeys keys = new SubjectKeys(database, DEV_MASTER_KEY, Duration.ofMinutes(10), Clock.systemUTC());
            this.engine = MongoEventStore.engine(database, keys, Duration.ofSeconds(10));
            this.target = target;
        }

        void write() throws Exception {
            long days = ChronoUnit.DAYS.between(FIRST_DAY, LAST_DAY) + 1;
            // about eight events a policy over its life here (instalments, renewals, claims)
            double perDay = target / 7.8 / days;
            ExecutorService writers = Executors.newFixedThreadPool(16);
            try {
                for (LocalDate day = FIRST_DAY; !day.isAfter(LAST_DAY) && events < target; day = day.plusDays(1)) {
                    int issued = (int) perDay + (random.nextDouble() < perDay - (int) perDay ? 1 : 0);
                    for (int i = 0; i < issued; i++) {
                        PolicyLife policy = new PolicyLife(this, day);
                        lives.add(policy);
                        policies++;
                    }
                    Instant end = day.plusDays(1).atStartOfDay(ZONE).toInstant();
                    List<Planned> today = new ArrayList<>();
                    while (!lives.isEmpty() && lives.peek().next.isBefore(end)) {
                        Life life = lives.poll();
                        today.add(life.step());
                        if (life.next != null) {
                            lives.add(life);
                        }
                    }
                    append(today, writers);
                }
            } finally {
                writers.shutdown();
            }
        }

        private void append(List<Planned> day, ExecutorService writers) throws Exception {
            Map<String, List<GenericDomainEventMessage<?>>> byAggregate = new LinkedHashMap<>();
            for (Planned planned : day) {
                long sequence = sequences.merge(planned.aggregateId(), 0L, (a, b) -> a + 1);
                byAggregate.computeIfAbsent(planned.aggregateId(), k -> new ArrayList<>()).add(
                        new GenericDomainEventMessage<>(planned.type(), planned.aggregateId(), sequence,
                                planned.payload(), MetaData.with(CommandMetadata.ACTOR, planned.actor())
                                .and(CommandMetadata.REQUEST_ID, UUID.randomUUID().toString()),
                                UUID.randomUUID().toString(), planned.at()));
            }
            List<Future<?>> done = new ArrayList<>();
            for (List<GenericDomainEventMessage<?>> commit : byAggregate.values()) {
                done.add(writers.submit(() -> engine.appendEvents(commit)));
            }
            for (Future<?> future : done) {
                future.get();
            }
            events += day.size();
        }

        Instant during(LocalDate day) {
            return day.atTime(8, 0).atZone(ZONE).toInstant().plusSeconds(random.nextInt(12 * 3600));
        }

        static Money cny(double amount) {
            return Money.cny(BigDecimal.valueOf(Math.round(amount * 100), 2));
        }
    }

    /** A policy: issued, started, paid (monthly or yearly), perhaps cancelled or lapsed, renewed or expired. */
    private static final class PolicyLife extends Life {
        private final Book book;
        private final Product product;
        private final PaymentPlan plan;
        private final String account = "acc-" + UUID.randomUUID();
        private final double premium;
        private LocalDate start;
        private LocalDate end;
        private int term = 1;
        private int instalment = 1;
        private final java.util.ArrayDeque<Planned> planned = new java.util.ArrayDeque<>();

        PolicyLife(Book book, LocalDate issuedOn) {
            super("pol-" + UUID.randomUUID());
            this.book = book;
            Random random = book.random;
            product = Book.PRODUCTS[random.nextInt(Book.PRODUCTS.length)];
            plan = random.nextDouble() < 0.3 ? PaymentPlan.MONTHLY : PaymentPlan.ANNUAL;
            premium = switch (product) {
                case HEALTH -> 1200 + random.nextInt(3000);
                case AUTO -> 2500 + random.nextInt(5000);
                case LIFE -> 3000 + random.nextInt(8000);
                case PROPERTY -> 300 + random.nextInt(1500);
            };
            start = random.nextDouble() < 0.6 ? issuedOn : issuedOn.plusDays(1 + random.nextInt(30));
            end = start.plusYears(1).minusDays(1);
            Instant issuedAt = book.during(issuedOn);
            Money first = Book.cny(plan == PaymentPlan.MONTHLY ? premium / 12 : premium);
            planned.add(new Planned(issuedAt, "Policy", id, account, new PolicyApi.PolicyIssued(id,
                    "PN" + id.substring(4, 22).toUpperCase(Locale.ROOT).replace("-", "0"), account, account, product,
                    Book.cny(premium * 100), Book.cny(premium), start, end, plan, "q-" + id, "2026-11", first,
                    "pay-" + id, null)));
            Instant startsAt = start.equals(issuedOn) ? issuedAt.plusMillis(1)
                    : start.atStartOfDay(ZONE).toInstant().plusSeconds(5);
            planned.add(new Planned(startsAt, "Policy", id, "system",
                    new PolicyApi.PolicyStarted(id, account, start, startsAt)));
            planTerm(issuedOn);
            // in time order; a policy cancelled before its start never starts, nothing follows a cancellation
            List<Planned> ordered = new ArrayList<>(planned);
            ordered.sort(java.util.Comparator.comparing(Planned::at));
            planned.clear();
            for (Planned event : ordered) {
                planned.add(event);
                if (event.payload() instanceof PolicyApi.PolicyCancelled) {
                    break;
                }
            }
            next = planned.peek().at();
        }

        /** The rest of a term: instalments, perhaps a claim, a cancellation or lapse, then renewal or expiry. */
        private void planTerm(LocalDate issuedOn) {
            Random random = book.random;
            double roll = random.nextDouble();
            if (roll < 0.04) { // cancelled in cooling-off
                LocalDate on = issuedOn.plusDays(1 + random.nextInt(14));
                cancel(on, true);
                return;
            }
            if (random.nextDouble() < 0.18) {
                LocalDate incident = start.plusDays(1 + random.nextInt(330));
                book.lives.add(new ClaimLife(book, this, incident));
            }
            if (roll < 0.07) { // cancelled later in the term
                cancel(start.plusDays(30 + random.nextInt(300)), false);
                return;
            }
            if (plan == PaymentPlan.MONTHLY) {
                for (int month = 1; month < 12; month++) {
                    LocalDate due = start.plusMonths(month);
                    Instant at = due.atStartOfDay(ZONE).toInstant().plusSeconds(60 + random.nextInt(600));
                    instalment++;
                    if (random.nextDouble() < 0.03) {
                        planned.add(new Planned(at, "Policy", id, "system", new PolicyApi.InstalmentMissed(id, account,
                                instalment, due, Book.cny(premium / 12), "DECLINED", due.plusDays(30), at)));
                        if (random.nextDouble() < 0.5) {
                            Instant lapse = due.plusDays(31).atStartOfDay(ZONE).toInstant().plusSeconds(30);
                            planned.add(new Planned(lapse, "Policy", id, "system", new PolicyApi.PolicyLapsed(id,
                                    account, instalment, due.plusDays(30), lapse)));
                            if (random.nextDouble() < 0.3) {
                                LocalDate back = due.plusDays(40 + random.nextInt(20));
                                Instant paid = book.during(back);
                                planned.add(new Planned(paid, "Policy", id, account, new PolicyApi.PolicyReinstated(id,
                                        account, instalment, instalment, Book.cny(premium / 12), "arrears-" + id,
                                        "gw", back, due.plusMonths(1), paid)));
                            } else {
                                return; // lapsed for good: it expires at the end
                            }
                            continue;
                        }
                        Instant paid = book.during(due.plusDays(5));
                        planned.add(new Planned(paid, "Policy", id, account, new PolicyApi.ArrearsPaid(id, account,
                                instalment, instalment, Book.cny(premium / 12), "arrears-" + id + "-" + instalment, "gw",
                                due.plusMonths(1), paid)));
                        continue;
                    }
                    planned.add(new Planned(at, "Policy", id, "system", new PolicyApi.InstalmentPaid(id, account,
                            instalment, due, Book.cny(premium / 12), "inst-" + id + "-" + instalment, "gw",
                            due.plusMonths(1), at)));
                }
            }
            if (random.nextDouble() < 0.72 && term < 3) {
                Instant renewedAt = book.during(end.minusDays(1 + random.nextInt(20)));
                term++;
                LocalDate newStart = end.plusDays(1);
                LocalDate newEnd = newStart.plusYears(1).minusDays(1);
                double newPremium = premium * (0.95 + random.nextDouble() * 0.2);
                planned.add(new Planned(renewedAt, "Policy", id, account, new PolicyApi.PolicyRenewed(id, account, term,
                        newStart, newEnd, Book.cny(newPremium), plan, Book.cny(plan == PaymentPlan.MONTHLY
                        ? newPremium / 12 : newPremium), "renew-" + id + "-" + term, "gw",
                        plan == PaymentPlan.MONTHLY ? newStart.plusMonths(1) : null, false, renewedAt)));
                start = newStart;
                end = newEnd;
                instalment = 1;
                planTerm(newStart);
            } else {
                Instant expired = end.plusDays(1).atStartOfDay(ZONE).toInstant().plusSeconds(20);
                planned.add(new Planned(expired, "Policy", id, "system",
                        new PolicyApi.PolicyExpired(id, account, end, expired)));
            }
        }

        private void cancel(LocalDate on, boolean coolingOff) {
            Instant at = book.during(on);
            Money paid = Book.cny(premium);
            planned.add(new Planned(at, "Policy", id, account, new PolicyApi.PolicyCancelled(id, account, on, coolingOff,
                    coolingOff ? null : on, paid, coolingOff ? Book.cny(0) : Book.cny(premium / 2), Book.cny(0),
                    coolingOff ? paid : Book.cny(premium / 3), "refund-" + id, "gw", PolicyApi.CancellationReason.OTHER,
                    at)));
        }

        @Override
        Planned step() {
            Planned now = planned.poll();
            next = planned.isEmpty() ? null : planned.peek().at();
            return now;
        }
    }

    /** A claim: reported, assigned, perhaps materials asked for (once or twice), decided, paid, closed. */
    private static final class ClaimLife extends Life {
        private final java.util.ArrayDeque<Planned> planned = new java.util.ArrayDeque<>();

        ClaimLife(Book book, PolicyLife policy, LocalDate incident) {
            super("clm-" + UUID.randomUUID());
            book.claims++;
            Random random = book.random;
            String account = policy.account;
            String[] types = Book.INCIDENTS[policy.product.ordinal() % Book.INCIDENTS.length];
            String incidentType = types[random.nextInt(types.length)];
            String adjuster = Book.ADJUSTERS[random.nextInt(Book.ADJUSTERS.length)];
            double claimed = 500 + random.nextInt(20_000);
            Instant at = book.during(incident.plusDays(random.nextInt(10)));
            add(at, account, new ClaimApi.ClaimSubmitted(id, policy.id, account, account, incident, "what happened",
                    Book.cny(claimed), at, incidentType, "card-1", policy.product.name(), "PN"));
            at = at.plusSeconds(1);
            add(at, "system", new ClaimApi.ClaimAssigned(id, account, adjuster, "system", at));
            int loops = random.nextDouble() < 0.35 ? (random.nextDouble() < 0.25 ? 2 : 1) : 0;
            for (int loop = 0; loop < loops; loop++) {
                at = at.plusSeconds(3600 * (2 + random.nextInt(60)));
                add(at, adjuster, new ClaimApi.MaterialsRequested(id, account, List.of(new ClaimApi.RequestedItem(
                        ClaimApi.MaterialCategory.INVOICE, "the invoice")), null, adjuster, at,
                        LocalDate.ofInstant(at, ZONE).plusDays(30)));
                at = at.plusSeconds(3600 * (12 + random.nextInt(120)));
                add(at, account, new ClaimApi.MaterialsProvided(id, account, account, at));
            }
            at = at.plusSeconds(3600 * (4 + random.nextInt(24 * 8)));
            double roll = random.nextDouble();
            if (roll < 0.05) {
                add(at, account, new ClaimApi.ClaimWithdrawn(id, account, "no longer needed", account, at));
                add(at.plusSeconds(1), account, new ClaimApi.ClaimClosed(id, account, policy.id,
                        ClaimApi.Outcome.WITHDRAWN, Book.cny(0), at.plusSeconds(1)));
            } else {
                ClaimApi.Decision decision = roll < 0.2 ? ClaimApi.Decision.REJECTED
                        : roll < 0.35 ? ClaimApi.Decision.PARTIALLY_APPROVED : ClaimApi.Decision.APPROVED;
                double approved = decision == ClaimApi.Decision.REJECTED ? 0
                        : decision == ClaimApi.Decision.PARTIALLY_APPROVED ? claimed * 0.6 : claimed;
                add(at, adjuster, new ClaimApi.ClaimAssessed(id, account, policy.id, "[]", List.of(), decision,
                        Book.cny(claimed), Book.cny(approved), Book.cny(0), Book.cny(approved), null, adjuster,
                        approved > 15_000, at));
                if (decision == ClaimApi.Decision.REJECTED) {
                    add(at.plusSeconds(1), adjuster, new ClaimApi.ClaimClosed(id, account, policy.id,
                            ClaimApi.Outcome.REJECTED, Book.cny(0), at.plusSeconds(1)));
                } else {
                    add(at.plusSeconds(1), adjuster, new ClaimApi.ClaimApproved(id, account, policy.id,
                            Book.cny(approved), List.of(adjuster), at.plusSeconds(1)));
                    Instant paid = at.plusSeconds(3600 * (1 + random.nextInt(72)));
                    add(paid, "system", new ClaimApi.ClaimPaid(id, account, policy.id, Book.cny(approved), "card-1",
                            "payout-" + id, "gw", paid));
                    add(paid.plusSeconds(1), "system", new ClaimApi.ClaimClosed(id, account, policy.id,
                            ClaimApi.Outcome.PAID, Book.cny(approved), paid.plusSeconds(1)));
                }
            }
            next = planned.peek().at();
        }

        private void add(Instant at, String actor, Object payload) {
            planned.add(new Planned(at, "Claim", id, actor, payload));
        }

        @Override
        Planned step() {
            Planned now = planned.poll();
            next = planned.isEmpty() ? null : planned.peek().at();
            return now;
        }
    }
}
