package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop everything, start it again on the same data: nothing lost, nothing projected twice. */
class RestartIT {

    @TempDir
    Path data;

    @Test
    void data_and_projections_survive_a_restart_and_no_event_is_projected_twice() throws Exception {
        // Restarts in this JVM reuse the data directory; the kill -9 case is EmbeddedMongoDurabilityIT
        try (RunningSystem system = RunningSystem.start(data)) {
            String policyId = createHistory(system);
            long events = system.storedEvents();
            awaitJson(Api.at(system.queryUrl(), "cora"), "/api/audit?size=1", a -> a.get("total").asLong() == events);

            system.stopAll();
            system.startAll();

            assertThat(system.storedEvents()).isEqualTo(events);
            JsonNode policy = Api.at(system.queryUrl(), "alice").get("/api/policies/" + policyId).json();
            assertThat(policy.get("changes")).hasSize(4);
            assertThat(policy.get("beneficiary").asText()).isEqualTo("Fourth");
            // the policy is long-lived: it was snapshotted, and loads from the snapshot after the restart
            assertThat(system.snapshotOf(policyId)).as("policy snapshot").isNotNull();
            assertThat(system.snapshotOf(policyId).getLong("seq")).isGreaterThanOrEqualTo(2L);

            // a new event after the restart is projected exactly once, and nothing before it again
            Reply change = Api.at(system.commandUrl(), "alice").post("/api/policies/" + policyId + "/changes",
                    "{\"beneficiary\":\"Fifth\"}");
            assertThat(change.status()).as(change.toString()).isEqualTo(202);
            JsonNode afterRestart = awaitJson(Api.at(system.queryUrl(), "alice"), "/api/policies/" + policyId,
                    p -> p.get("changes").size() == 5);
            // PolicyIssued 0, PolicyStarted 1 (bought on its start date), four changes, then this one
            assertThat(afterRestart.get("changes").get(4).get("sequence").asLong()).isEqualTo(6);
            JsonNode audit = awaitJson(Api.at(system.queryUrl(), "cora"), "/api/audit?size=200",
                    a -> a.get("total").asLong() == events + 1);
            assertThat(audit.get("items")).hasSize((int) events + 1);
            // and it stays so: no processor replays the history behind the new event
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                    Api.at(system.queryUrl(), "cora").get("/api/audit?size=1").json().get("total").asLong() == events + 1);
            MeterRegistry meters = system.querySide().getBean(MeterRegistry.class);
            assertThat(meters.get("coverledger.projection.redeliveries").counter().count()).isZero();
        }
    }

    private static String createHistory(RunningSystem system) {
        Api alice = Api.at(system.commandUrl(), "alice");
        String accountId = Customers.ALICE_ACCOUNT;
        String policyId = Policies.buy(alice, accountId).policyId();
        for (String heir : new String[] {"First", "Second", "Third", "Fourth"}) {
            assertThat(alice.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"" + heir + "\"}")
                    .status()).isEqualTo(202);
        }
        awaitJson(Api.at(system.queryUrl(), "alice"), "/api/policies/" + policyId, p -> p.get("changes").size() == 4);
        return policyId;
    }
}
