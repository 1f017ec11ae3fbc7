package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two query-side instances on one store share the segments (two each), the token store's
 * claims give each segment to one instance, so every event is projected once across them;
 * when one goes away, the other claims its segments and finishes the work.
 */
class QueryInstancesIT {

    @TempDir
    Path data;

    @Test
    void two_instances_project_every_event_once_and_one_carries_on_when_the_other_stops() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            ConfigurableApplicationContext second = system.startAnotherQuerySide();
            try {
                // the work is shared: the first instance gives up half the segments to the second
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                        .until(() -> segments(system.queryUrl()) == 2 && segments(RunningSystem.urlOf(second)) == 2);
                Api alice = Api.at(system.commandUrl(), "alice");
                String accountId = Customers.ALICE_ACCOUNT;
                for (int i = 0; i < 10; i++) {
                    Policies.buy(alice, accountId);
                }
                long events = system.storedEvents();
                awaitJson(Api.at(system.queryUrl(), "cora"), "/api/audit?size=1", a -> a.get("total").asLong() == events);
                awaitJson(Api.at(RunningSystem.urlOf(second), "uma"), "/api/policies?size=1",
                        p -> p.get("total").asLong() == 10);
                assertThat(redeliveries(system.querySide()) + redeliveries(second)).isZero();

                system.querySide().close(); // the first instance goes away; its claims are released
                for (int i = 0; i < 5; i++) {
                    Policies.buy(alice, accountId);
                }
                long more = system.storedEvents();
                String secondUrl = RunningSystem.urlOf(second);
                awaitJson(Api.at(secondUrl, "cora"), "/api/audit?size=1", a -> a.get("total").asLong() == more);
                awaitJson(Api.at(secondUrl, "uma"), "/api/policies?size=1", p -> p.get("total").asLong() == 15);
                assertThat(segments(secondUrl)).isEqualTo(4);
                assertThat(redeliveries(second)).isZero();
            } finally {
                second.close();
            }
        }
    }

    private static int segments(String queryUrl) {
        JsonNode progress = Api.at(queryUrl, "root").get("/api/admin/projections/policies").json();
        return progress.get("segmentsClaimedHere").asInt();
    }

    private static double redeliveries(ConfigurableApplicationContext querySide) {
        return querySide.getBean(MeterRegistry.class).get("coverledger.projection.redeliveries").counter().count();
    }
}
