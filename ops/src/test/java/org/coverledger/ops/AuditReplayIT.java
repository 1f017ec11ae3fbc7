package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How an object looked at any moment: a known history is lived through over HTTP, the views read
 * as they were at each moment are kept, and later the as-of views and the step-by-step replay,
 * folded again from the events, give exactly those back.
 */
class AuditReplayIT {

    @TempDir
    Path data;

    @Test
    void as_of_views_and_the_replay_give_back_the_views_as_they_were_at_each_moment() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            Customer customer = Customers.register(system, "He Ping");
            Api buyer = customer.command(system);
            Policies.Bought bought = Policies.buy(buyer, customer.accountId());
            String policyId = bought.policyId();
            Api cora = Api.at(system.queryUrl(), "cora");
            Api reader = customer.query(system);

            JsonNode policyThen = reader.get("/api/policies/" + policyId, "X-Min-Position",
                    Long.toString(bought.position())).json();
            JsonNode accountThen = reader.get("/api/accounts/" + customer.accountId(), "X-Min-Position",
                    Long.toString(bought.position())).json();
            Thread.sleep(20);
            Instant then = Instant.now();
            Thread.sleep(20);

            Reply changed = buyer.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"He An\"}",
                    "replay-change-1");
            assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
            JsonNode policyNow = reader.get("/api/policies/" + policyId, "X-Min-Position",
                    changed.header("X-Event-Position")).json();
            assertThat(policyNow).as("the change shows now").isNotEqualTo(policyThen);

            // the policy and the account as they stood then, as their owner sees them
            JsonNode policyAsOf = reader.get("/api/policies/" + policyId + "?asOf=" + then).json();
            assertThat(without(policyAsOf, "asOf")).isEqualTo(without(policyThen, "asOf"));
            assertThat(policyAsOf.get("asOf").get("date")).as("and the terms of that day").isNotNull();
            JsonNode accountAsOf = reader.get("/api/accounts/" + customer.accountId() + "?asOf=" + then).json();
            assertThat(accountAsOf).isEqualTo(accountThen);
            assertThat(without(reader.get("/api/policies/" + policyId + "?asOf=" + Instant.now()).json(), "asOf"))
                    .as("as of now: as it is").isEqualTo(policyNow);
            Reply before = reader.get("/api/policies/" + policyId + "?asOf=2001-01-01T00:00:00Z");
            assertThat(before.status()).as("not yet in existence").isEqualTo(404);
            assertThat(reader.get("/api/policies/" + policyId + "?asOf=yesterday").status()).isEqualTo(400);
            assertThat(reader.get("/api/claims/no-such-claim/progress?asOf=" + then).status()).isEqualTo(404);

            // step by step: each event, who, which request, what changed
            JsonNode replay = cora.get("/api/audit/replay/Policy/" + policyId).json();
            JsonNode steps = replay.get("steps");
            assertThat(steps.size()).isGreaterThanOrEqualTo(2);
            for (int i = 0; i < steps.size(); i++) {
                assertThat(steps.get(i).get("sequence").asLong()).isEqualTo(i);
            }
            JsonNode first = steps.get(0);
            assertThat(first.get("eventType").asText()).isEqualTo("PolicyIssued");
            assertThat(first.get("state").get("policyId").asText()).isEqualTo(policyId);
            assertThat(first.get("changed").findValuesAsText("")).isEmpty();
            assertThat(first.get("changed")).isNotEmpty();
            JsonNode change = null;
            for (JsonNode step : steps) {
                if ("replay-change-1".equals(step.path("requestId").asText())) {
                    change = step;
                }
            }
            assertThat(change).as("the change's step, by its request id").isNotNull();
            assertThat(change.get("eventType").asText()).isEqualTo("PolicyChanged");
            assertThat(change.get("actor").asText()).isNotBlank();
            assertThat(change.get("changed").toString()).contains("changes");
            assertThat(change.get("state").toString()).contains("He An");
            JsonNode account = cora.get("/api/audit/replay/Account/" + customer.accountId()).json().get("steps");
            assertThat(account.get(account.size() - 1).get("state").get("name").asText())
                    .as("personal data opened for compliance").isEqualTo("He Ping");

            JsonNode upTo = cora.get("/api/audit/replay/Policy/" + policyId + "?upTo=0").json();
            assertThat(upTo.get("steps").size()).isEqualTo(1);
            JsonNode asOf = cora.get("/api/audit/replay/policy/" + policyId + "?asOf=" + then).json();
            assertThat(asOf.get("steps").size()).isLessThan(steps.size());
            assertThat(asOf.get("steps").toString()).doesNotContain("He An");

            // what is asked wrongly, and by whom
            assertThat(reader.get("/api/audit/replay/Policy/" + policyId).status()).isEqualTo(403);
            Reply unknownType = cora.get("/api/audit/replay/Quote/" + policyId);
            assertThat(unknownType.status()).isEqualTo(400);
            assertThat(unknownType.json().get("errors").findValuesAsText("field")).containsExactly("aggregateType");
            assertThat(cora.get("/api/audit/replay/Policy/no-such-policy").status()).isEqualTo(404);
            Reply bad = cora.get("/api/audit/replay/Policy/" + policyId + "?upTo=-1&asOf=x");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("upTo", "asOf");
        }
    }

    private static JsonNode without(JsonNode node, String field) {
        com.fasterxml.jackson.databind.node.ObjectNode copy = node.deepCopy();
        copy.remove(List.of(field));
        return copy;
    }
}
