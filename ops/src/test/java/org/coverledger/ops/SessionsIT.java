package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A login is exchanged once for a bearer token that both sides accept, with the same roles and limits. */
class SessionsIT {

    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.shared(); // one system for several test classes: see RunningSystem.shared
    }


    @Test
    void a_customer_logs_in_once_and_uses_the_token_on_both_sides_until_logging_out() throws Exception {
        Customer li = Customers.register(system, "Li Na");
        Reply session = li.command(system).post("/api/sessions", "");
        assertThat(session.status()).as(session.toString()).isEqualTo(201);
        assertThat(session.json().get("tokenType").asText()).isEqualTo("Bearer");
        String token = session.json().get("token").asText();

        // the account view follows the registration within a moment
        await().atMost(Duration.ofSeconds(30)).until(() ->
                bearer(system.queryUrl(), token, "GET", "/api/accounts/" + li.accountId()).statusCode() == 200);
        assertThat(bearer(system.commandUrl(), token, "POST", "/api/accounts/" + li.accountId() + "/cards",
                "{\"bankCardNumber\":\"6222020200112345679\"}").statusCode()).isEqualTo(201);
        // the same object-level checks and roles: another account is not there, staff endpoints are forbidden
        assertThat(bearer(system.queryUrl(), token, "GET", "/api/accounts/" + Customers.ALICE_ACCOUNT).statusCode())
                .isEqualTo(404);
        assertThat(bearer(system.queryUrl(), token, "GET", "/api/audit").statusCode()).isEqualTo(403);
        // a token does not make another token
        HttpResponse<String> again = bearer(system.commandUrl(), token, "POST", "/api/sessions", "");
        assertThat(code(again)).isEqualTo("TOKEN_NEEDS_PASSWORD");

        assertThat(bearer(system.commandUrl(), token, "DELETE", "/api/sessions/current").statusCode()).isEqualTo(204);
        HttpResponse<String> ended = bearer(system.queryUrl(), token, "GET", "/api/accounts/" + li.accountId());
        assertThat(ended.statusCode()).isEqualTo(401);
        assertThat(code(ended)).isEqualTo("INVALID_TOKEN");
        assertThat(code(bearer(system.queryUrl(), "made-up", "GET", "/api/policies"))).isEqualTo("INVALID_TOKEN");
    }

    @Test
    void a_locked_customers_token_stops_and_a_password_change_ends_every_token() throws Exception {
        Customer qin = Customers.register(system, "Qin Mei");
        String token = qin.command(system).post("/api/sessions", "").json().get("token").asText();
        for (int i = 0; i < 5; i++) {
            Api.as(system.queryUrl(), qin.mobile(), "Wrong#pass" + i).get("/api/policies");
        }
        assertThat(code(bearer(system.queryUrl(), token, "GET", "/api/policies"))).isEqualTo("ACCOUNT_LOCKED");
        assertThat(Api.at(system.commandUrl(), "root").post("/api/accounts/" + qin.accountId() + "/unlock", "").status())
                .isEqualTo(202);
        assertThat(bearer(system.queryUrl(), token, "GET", "/api/policies").statusCode()).isEqualTo(200);

        assertThat(qin.command(system).post("/api/accounts/" + qin.accountId() + "/password",
                "{\"currentPassword\":\"" + qin.password() + "\",\"newPassword\":\"Brand#new99\"}").status()).isEqualTo(204);
        assertThat(code(bearer(system.queryUrl(), token, "GET", "/api/policies"))).isEqualTo("INVALID_TOKEN");
    }

    @Test
    void staff_tokens_carry_their_roles() throws Exception {
        String analyst = Api.at(system.commandUrl(), "ana").post("/api/sessions", "").json().get("token").asText();
        assertThat(bearer(system.queryUrl(), analyst, "GET", "/api/accounts").statusCode()).isEqualTo(200);
        assertThat(bearer(system.commandUrl(), analyst, "POST", "/api/quotes", "{}").statusCode()).isEqualTo(403);
    }

    private static HttpResponse<String> bearer(String base, String token, String method, String path) throws Exception {
        return bearer(base, token, method, path, null);
    }

    private static HttpResponse<String> bearer(String base, String token, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String code(HttpResponse<String> response) throws Exception {
        JsonNode json = new ObjectMapper().readTree(response.body());
        return json.path("code").asText();
    }
}
