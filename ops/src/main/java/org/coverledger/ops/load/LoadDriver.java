package org.coverledger.ops.load;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Recorder;
import org.HdrHistogram.Histogram;

/**
 * {@code ops/load}: a realistic mix over HTTP with bearer tokens against a running system
 * (loopback only): registrations, quotes and purchases, claims, materials loops (an adjuster's
 * request, the customer's upload and submission), assessments, the customer's and staff's
 * queries, audit reads and analytics. Each client thread is one customer with a card, who buys,
 * claims and follows their own objects. Prints, per operation, how many, how many failed (an
 * answer other than the one expected; 5xx apart), throughput and p50/p90/p99/p99.9 from
 * HdrHistogram, and both apps' JVM memory at the end. Bounded by {@code --seconds}; stops by itself.
 */
public final class LoadDriver {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneId BUSINESS = ZoneId.of("Asia/Shanghai");
    /** Operation and its weight in the mix (out of 100). */
    private static final Map<String, Integer> MIX = new java.util.LinkedHashMap<>();

    static {
        MIX.put("register", 8);
        MIX.put("purchase", 14);
        MIX.put("claim", 8);
        MIX.put("materials-loop", 6);
        MIX.put("assess", 4);
        MIX.put("policy-list", 22);
        MIX.put("claim-progress", 24);
        MIX.put("audit-read", 8);
        MIX.put("analytics", 6);
    }

    private final String command;
    private final String query;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, Recorder> latencies = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> serverErrors = new ConcurrentHashMap<>();
    private final Map<String, String> staffTokens = new ConcurrentHashMap<>();
    private static final byte[] PNG = png();

    public LoadDriver(String command, String query) {
        this.command = command;
        this.query = query;
    }

    /** A customer of the load: their token, account, card, and what they bought and claimed. */
    private final class Customer {
        final String token;
        final String accountId;
        final String cardId;
        final List<String> policies = new ArrayList<>();
        final List<String> claims = new ArrayList<>();

        Customer() throws Exception {
            String mobile = "136" + String.format("%08d", ThreadLocalRandom.current().nextInt(100_000_000));
            String password = "Load#" + ThreadLocalRandom.current().nextInt(100_000, 999_999);
            HttpResponse<String> registered = register(mobile, password);
            if (registered.statusCode() != 201) {
                throw new IllegalStateException("registration refused: " + registered.body());
            }
            accountId = JSON.readTree(registered.body()).get("accountId").asText();
            token = session(mobile, password);
            HttpResponse<String> card = send("POST", command + "/api/accounts/" + accountId + "/cards", token,
                    "{\"bankCardNumber\":\"" + cardNumber() + "\"}");
            if (card.statusCode() != 201) {
                throw new IllegalStateException("card refused: " + card.body());
            }
            cardId = JSON.readTree(card.body()).get("cardId").asText();
        }
    }

    public static void main(String[] args) throws Exception {
        List<String> options = List.of(args);
        String command = option(options, "--command", "http://127.0.0.1:8080");
        String query = option(options, "--query", "http://127.0.0.1:8081");
        int clients = Integer.parseInt(option(options, "--clients", "16"));
        int seconds = Integer.parseInt(option(options, "--seconds", "60"));
        for (String url : List.of(command, query)) {
            String host = URI.create(url).getHost();
            if (!host.equals("127.0.0.1") && !host.equals("localhost")) {
                throw new IllegalArgumentException("ops/load drives loopback only, not " + url);
            }
        }
        LoadDriver driver = new LoadDriver(command, query);
        System.out.print(driver.run(clients, Duration.ofSeconds(seconds)));
        System.exit(0);
    }

    private static String option(List<String> options, String name, String fallback) {
        int at = options.indexOf(name);
        return at >= 0 && at + 1 < options.size() ? options.get(at + 1) : fallback;
    }

    /** Runs the mix with {@code clients} threads for the duration; the report (Markdown). */
    public String run(int clients, Duration duration) throws Exception {
        for (String staff : List.of("root", "cora", "ana")) {
            staffTokens.put(staff, session(staff, staff + "-pass"));
        }
        List<Customer> customers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            customers.add(new Customer());
        }
        latencies.clear();
        failures.clear();
        serverErrors.clear();
        long end = System.nanoTime() + duration.toNanos();
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (Customer customer : customers) {
            pool.submit(() -> {
                while (System.nanoTime() < end) {
                    try {
                        step(customer);
                    } catch (IOException e) {
                        failures.computeIfAbsent("(connection)", k -> new LongAdder()).increment();
                    } catch (Exception e) {
                        failures.computeIfAbsent("(driver)", k -> new LongAdder()).increment();
                    }
                }
                return null;
            });
        }
        pool.shutdown();
        pool.awaitTermination(duration.toSeconds() + 120, TimeUnit.SECONDS);
        double elapsed = (System.nanoTime() - started) / 1e9;
        return report(clients, elapsed);
    }

    private void step(Customer customer) throws Exception {
        int pick = ThreadLocalRandom.current().nextInt(100);
        String operation = "policy-list";
        for (Map.Entry<String, Integer> entry : MIX.entrySet()) {
            pick -= entry.getValue();
            if (pick < 0) {
                operation = entry.getKey();
                break;
            }
        }
        if (customer.policies.isEmpty() && !operation.equals("register")) {
            operation = "purchase";
        } else if (customer.claims.isEmpty() && (operation.equals("materials-loop") || operation.equals("assess")
                || operation.equals("claim-progress"))) {
            operation = "claim";
        }
        String policy = customer.policies.isEmpty() ? null
                : customer.policies.get(ThreadLocalRandom.current().nextInt(customer.policies.size()));
        String claim = customer.claims.isEmpty() ? null
                : customer.claims.get(ThreadLocalRandom.current().nextInt(customer.claims.size()));
        switch (operation) {
            case "register" -> timed("register", 201, () -> register(
                    "135" + String.format("%08d", ThreadLocalRandom.current().nextInt(100_000_000)), "Load#123456x"));
            case "purchase" -> {
                HttpResponse<String> quoted = timed("quote", 201, () -> send("POST", command + "/api/quotes",
                        customer.token, quote(customer.accountId)));
                if (quoted.statusCode() == 201) {
                    String quoteId = JSON.readTree(quoted.body()).get("quoteId").asText();
                    HttpResponse<String> bought = timed("purchase", 201, () -> send("POST", command + "/api/quotes/"
                            + quoteId + "/purchase", customer.token, "{\"acceptedTermsVersion\":\"2026-11\","
                            + "\"paymentCardId\":\"" + customer.cardId + "\",\"paymentPlan\":\"ANNUAL\"}"));
                    if (bought.statusCode() == 201) {
                        customer.policies.add(JSON.readTree(bought.body()).get("policyId").asText());
                    }
                }
            }
            case "claim" -> {
                // one open claim per policy, incident date and type: a random day of the last weeks
                LocalDate day = LocalDate.now(BUSINESS).minusDays(ThreadLocalRandom.current().nextInt(0, 1));
                String type = List.of("FIRE", "WATER_DAMAGE", "BURGLARY").get(ThreadLocalRandom.current().nextInt(3));
                HttpResponse<String> claimed = timed("claim", 201, () -> send("POST", command + "/api/claims",
                        customer.token, """
                                {"policyId":"%s","incidentDate":"%s","incidentType":"%s","description":"load test",
                                 "amountClaimed":"900.00","payoutCardId":"%s"}""".formatted(policy, day, type,
                                customer.cardId)), 422);
                if (claimed.statusCode() == 201) {
                    customer.claims.add(JSON.readTree(claimed.body()).get("claimId").asText());
                }
            }
            case "materials-loop" -> {
                HttpResponse<String> asked = timed("material-request", 202, () -> send("POST", command + "/api/claims/"
                        + claim + "/material-requests", staffTokens.get("root"),
                        "{\"items\":[{\"category\":\"PHOTO\",\"description\":\"the damage\"}]}"), 422);
                if (asked.statusCode() == 202) {
                    // the same photo again on a claim is answered 200, the material it already has
                    timed("upload", 201, () -> upload(customer.token, claim), 200);
                    timed("submission", 202, () -> send("POST", command + "/api/claims/" + claim
                            + "/materials/submission", customer.token, ""), 422);
                }
            }
            case "assess" -> {
                HttpResponse<String> assessed = timed("assess", 202, () -> send("POST", command + "/api/claims/" + claim
                        + "/assessment", staffTokens.get("root"),
                        "{\"lines\":[{\"item\":\"repairs\",\"claimed\":\"900.00\",\"approved\":\"900.00\"}]}"), 422);
                if (assessed.statusCode() == 202) {
                    customer.claims.remove(claim); // decided: new claims go on
                }
            }
            case "policy-list" -> timed("policy-list", 200, () -> send("GET", query + "/api/policies", customer.token, null));
            case "claim-progress" -> timed("claim-progress", 200, () -> send("GET", query + "/api/claims/" + claim
                    + "/progress", customer.token, null), 404); // not projected yet: 404 for a moment
            case "audit-read" -> timed("audit-read", 200, () -> send("GET", query + "/api/audit?aggregateId=" + policy
                    + "&size=20", staffTokens.get("cora"), null));
            case "analytics" -> timed("analytics", 200, () -> send("GET", query + "/api/analytics/claims",
                    staffTokens.get("ana"), null));
            default -> throw new IllegalStateException(operation);
        }
    }

    private interface Call {
        HttpResponse<String> call() throws Exception;
    }

    /** Times the call under the operation's name; an answer other than {@code expected} (or an accepted one) is a failure. */
    private HttpResponse<String> timed(String operation, int expected, Call call, int... accepted) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> reply = call.call();
        long micros = Math.max(1, (System.nanoTime() - start) / 1000);
        latencies.computeIfAbsent(operation, k -> new Recorder(3)).recordValue(micros);
        int status = reply.statusCode();
        boolean fine = status == expected || java.util.Arrays.stream(accepted).anyMatch(a -> a == status);
        if (!fine) {
            failures.computeIfAbsent(operation, k -> new LongAdder()).increment();
        }
        if (status >= 500) {
            serverErrors.computeIfAbsent(operation, k -> new LongAdder()).increment();
        }
        return reply;
    }

    /** What the last run measured: its length and, per operation, count and p50/p99 in ms. */
    public record Summary(double seconds, Map<String, double[]> operations) {
        /** Calls per second of the operations named (all if none). */
        public double perSecond(java.util.Collection<String> names) {
            return operations.entrySet().stream().filter(e -> names.isEmpty() || names.contains(e.getKey()))
                    .mapToDouble(e -> e.getValue()[0]).sum() / seconds;
        }
    }

    private volatile Summary summary;

    public Summary lastSummary() {
        return summary;
    }

    private String report(int clients, double elapsed) throws Exception {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%d clients, %.0f s%n%n", clients, elapsed));
        out.append("| operation | count | per s | failed | 5xx | p50 ms | p90 ms | p99 ms | p99.9 ms |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        long total = 0;
        Map<String, Histogram> sorted = new TreeMap<>();
        latencies.forEach((name, recorder) -> sorted.put(name, recorder.getIntervalHistogram()));
        Map<String, double[]> operations = new TreeMap<>();
        for (Map.Entry<String, Histogram> entry : sorted.entrySet()) {
            Histogram h = entry.getValue();
            total += h.getTotalCount();
            operations.put(entry.getKey(), new double[] {h.getTotalCount(), h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(99) / 1000.0});
            out.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %d | %d | %.1f | %.1f | %.1f | %.1f |%n",
                    entry.getKey(), h.getTotalCount(), h.getTotalCount() / elapsed, count(failures, entry.getKey()),
                    count(serverErrors, entry.getKey()), h.getValueAtPercentile(50) / 1000.0,
                    h.getValueAtPercentile(90) / 1000.0, h.getValueAtPercentile(99) / 1000.0,
                    h.getValueAtPercentile(99.9) / 1000.0));
        }
        out.append(String.format(Locale.ROOT, "| all | %d | %.1f | | | | | | |%n", total, total / elapsed));
        summary = new Summary(elapsed, operations);
        failures.forEach((name, count) -> {
            if (name.startsWith("(")) {
                out.append(String.format(Locale.ROOT, "%nnot answered %s: %d", name, count.sum()));
            }
        });
        out.append("\n\n| app | JVM memory used (heap + non-heap) MiB |\n|---|---:|\n");
        for (Map.Entry<String, String> app : Map.of("command side", command, "query side", query).entrySet()) {
            HttpResponse<String> memory = send("GET", app.getValue() + "/actuator/metrics/jvm.memory.used",
                    staffTokens.get("root"), null);
            JsonNode value = memory.statusCode() == 200 ? JSON.readTree(memory.body()).at("/measurements/0/value") : null;
            out.append(String.format(Locale.ROOT, "| %s | %s |%n", app.getKey(),
                    value == null || value.isMissingNode() ? "?" : String.format(Locale.ROOT, "%.0f", value.asDouble() / 1048576)));
        }
        return out.toString();
    }

    private static long count(Map<String, LongAdder> counts, String name) {
        LongAdder count = counts.get(name);
        return count == null ? 0 : count.sum();
    }

    private HttpResponse<String> register(String mobile, String password) throws Exception {
        return send("POST", command + "/api/accounts", null, """
                {"name":"Load Test","nationalId":"%s","mobile":"%s","email":"l%s@example.com","password":"%s"}"""
                .formatted(nationalId(), mobile, java.util.UUID.randomUUID().toString().substring(0, 12), password));
    }

    private String session(String login, String password) throws Exception {
        HttpResponse<String> reply = http.send(HttpRequest.newBuilder(URI.create(command + "/api/sessions"))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (login + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (reply.statusCode() != 201) {
            throw new IllegalStateException("no bearer token for " + (login.matches("\\d+") ? "a customer" : login)
                    + " (" + reply.statusCode() + "; with two factors on, run the system with COVERLEDGER_TWO_FACTOR=false)");
        }
        return JSON.readTree(reply.body()).get("token").asText();
    }

    private HttpResponse<String> send(String method, String url, String token, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Accept", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (json == null) {
            request.GET();
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> upload(String token, String claimId) throws Exception {
        String boundary = "----load" + java.util.UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\nPHOTO\r\n--"
                + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"damage.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(PNG);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(command + "/api/claims/" + claimId + "/materials"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String quote(String accountId) {
        return """
                {"accountId":"%s","product":"PROPERTY","sumInsured":"500000","startDate":"%s","termMonths":12,
                 "insured":{"name":"Li Na","nationalId":"110105198503150027","relationship":"SPOUSE"},
                 "declarations":{"address":"1 Chang'an Avenue, Beijing","propertyValue":"800000",
                                 "woodenStructure":"false","floodZone":"false"}}"""
                .formatted(accountId, LocalDate.now(BUSINESS));
    }

    private static final int[] WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] CHECK = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

    /** A valid, random PRC resident ID (its check digit by GB 11643); the end-to-end tests' customers use it too. */
    public static String nationalId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        String body = "110105" + (1980 + random.nextInt(20)) + String.format("%02d%02d", 1 + random.nextInt(12),
                1 + random.nextInt(28)) + String.format("%03d", random.nextInt(1000));
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (body.charAt(i) - '0') * WEIGHTS[i];
        }
        return body + CHECK[sum % 11];
    }

    /** A 16-digit card number with a valid check digit that the simulated gateway pays from (not ...0002/0003). */
    public static String cardNumber() {
        StringBuilder digits = new StringBuilder("622202");
        for (int i = 0; i < 8; i++) {
            digits.append(ThreadLocalRandom.current().nextInt(10));
        }
        digits.append(1 + ThreadLocalRandom.current().nextInt(9));
        int sum = 0;
        for (int i = 0; i < 15; i++) {
            int d = digits.charAt(14 - i) - '0';
            if (i % 2 == 0) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
        }
        return digits.append((10 - sum % 10) % 10).toString();
    }

    private static byte[] png() {
        try {
            java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(8, 8,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            javax.imageio.ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
