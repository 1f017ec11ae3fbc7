package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail as compliance searches it: by who, what, which request and from where, paged
 * by a cursor over global positions, every entry once and in the event store's order.
 */
class AuditQueryIT {

    @TempDir
    Path data;

    @Test
    void filters_find_who_did_what_from_where_and_the_cursor_walks_every_entry_once_in_order() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            Customer customer = Customers.register(system, "Sun Lei");
            Api buyer = customer.command(system);
            String policyId = Policies.buy(buyer, customer.accountId()).policyId();
            Reply changed = buyer.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"Sun Mei\"}",
                    "audit-query-change-1");
            assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
            Api cora = Api.at(system.queryUrl(), "cora");
            long events = system.storedEvents();
            await().atMost(Duration.ofSeconds(20)).until(() -> cora.get("/api/audit?size=1").json().get("total").asLong() == events);

            // by request: the one change, and what it caused carries its correlation
            JsonNode byRequest = cora.get("/api/audit?requestId=audit-query-change-1").json();
            assertThat(byRequest.get("items")).isNotEmpty();
            JsonNode change = byRequest.get("items").get(0);
            assertThat(change.get("eventType").asText()).isEqualTo("PolicyChanged");
            assertThat(change.get("aggregateId").asText()).isEqualTo(policyId);
            String actor = change.get("actor").asText();
            String clientIp = change.get("clientIp").asText();
            JsonNode byType = cora.get("/api/audit?eventType=PolicyChanged&aggregateId=" + policyId).json();
            assertThat(byType.get("total").asLong()).isEqualTo(1);
            JsonNode byActor = cora.get("/api/audit?actor=" + actor + "&size=200").json();
            assertThat(byActor.get("items")).allMatch(e -> e.get("actor").asText().equals(actor));
            assertThat(byActor.get("items").findValuesAsText("eventType")).contains("PolicyChanged");
            assertThat(cora.get("/api/audit?clientIp=" + clientIp + "&size=1").json().get("total").asLong()).isPositive();
            assertThat(cora.get("/api/audit?clientIp=198.51.100.77").json().get("items")).isEmpty();
            if (change.hasNonNull("correlationId")) {
                JsonNode correlated = cora.get("/api/audit?correlationId=" + change.get("correlationId").asText()).json();
                assertThat(correlated.get("items").findValuesAsText("eventId")).contains(change.get("eventId").asText());
            }

            // the cursor: pages of 3 from the start, each entry once, positions rising, no next at the end
            List<Long> positions = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            String path = "/api/audit?size=3";
            for (int pages = 0; pages < 100; pages++) {
                JsonNode page = cora.get(path).json();
                page.get("items").forEach(e -> {
                    positions.add(e.get("position").asLong());
                    ids.add(e.get("eventId").asText());
                });
                if (!page.hasNonNull("next")) {
                    break;
                }
                path = "/api/audit?size=3&after=" + page.get("next").asLong();
            }
            assertThat(ids).hasSize((int) events).doesNotHaveDuplicates();
            assertThat(positions).isSorted().doesNotHaveDuplicates();
            assertThat(positions.get(0)).isZero();

            // what is asked wrongly
            Reply negative = cora.get("/api/audit?after=-1");
            assertThat(negative.status()).isEqualTo(400);
            assertThat(negative.json().get("errors").findValuesAsText("field")).containsExactly("after");
            Reply both = cora.get("/api/audit?after=3&page=1");
            assertThat(both.status()).isEqualTo(400);
            assertThat(both.json().get("errors").findValuesAsText("field")).containsExactly("page");
            assertThat(cora.get("/api/audit?after=abc").status()).isEqualTo(400);
        }
    }
}
