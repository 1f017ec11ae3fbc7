package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A claim's progress as Server-Sent Events, over real HTTP with the bearer token a customer's app
 * uses: the stream sends the progress and, when its lifetime is over, ends as a chunked answer
 * should (its closing dispatch once lost the caller and was refused on the committed answer, so
 * the stream was cut off mid-answer).
 */
class ProgressStreamIT {

    @TempDir
    Path data;

    @Test
    void a_progress_stream_followed_with_a_bearer_token_sends_the_progress_and_ends_cleanly() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data,
                List.of("--coverledger.claims.progress-stream.lifetime=1s"))) {
            Customers.Customer customer = Customers.register(system, "Chen Jing");
            Api mine = customer.command(system);
            String card = Policies.card(mine, customer.accountId());
            String policyId = Policies.buy(mine, customer.accountId()).policyId();
            Api.Reply claimed = mine.post("/api/claims", ClaimsIT.claimBody(policyId, Policies.today(), "FIRE",
                    "100.00", card));
            String claimId = claimed.json().get("claimId").asText();
            String position = claimed.header("X-Event-Position");
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            String customerToken = mine.post("/api/sessions", "").json().get("token").asText();
            String staffToken = Api.at(system.commandUrl(), "cora").post("/api/sessions", "").json().get("token").asText();
            for (String token : List.of(customerToken, staffToken)) {
                HttpResponse<String> stream = client.send(HttpRequest.newBuilder(URI.create(system.queryUrl()
                                + "/api/claims/" + claimId + "/progress/stream?minPosition=" + position))
                        .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(stream.statusCode()).isEqualTo(200);
                assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("text/event-stream"));
                assertThat(stream.body()).startsWith("event:progress").contains("id:" + claimId + "@")
                        .contains("\"claimId\":\"" + claimId + "\"");
            }
        }
    }
}
