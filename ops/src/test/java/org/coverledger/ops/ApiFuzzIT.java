package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * A hostile client driven by the apps' own OpenAPI descriptions: requests generated from every
 * operation's parameters and body schema, valid and invalid (wrong types, control characters,
 * broken Unicode, lenient amounts, overflowing numbers, unknown fields, foreign ids), as every
 * kind of user. No answer may be a 5xx, every answer must be as the description says
 * ({@link ApiContract}), and a refused request must append no event.
 */
class ApiFuzzIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String ALICE_ACCOUNT = "b560e476-47f0-32bf-ae87-197f117f6ebe";
    private static final List<String> USERS = List.of("alice", "uma", "adam", "cora", "ana", "root");
    private static final List<String> NASTY_TEXT = List.of("", " ", "Li Lei", "王小明", "x".repeat(3000),
            "Li\u0000Lei", "line\nbreak", "\u202Eevil", "\uD800", "\uDC00half", "{\"$gt\": \"\"}", "../../etc/passwd",
            "<script>alert(1)</script>", "' OR 1=1 --", "%00", "1E+3", " 12.00 ", "-0", "NaN", "😀");
    private static final List<String> AMOUNTS = List.of("1200.00", "0.01", "500000.00", "0", "-5", "1E+3", " 12.00 ",
            "12,00", "99999999999999999999999999.999", "+1", ".5", "");

    private static Path data;
    private static RunningSystem system;
    private static final List<Operation> OPERATIONS = new ArrayList<>();
    private static final Map<String, String> TOKENS = new LinkedHashMap<>();
    private static final List<String> IDS = new ArrayList<>();

    record Operation(String baseUrl, String method, String path, JsonNode operation, JsonNode description) {
    }

    record Exchange(Operation operation, String user, boolean basic, String path, String body, String contentType) {
        @Override
        public String toString() {
            return operation.method + " " + path + " as " + user + (basic ? " (Basic) " : " ") + (body == null ? "" : body);
        }
    }

    @BeforeContainer
    static void start() throws Exception {
        data = Files.createTempDirectory("coverledger-fuzz");
        system = RunningSystem.start(data);
        for (String base : List.of(system.commandUrl(), system.queryUrl())) {
            JsonNode description = JSON.readTree(CLIENT.send(HttpRequest.newBuilder(URI.create(base + "/v3/api-docs"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body());
            for (Iterator<Map.Entry<String, JsonNode>> paths = description.get("paths").fields(); paths.hasNext(); ) {
                Map.Entry<String, JsonNode> path = paths.next();
                if (!path.getKey().startsWith("/api/")) {
                    continue;
                }
                for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                    Map.Entry<String, JsonNode> op = ops.next();
                    OPERATIONS.add(new Operation(base, op.getKey().toUpperCase(), path.getKey(), op.getValue(), description));
                }
            }
        }
        USERS.forEach(ApiFuzzIT::logIn);
        String policyId = Policies.buy(Api.at(system.commandUrl(), "alice"), ALICE_ACCOUNT).policyId();
        IDS.addAll(List.of(ALICE_ACCOUNT, policyId, "00000000-0000-0000-0000-000000000000",
                "x", "..", "%2e%2e", "a".repeat(300), "王", "policies", "accounts"));
    }

    private static final Map<Integer, Integer> ANSWERED = new java.util.concurrent.ConcurrentHashMap<>();

    @AfterContainer
    static void stop() {
        if (system != null) {
            system.close();
        }
        // a fuzz whose requests were all refused at the door would prove nothing about the handlers behind it
        assertThat(ANSWERED.getOrDefault(2, 0)).as("accepted requests among " + ANSWERED).isGreaterThan(20);
    }

    @Provide
    Arbitrary<Exchange> exchanges() {
        return Arbitraries.randomValue(ApiFuzzIT::exchange);
    }

    @Property(tries = 400, seed = "20261129")
    void no_request_fails_the_server_breaks_the_description_or_appends_when_refused(@ForAll("exchanges") Exchange exchange)
            throws Exception {
        long before = system.storedEvents();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(exchange.operation.baseUrl + exchange.path))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.operation.method, exchange.body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(exchange.body));
        if (exchange.user != null && exchange.basic) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (exchange.user + ":" + exchange.user + "-pass").getBytes(StandardCharsets.UTF_8)));
        } else if (exchange.user != null) {
            request.header("Authorization", "Bearer " + TOKENS.get(exchange.user));
        }
        if (exchange.contentType != null) {
            request.header("Content-Type", exchange.contentType);
        }
        HttpRequest sent = request.build();
        HttpResponse<String> response = CLIENT.send(sent, HttpResponse.BodyHandlers.ofString());
        Statistics.label("answers").collect(response.statusCode() / 100 + "xx");
        Statistics.label("refusals").collect(response.statusCode() >= 400 ? response.statusCode() + " "
                + JSON.readTree(response.body()).path("code").asText() : "none");
        ANSWERED.merge(response.statusCode() / 100, 1, Integer::sum);
        assertThat(response.statusCode()).as(exchange + " -> " + response.body()).isLessThan(500);
        ApiContract.check(exchange.operation.baseUrl, sent, exchange.body, response, response.statusCode() >= 400);
        if (response.statusCode() >= 400) {
            assertThat(system.storedEvents()).as("refused, yet appended: " + exchange).isEqualTo(before);
        }
        if (exchange.user != null && response.statusCode() == 401) {
            logIn(exchange.user); // the fuzz logged this user out (DELETE /api/sessions/current): a new token
        }
    }

    private static void logIn(String user) {
        Api.Reply session = Api.at(system.commandUrl(), user).post("/api/sessions", "");
        if (session.status() == 201) {
            TOKENS.put(user, session.json().get("token").asText());
        }
    }

    // ------------------------------------------------------------------ generation

    private static Exchange exchange(Random random) {
        Operation operation = OPERATIONS.get(random.nextInt(OPERATIONS.size()));
        List<String> permitted = permittedUsers(operation);
        String user = random.nextInt(10) == 0 ? null
                : random.nextInt(4) != 0 && !permitted.isEmpty() ? permitted.get(random.nextInt(permitted.size()))
                : USERS.get(random.nextInt(USERS.size()));
        String path = operation.path;
        List<String> query = new ArrayList<>();
        for (JsonNode parameter : operation.operation.path("parameters")) {
            JsonNode schema = resolve(operation.description, parameter.path("schema"));
            String name = parameter.get("name").asText();
            switch (parameter.path("in").asText()) {
                case "path" -> path = path.replace("{" + name + "}",
                        URLEncoder.encode(random.nextInt(4) == 0 ? text(random) : IDS.get(random.nextInt(IDS.size())),
                                StandardCharsets.UTF_8));
                case "query" -> {
                    if (random.nextBoolean()) {
                        JsonNode value = value(operation.description, schema, random, 0);
                        query.add(name + "=" + URLEncoder.encode(value.isTextual() ? value.asText() : value.toString(),
                                StandardCharsets.UTF_8));
                    }
                }
                default -> { }
            }
        }
        if (!query.isEmpty()) {
            path += "?" + String.join("&", query);
        }
        String body = null;
        String contentType = null;
        JsonNode content = operation.operation.path("requestBody").path("content");
        if (content.has("application/json")) {
            JsonNode schema = resolve(operation.description, content.get("application/json").path("schema"));
            body = random.nextInt(15) == 0 ? "{\"unclosed\": " : value(operation.description, schema, random, 0).toString();
            contentType = switch (random.nextInt(20)) {
                case 0 -> "*/*";
                case 1 -> "text/plain";
                default -> "application/json";
            };
        }
        return new Exchange(operation, user, random.nextInt(5) == 0, path, body, contentType);
    }

    private static final Map<org.coverledger.events.common.Role, String> DEMO_USER = Map.of(
            org.coverledger.events.common.Role.CUSTOMER, "alice", org.coverledger.events.common.Role.UNDERWRITER, "uma",
            org.coverledger.events.common.Role.ADJUSTER, "adam", org.coverledger.events.common.Role.COMPLIANCE, "cora",
            org.coverledger.events.common.Role.ANALYST, "ana", org.coverledger.events.common.Role.ADMIN, "root");

    /** Users whose role may take the operation, so that most requests get past the door (generation only). */
    private static List<String> permittedUsers(Operation operation) {
        org.springframework.util.AntPathMatcher matcher = new org.springframework.util.AntPathMatcher();
        String concrete = operation.path.replaceAll("\\{[^}]+}", "x");
        org.coverledger.platform.Permission.Side side = operation.baseUrl.equals(system.commandUrl())
                ? org.coverledger.platform.Permission.Side.COMMAND : org.coverledger.platform.Permission.Side.QUERY;
        List<String> users = new ArrayList<>();
        for (org.coverledger.platform.Permission permission : org.coverledger.platform.Permission.of(side)) {
            if (permission.method().equals(operation.method) && matcher.match(permission.path(), concrete)) {
                permission.roles().forEach(role -> users.add(DEMO_USER.get(role)));
            }
        }
        return users;
    }

    private static JsonNode resolve(JsonNode description, JsonNode schema) {
        while (schema.has("$ref")) {
            String name = schema.get("$ref").asText().substring("#/components/schemas/".length());
            schema = description.path("components").path("schemas").path(name);
        }
        if (schema.has("allOf") && schema.get("allOf").size() == 1) {
            return resolve(description, schema.get("allOf").get(0));
        }
        return schema;
    }

    /** A value for the schema: mostly as the schema says, now and then of the wrong kind or hostile. */
    private static JsonNode value(JsonNode description, JsonNode schema, Random random, int depth) {
        schema = resolve(description, schema);
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (random.nextInt(12) == 0) {
            return switch (random.nextInt(5)) {
                case 0 -> nodes.nullNode();
                case 1 -> nodes.numberNode(random.nextBoolean() ? Long.MAX_VALUE : -1);
                case 2 -> nodes.textNode(text(random));
                case 3 -> nodes.arrayNode().add(1);
                default -> nodes.objectNode().put("$gt", "");
            };
        }
        String type = schema.path("type").asText("object");
        switch (type) {
            case "string" -> {
                if (schema.has("enum")) {
                    JsonNode values = schema.get("enum");
                    return random.nextInt(6) == 0 ? nodes.textNode("BOAT") : values.get(random.nextInt(values.size()));
                }
                String format = schema.path("format").asText("");
                if (format.equals("date")) {
                    return nodes.textNode(List.of("2027-01-01", "2026-03-02", "2046-12-31", "2027-13-01", "tomorrow",
                            "-999999999-01-01").get(random.nextInt(6)));
                }
                if (format.equals("date-time")) {
                    return nodes.textNode(List.of("2026-11-24T08:00:00Z", "-999999999-01-01T00:00:00Z",
                            "+999999999-12-31T23:59:59Z", "yesterday").get(random.nextInt(4)));
                }
                if (schema.path("description").asText().startsWith("an amount")) {
                    return nodes.textNode(AMOUNTS.get(random.nextInt(AMOUNTS.size())));
                }
                return nodes.textNode(random.nextInt(3) == 0 ? text(random)
                        : List.of("13800000001", "alice@example.com", "11010519491231002X", "6222020000000000018",
                        "Ledger#2026x", "123456").get(random.nextInt(6)));
            }
            case "integer", "number" -> {
                return nodes.numberNode(List.of(0L, 1L, 20L, 200L, -1L, 2147483647L, Long.MAX_VALUE, 28L, 5L)
                        .get(random.nextInt(9)));
            }
            case "boolean" -> {
                return nodes.booleanNode(random.nextBoolean());
            }
            case "array" -> {
                ArrayNode array = nodes.arrayNode();
                int size = depth > 3 ? 0 : random.nextInt(4);
                for (int i = 0; i < size; i++) {
                    array.add(value(description, schema.path("items"), random, depth + 1));
                }
                return array;
            }
            default -> {
                ObjectNode object = nodes.objectNode();
                if (depth > 3) {
                    return object;
                }
                for (Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields();
                     properties.hasNext(); ) {
                    Map.Entry<String, JsonNode> property = properties.next();
                    if (random.nextInt(6) != 0) {
                        object.set(property.getKey(), value(description, property.getValue(), random, depth + 1));
                    }
                }
                if (random.nextInt(10) == 0) {
                    object.put("unexpected", "field");
                }
                return object;
            }
        }
    }

    private static String text(Random random) {
        return NASTY_TEXT.get(random.nextInt(NASTY_TEXT.size()));
    }
}
