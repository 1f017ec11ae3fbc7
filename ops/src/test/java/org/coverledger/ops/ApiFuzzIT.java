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
    /** A claim of alice's that only the uploads fuzz takes (so that the other fuzz's withdrawal cannot close it). */
    private static String uploadClaim;

    record Operation(String baseUrl, String method, String path, JsonNode operation, JsonNode description) {
    }

    /**
     * {@code hostile}: a body built to be wrong (a multipart upload's), which must be refused with
     * a 4xx. A multipart body is held as ISO-8859-1 text, one character a byte, and sent byte for byte.
     */
    record Exchange(Operation operation, String user, boolean basic, String path, String body, String contentType,
                    boolean hostile) {
        boolean multipart() {
            return operation.operation.path("requestBody").path("content").has(MULTIPART);
        }

        @Override
        public String toString() {
            String shown = body == null ? "" : body.length() > 400 ? body.substring(0, 400) + "..." : body;
            return operation.method + " " + path + " as " + user + (basic ? " (Basic) " : " ")
                    + (contentType == null ? "" : "[" + contentType + "] ") + (hostile ? "(hostile) " : "") + shown;
        }
    }

    private static final String MULTIPART = "multipart/form-data";
    private static final byte[] PDF = ("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            + "%%EOF\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PNG = java.util.HexFormat.of().parseHex("89504e470d0a1a0a0000000d494844520000000100"
            + "00000108060000001f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082");
    private static final byte[] JPEG = java.util.HexFormat.of().parseHex("ffd8ffe000104a46494600010100000100010000ffd9");
    /** The first bytes of a Windows executable, whatever name and type it is sent with. */
    private static final byte[] EXE = java.util.HexFormat.of().parseHex("4d5a90000300000004000000ffff0000b800000000"
            + "0000004000000000000000000000000000000000000000000000000000000000000000000000800000000e1fba0e00b409cd21");

    @BeforeContainer
    static void start() throws Exception {
        data = Files.createTempDirectory("coverledger-fuzz");
        // a progress stream ends after its lifetime (five minutes by default): a second here, so that a
        // follower's GET answers within the client's timeout like every other
        system = RunningSystem.startWith(data, List.of("--coverledger.claims.progress-stream.lifetime=1s"));
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
        Api alice = Api.at(system.commandUrl(), "alice");
        String policyId = Policies.buy(alice, ALICE_ACCOUNT).policyId();
        String claimId = Policies.claim(alice, ALICE_ACCOUNT, policyId, Policies.today(), "WATER_DAMAGE", "1200.00");
        uploadClaim = Policies.claim(alice, ALICE_ACCOUNT, policyId, Policies.today(), "BURGLARY", "800.00");
        assertThat(uploads()).as("the upload is described, as multipart form data").isNotEmpty();
        IDS.addAll(List.of(ALICE_ACCOUNT, policyId, claimId, "00000000-0000-0000-0000-000000000000",
                "x", "..", "%2e%2e", "a".repeat(300), "王", "policies", "accounts"));
    }

    private static final Map<Integer, Integer> ANSWERED = new java.util.concurrent.ConcurrentHashMap<>();
    private static final java.util.concurrent.atomic.AtomicInteger UPLOADS_STORED = new java.util.concurrent.atomic.AtomicInteger();

    @AfterContainer
    static void stop() {
        if (system != null) {
            system.close();
        }
        // a fuzz whose requests were all refused at the door would prove nothing about the handlers behind it
        assertThat(ANSWERED.getOrDefault(2, 0)).as("accepted requests among " + ANSWERED).isGreaterThan(20);
        assertThat(UPLOADS_STORED.get()).as("uploads stored").isGreaterThan(3);
    }

    @Provide
    Arbitrary<Exchange> exchanges() {
        return Arbitraries.randomValue(ApiFuzzIT::exchange);
    }

    @Property(tries = 400, seed = "20261129")
    void no_request_fails_the_server_breaks_the_description_or_appends_when_refused(@ForAll("exchanges") Exchange exchange)
            throws Exception {
        send(exchange);
    }

    @Provide
    Arbitrary<Exchange> uploadExchanges() {
        return Arbitraries.randomValue(ApiFuzzIT::upload);
    }

    /**
     * The upload of materials, the one operation whose body is multipart form data, on a claim that
     * takes them: valid files are stored, and every hostile body is refused with a 4xx, never a 5xx.
     * (At most 50 materials a claim: fewer tries than that.)
     */
    @Property(tries = 45, seed = "20261203")
    void an_upload_is_stored_or_refused_with_a_4xx_and_a_hostile_one_always_refused(
            @ForAll("uploadExchanges") Exchange exchange) throws Exception {
        send(exchange);
    }

    private void send(Exchange exchange) throws Exception {
        long before = system.storedEvents();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(exchange.operation.baseUrl + exchange.path))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.operation.method, exchange.body == null ? HttpRequest.BodyPublishers.noBody()
                        : exchange.multipart() ? HttpRequest.BodyPublishers.ofByteArray(
                        exchange.body.getBytes(StandardCharsets.ISO_8859_1))
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
        HttpResponse<String> response;
        try {
            response = CLIENT.send(sent, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new java.io.IOException("no whole answer to " + exchange + ": " + e.getMessage(), e);
        }
        Statistics.label("answers").collect(response.statusCode() / 100 + "xx");
        Statistics.label("refusals").collect(response.statusCode() >= 400 ? response.statusCode() + " "
                + JSON.readTree(response.body()).path("code").asText() : "none");
        ANSWERED.merge(response.statusCode() / 100, 1, Integer::sum);
        if (exchange.multipart() && response.statusCode() == 201) {
            UPLOADS_STORED.incrementAndGet();
        }
        assertThat(response.statusCode()).as(exchange + " -> " + response.body()).isLessThan(500);
        if (exchange.hostile) {
            assertThat(response.statusCode()).as("hostile, yet accepted: " + exchange + " -> " + response.body())
                    .isBetween(400, 499);
        }
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

    private static List<Operation> uploads() {
        return OPERATIONS.stream().filter(o -> o.operation.path("requestBody").path("content").has(MULTIPART)).toList();
    }

    private static Exchange upload(Random random) {
        List<Operation> uploads = uploads();
        Operation operation = uploads.get(random.nextInt(uploads.size()));
        List<String> permitted = permittedUsers(operation);
        String user = random.nextInt(10) == 0 ? null : random.nextInt(5) != 0 ? permitted.get(random.nextInt(permitted.size()))
                : USERS.get(random.nextInt(USERS.size()));
        String claim = random.nextInt(4) != 0 ? uploadClaim : random.nextInt(4) == 0 ? text(random)
                : IDS.get(random.nextInt(IDS.size()));
        String path = operation.path.replaceAll("\\{[^}]+}", java.util.regex.Matcher.quoteReplacement(
                URLEncoder.encode(claim, StandardCharsets.UTF_8)));
        Multipart multipart = multipart(random);
        return new Exchange(operation, user, random.nextInt(5) == 0, path, multipart.body(), multipart.contentType(),
                multipart.hostile());
    }

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
        boolean hostile = false;
        JsonNode content = operation.operation.path("requestBody").path("content");
        if (content.has(MULTIPART)) {
            Multipart multipart = multipart(random);
            body = multipart.body();
            contentType = multipart.contentType();
            hostile = multipart.hostile();
        } else if (content.has("application/json")) {
            JsonNode schema = resolve(operation.description, content.get("application/json").path("schema"));
            body = random.nextInt(15) == 0 ? "{\"unclosed\": " : value(operation.description, schema, random, 0).toString();
            contentType = switch (random.nextInt(20)) {
                case 0 -> "*/*";
                case 1 -> "text/plain";
                default -> "application/json";
            };
        }
        return new Exchange(operation, user, random.nextInt(5) == 0, path, body, contentType, hostile);
    }

    record Multipart(String body, String contentType, boolean hostile) {
    }

    /**
     * An upload of a claim's material: mostly a JPEG, PNG or PDF with a category, as the form says,
     * now and then hostile: an executable named as a PDF, nasty or missing parts, unknown parts, a
     * boundary that is not the body's, a body cut short, no boundary at all, or not multipart.
     */
    private static Multipart multipart(Random random) {
        String boundary = "fuzz" + Long.toHexString(random.nextLong());
        String type = MULTIPART + "; boundary=" + boundary;
        List<String> categories = List.of("INVOICE", "DIAGNOSIS", "DISCHARGE_SUMMARY", "ID_DOCUMENT", "POLICE_REPORT",
                "PHOTO", "OTHER");
        String category = categories.get(random.nextInt(categories.size()));
        byte[] file = List.of(PDF, PNG, JPEG).get(random.nextInt(3));
        // a file of its own per request, so that an upload is a new material and not the one the claim has
        byte[] distinct = java.util.Arrays.copyOf(file, file.length + 8);
        java.nio.ByteBuffer.wrap(distinct, file.length, 8).putLong(random.nextLong());
        return switch (random.nextInt(22)) { // half of them hostile
            case 0 -> new Multipart(form(boundary, part("category", null, null, text(random).getBytes(StandardCharsets.UTF_8)),
                    part("file", "a.pdf", "application/pdf", distinct)), type, true);
            case 1 -> new Multipart(form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8)),
                    part("file", "invoice.pdf", "application/pdf", EXE)), type, true);
            case 2 -> new Multipart(form(boundary, part("file", "photo.png", "image/png", distinct)), type, true);
            case 3 -> new Multipart(form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8))),
                    type, true);
            case 4 -> new Multipart(form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8)),
                    part("file", "a.pdf", "application/pdf", distinct), part("extra", null, null,
                            "field".getBytes(StandardCharsets.UTF_8))), type, true);
            case 5 -> new Multipart(form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8)),
                    part("file", "a.pdf", "application/pdf", distinct)), MULTIPART + "; boundary=not" + boundary, true);
            case 6 -> {
                String whole = form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8)),
                        part("file", "a.pdf", "application/pdf", distinct));
                yield new Multipart(whole.substring(0, whole.length() / 2 + random.nextInt(whole.length() / 2 - 2)),
                        type, true);
            }
            case 7 -> new Multipart(form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8)),
                    part("file", "a.pdf", "application/pdf", distinct)), MULTIPART, true);
            case 8 -> new Multipart(form(boundary, part("category", null, null, category.getBytes(StandardCharsets.UTF_8)),
                    part("file", "a.pdf", "application/pdf", distinct)), random.nextBoolean() ? "application/json"
                    : "text/plain", true);
            case 9 -> new Multipart("", type, true);
            case 10 -> new Multipart("--" + boundary + "\r\nContent-Disposition: garbage\r\n\r\n" + text(random)
                    + "\r\n--" + boundary + "--\r\n", type, true);
            default -> new Multipart(form(boundary, part("category", null, null,
                    category.getBytes(StandardCharsets.UTF_8)), part("file", random.nextBoolean() ? text(random) : "a.pdf",
                    "application/octet-stream", distinct)), type, false);
        };
    }

    private static String part(String name, String fileName, String type, byte[] content) {
        String headers = "Content-Disposition: form-data; name=\"" + name + "\""
                + (fileName == null ? "" : "; filename=\"" + fileName.replace("\"", "'") + "\"")
                + (type == null ? "" : "\r\nContent-Type: " + type);
        return new String(headers.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1) + "\r\n\r\n"
                + new String(content, StandardCharsets.ISO_8859_1);
    }

    private static String form(String boundary, String... parts) {
        StringBuilder body = new StringBuilder();
        for (String part : parts) {
            body.append("--").append(boundary).append("\r\n").append(part).append("\r\n");
        }
        return body.append("--").append(boundary).append("--\r\n").toString();
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
