package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both apps watched as Prometheus watches them: {@code /actuator/prometheus} scraped over HTTP with
 * the scraper's own token, and every scrape parsed by the Prometheus project's Python client
 * (Debian's {@code python3-prometheus-client}; {@code .ci/run} installs it), which refuses a
 * malformed exposition. After a purchase, a claim, a look-up flood and a moment for the
 * projections: HTTP latency buckets by route and status, commands by type and outcome, appends
 * and their inserts, payments by outcome, each projection's lag per segment back to zero, dead
 * letters, rate-limit refusals. The token opens that path alone.
 */
class MetricsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "scrape-" + java.util.UUID.randomUUID();

    @TempDir
    Path data;

    record Sample(String family, String name, Map<String, String> labels, double value) {
    }

    @Test
    void prometheus_sees_commands_appends_payments_projection_lag_and_refusals() throws Exception {
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(TOKEN.getBytes(StandardCharsets.UTF_8)));
        try (RunningSystem system = RunningSystem.startWith(data, List.of(
                "--coverledger.metrics.scrape-token-sha256=" + hash, "--coverledger.metrics.lag-interval=200ms"))) {
            Customer customer = Customers.register(system, "Qian Hao");
            Api buyer = customer.command(system);
            Policies.Bought bought = Policies.buy(buyer, customer.accountId());
            Policies.claim(buyer, customer.accountId(), bought.policyId(), Policies.today(), "BURGLARY", "900.00");
            Api adam = Api.at(system.queryUrl(), "adam");
            for (int i = 0; i < 31; i++) { // 30 a minute are allowed
                adam.get("/api/accounts/lookup?policyNumber=" + bought.policyNumber());
            }

            List<Sample> command = scrape(system.commandUrl());
            assertThat(value(command, "coverledger_eventstore_append_events_total", Map.of())).isGreaterThanOrEqualTo(3);
            assertThat(value(command, "coverledger_eventstore_append_inserts_total", Map.of()))
                    .as("each insert stores a batch of commits")
                    .isLessThanOrEqualTo(value(command, "coverledger_eventstore_append_commits_total", Map.of()))
                    .isPositive();
            assertThat(value(command, "coverledger_eventstore_append_batch_commits_count", Map.of()))
                    .as("every insert's batch size is in the histogram")
                    .isEqualTo(value(command, "coverledger_eventstore_append_inserts_total", Map.of()));
            assertThat(value(command, "coverledger_eventstore_append_batch_commits_sum", Map.of()))
                    .isEqualTo(value(command, "coverledger_eventstore_append_commits_total", Map.of()));
            assertThat(value(command, "coverledger_eventstore_append_batch_commits_bucket", Map.of("le", "1.0")))
                    .isPositive();
            assertThat(value(command, "coverledger_timed_steps_due", Map.of())).isGreaterThanOrEqualTo(0);
            assertThat(value(command, "coverledger_timed_steps_failed", Map.of())).isZero();
            assertThat(value(command, "coverledger_eventstore_conflicts_total", Map.of())).isZero();
            assertThat(value(command, "coverledger_payments_total", Map.of("operation", "collect", "outcome", "succeeded")))
                    .isGreaterThanOrEqualTo(1);
            assertThat(matching(command, s -> s.name().equals("http_server_requests_seconds_bucket")
                    && "POST".equals(s.labels().get("method")) && "201".equals(s.labels().get("status"))
                    && s.labels().getOrDefault("uri", "").startsWith("/api/claims")))
                    .as("latency buckets by route template and status").isNotEmpty();
            List<Sample> commands = matching(command, s -> s.family().startsWith("commandBus")
                    && s.labels().getOrDefault("payloadType", "").endsWith("SubmitClaim"));
            assertThat(commands).as("commands by type: " + families(command)).isNotEmpty();

            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                List<Sample> query = scrape(system.queryUrl());
                List<Sample> lag = matching(query, s -> s.name().equals("coverledger_projection_lag_events"));
                assertThat(lag).extracting(s -> s.labels().get("projection"))
                        .contains("policies", "claims", "accounts", "audit", "analytics");
                assertThat(lag).as("every segment caught up with the store's head").allMatch(s -> s.value() == 0);
                assertThat(matching(query, s -> s.name().equals("coverledger_projection_lag_seconds")))
                        .allMatch(s -> s.value() == 0).isNotEmpty();
            });
            List<Sample> query = scrape(system.queryUrl());
            assertThat(value(query, "coverledger_rate_limit_refusals_total", Map.of("code", "LOOKUP_RATE_LIMITED")))
                    .isGreaterThanOrEqualTo(1);
            assertThat(matching(query, s -> s.name().equals("coverledger_projection_dead_letters")))
                    .extracting(s -> s.labels().get("projection")).contains("policies", "claims");
            assertThat(value(query, "coverledger_eventstore_gaps_fenced_total", Map.of())).isZero();

            // the token opens the scrape alone; nobody else scrapes without logging in
            assertThat(get(system.queryUrl() + "/actuator/prometheus", null).status()).isEqualTo(401);
            assertThat(get(system.queryUrl() + "/actuator/metrics", TOKEN).status()).isEqualTo(401);
            assertThat(get(system.queryUrl() + "/api/policies", TOKEN).status()).isEqualTo(401);
            assertThat(get(system.commandUrl() + "/actuator/prometheus", "not-the-token").status()).isEqualTo(401);
            assertThat(Api.at(system.queryUrl(), "root").get("/actuator/prometheus").status()).isEqualTo(200);
            assertThat(Api.at(system.queryUrl(), "ana").get("/actuator/prometheus").status()).isEqualTo(403);
        }
    }

    private static String families(List<Sample> samples) {
        return samples.stream().map(Sample::family).distinct().sorted().toList().toString();
    }

    private static List<Sample> matching(List<Sample> samples, Predicate<Sample> test) {
        return samples.stream().filter(test).toList();
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        List<Sample> found = matching(samples, s -> s.name().equals(name)
                && labels.entrySet().stream().allMatch(l -> l.getValue().equals(s.labels().get(l.getKey()))));
        assertThat(found).as(name + labels + " among " + families(samples)).isNotEmpty();
        return found.stream().mapToDouble(Sample::value).sum();
    }

    private static Reply get(String url, String token) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        var response = java.net.http.HttpClient.newHttpClient().send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        return new Reply(response.statusCode(), response.body(), response.headers());
    }

    /** One scrape with the scraper's token, parsed by the Prometheus client. */
    private static List<Sample> scrape(String base) throws Exception {
        Reply reply = get(base + "/actuator/prometheus", TOKEN);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        assertThat(reply.header("Content-Type")).startsWith("text/plain");
        return parse(reply.body());
    }

    static List<Sample> parse(String exposition) throws Exception {
        Process process = new ProcessBuilder("/usr/bin/python3",
                Path.of("src/test/python/prometheus_samples.py").toAbsolutePath().toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        process.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("the Prometheus client parsed the scrape (apt-get install "
                + "python3-prometheus-client; .ci/run does)").isZero();
        List<Sample> samples = new ArrayList<>();
        int families = -1;
        for (String line : output.lines().toList()) {
            JsonNode node = JSON.readTree(line);
            if (node.has("families")) {
                families = node.get("families").asInt();
                continue;
            }
            Map<String, String> labels = JSON.convertValue(node.get("labels"),
                    new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { });
            samples.add(new Sample(node.get("family").asText(), node.get("name").asText(), labels,
                    node.get("value").asDouble()));
        }
        assertThat(families).as("the parser read the whole exposition").isPositive();
        return samples;
    }
}
