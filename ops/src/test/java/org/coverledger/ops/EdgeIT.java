package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP edge as a hostile client meets it, over real HTTP on both apps: every input seen to
 * answer 500 or to slip through answers a Problem Details document with a stable code and the
 * request id, names the bad field, and appends nothing.
 */
class EdgeIT {

    private static final String ALICE_ACCOUNT = "b560e476-47f0-32bf-ae87-197f117f6ebe";

    @TempDir
    static Path data;
    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.start(data);
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    private static Api command(String user) {
        return Api.at(system.commandUrl(), user);
    }

    private static Api query(String user) {
        return Api.at(system.queryUrl(), user);
    }

    /** A refusal: the status, Problem Details with the code, the request id; returns the document. */
    private static JsonNode refused(Reply reply, int status, String code) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).as(reply.toString()).startsWith("application/problem+json");
        JsonNode problem = reply.json();
        assertThat(problem.get("code").asText()).as(reply.toString()).isEqualTo(code);
        assertThat(reply.header("X-Request-Id")).as("request id").isNotBlank();
        return problem;
    }

    private static List<String> fields(JsonNode problem) {
        return problem.get("errors").findValuesAsText("field");
    }

    private static String buy() {
        return Policies.buy(command("alice"), ALICE_ACCOUNT).policyId();
    }

    @Test
    void an_id_of_another_kind_of_object_is_not_found() {
        long before = system.storedEvents();
        refused(command("root").post("/api/policies/" + ALICE_ACCOUNT + "/changes", "{\"beneficiary\":\"Li Lei\"}"),
                404, "NOT_FOUND");
        assertThat(system.storedEvents()).isEqualTo(before);
    }

    @Test
    void a_wildcard_or_malformed_content_type_is_unsupported() {
        for (String type : List.of("*/*", "application/*", "json", "application/json;charset=\"unclosed")) {
            refused(command(null).send("POST", "/api/accounts", "{}", "Content-Type", type), 415, "UNSUPPORTED_MEDIA_TYPE");
        }
        refused(command("uma").send("POST", "/api/quotes", "{}", "Content-Type", "text/plain"), 415,
                "UNSUPPORTED_MEDIA_TYPE");
    }

    @Test
    void a_body_over_the_limit_is_refused_before_it_is_read() {
        String huge = "{\"beneficiary\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        refused(command("uma").post("/api/policies/" + buy() + "/changes", huge), 413, "PAYLOAD_TOO_LARGE");
    }

    @Test
    void a_claims_material_may_be_larger_than_the_limit_of_other_bodies() {
        String claim = Policies.claim(command("alice"), ALICE_ACCOUNT, buy(), Policies.today(), "FIRE", "100.00");
        byte[] scan = new byte[2 * 1024 * 1024]; // twice the limit of a JSON body, well within a material's 10 MB
        java.util.Arrays.fill(scan, (byte) ' ');
        byte[] header = "%PDF-1.4\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(header, 0, scan, 0, header.length);
        Reply stored = command("alice").upload("/api/claims/" + claim + "/materials", "INVOICE", "scan.pdf",
                "application/pdf", scan);
        assertThat(stored.status()).as(stored.toString()).isEqualTo(201);
        assertThat(stored.json().get("size").asLong()).isEqualTo(scan.length);
        assertThat(stored.json().get("contentType").asText()).isEqualTo("application/pdf");
    }

    @Test
    void instants_and_pages_that_overflow_are_bad_parameters() {
        JsonNode from = refused(query("cora").get("/api/audit?from=-999999999-01-01T00:00:00Z"), 400, "VALIDATION_FAILED");
        assertThat(fields(from)).containsExactly("from");
        JsonNode page = refused(query("cora").get("/api/audit?page=2147483647&size=200"), 400, "VALIDATION_FAILED");
        assertThat(fields(page)).containsExactly("page");
        Reply pastTheEnd = query("cora").get("/api/audit?page=100000&size=200");
        assertThat(pastTheEnd.status()).isEqualTo(200);
        assertThat(pastTheEnd.json().get("items")).isEmpty();
    }

    @Test
    void control_characters_half_surrogates_and_lenient_amounts_are_refused_with_every_field_named() {
        String policy = buy();
        long before = system.storedEvents();
        for (String beneficiary : List.of("Li\\u0000Lei", "Li\\nLei", "\\u202Eiel iL", "Li\\ud800")) {
            JsonNode problem = refused(command("uma").post("/api/policies/" + policy + "/changes",
                    "{\"beneficiary\":\"" + beneficiary + "\"}"), 400, "VALIDATION_FAILED");
            assertThat(fields(problem)).as(beneficiary).containsExactly("beneficiary");
        }
        for (String amount : List.of("\"1E+3\"", "\" 12.00 \"", "12.5")) {
            JsonNode problem = refused(command("uma").post("/api/policies/" + policy + "/changes",
                    "{\"sumInsured\":" + amount + "}"), 400, "VALIDATION_FAILED");
            assertThat(fields(problem)).as(amount).containsExactly("sumInsured");
        }
        // a premium is never taken from a request: it is a field a quote request does not have
        JsonNode all = refused(command("uma").post("/api/quotes", """
                {"accountId":"","product":"BOAT","sumInsured":"lots","premium":"1E2","startDate":"tomorrow"}"""),
                400, "VALIDATION_FAILED");
        assertThat(fields(all)).contains("accountId", "product", "sumInsured", "premium", "startDate", "insured");
        assertThat(system.storedEvents()).as("nothing appended").isEqualTo(before);
    }

    @Test
    void what_spring_and_the_container_answer_themselves_is_problem_details() {
        refused(command("uma").send("PUT", "/api/quotes", "{}", "Content-Type", "application/json"), 405,
                "METHOD_NOT_ALLOWED");
        assertThat(command("uma").send("PUT", "/api/quotes", "{}", "Content-Type", "application/json")
                .header("Allow")).contains("POST");
        refused(command("uma").get("/api/policies/"), 404, "NOT_FOUND");
        refused(query("cora").get("/api/nothing-here"), 404, "NOT_FOUND");
        refused(command("uma").post("//api/quotes", "{}"), 400, "MALFORMED_REQUEST");
        refused(command("uma").post("/api/policies%2Fx/changes", "{}"), 400, "MALFORMED_REQUEST");
        refused(command("uma").send("POST", "/api/quotes", "not json", "Content-Type", "application/json"), 400,
                "MALFORMED_REQUEST");
    }

    @Test
    void a_closed_demo_customer_logs_in_no_more_and_a_locked_one_is_told_nothing() {
        Reply token = Api.at(system.commandUrl(), "bob").post("/api/sessions", "");
        assertThat(token.status()).as(token.toString()).isEqualTo(201);
        String bobAccount = java.util.UUID.nameUUIDFromBytes("coverledger-demo:bob".getBytes(
                java.nio.charset.StandardCharsets.UTF_8)).toString(); // the demo account's fixed id
        Reply closed = command("root").post("/api/accounts/" + bobAccount + "/closure", "");
        assertThat(closed.status()).as(closed.toString()).isEqualTo(202);
        refused(query("bob").get("/api/policies"), 401, "UNAUTHENTICATED");
        refused(Api.at(system.commandUrl(), "bob").post("/api/sessions", ""), 401, "UNAUTHENTICATED");
        refused(Api.at(system.queryUrl(), null).get("/api/policies", "Authorization",
                "Bearer " + token.json().get("token").asText()), 401, "INVALID_TOKEN");
    }

    @Test
    void problems_speak_chinese_or_english_by_accept_language_and_the_code_stays() {
        JsonNode chinese = refused(command("uma").send("POST", "/api/quotes", "{}", "Content-Type", "application/json",
                "Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"), 400, "VALIDATION_FAILED");
        int invalid = fields(chinese).size();
        assertThat(invalid).isGreaterThan(1);
        assertThat(chinese.get("detail").asText()).isEqualTo("请求中有 " + invalid + " 个字段无效。");
        assertThat(chinese.get("title").asText()).isEqualTo("请求无效");
        JsonNode english = refused(command("uma").send("POST", "/api/quotes", "{}", "Content-Type", "application/json",
                "Accept-Language", "en-GB"), 400, "VALIDATION_FAILED");
        assertThat(english.get("detail").asText()).isEqualTo("The request has " + invalid + " invalid field(s).");
        JsonNode notLoggedIn = refused(Api.at(system.queryUrl(), null).send("GET", "/api/policies", null,
                "Accept-Language", "zh-CN"), 401, "UNAUTHENTICATED");
        assertThat(notLoggedIn.get("detail").asText()).startsWith("需要登录");
        JsonNode tooLarge = refused(command("uma").send("POST", "/api/quotes", "{\"x\":\"" + "y".repeat(1_100_000)
                + "\"}", "Content-Type", "application/json", "Accept-Language", "zh-CN"), 413, "PAYLOAD_TOO_LARGE");
        assertThat(tooLarge.get("detail").asText()).isEqualTo("请求内容超过此地址允许的大小。");
    }

    @Test
    void health_details_are_for_administrators() {
        assertThat(query(null).get("/actuator/health").json().toString()).doesNotContain("diskSpace\":{\"status\":\"UP\",\"details");
        assertThat(query("root").get("/actuator/health").json().findValue("details")).isNotNull();
    }
}
