package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operators rebuild projections and work their dead letters through the admin API. */
class ProjectionAdminIT {

    @TempDir
    static Path data;
    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.start(data, FlakyClaimHandler.class);
    }

    @AfterAll
    static void stop() {
        FlakyClaimHandler.failing.set(false);
        system.close();
    }

    static Api command(String user) {
        return Api.at(system.commandUrl(), user);
    }

    static Api query(String user) {
        return Api.at(system.queryUrl(), user);
    }

    static String policy() {
        return Policies.buy(command("alice"), Customers.ALICE_ACCOUNT).policyId();
    }

    /** A claim on the policy for today: one open claim per policy, day and incident type. */
    static String claim(String policyId, String incidentType) {
        return Policies.claim(command("alice"), Customers.ALICE_ACCOUNT, policyId, Policies.today(), incidentType,
                "5000.00");
    }

    @Test
    void a_rebuilt_projection_equals_the_live_one_and_shows_its_progress() {
        String policyId = policy();
        for (int i = 0; i < 5; i++) {
            assertThat(command("alice").post("/api/policies/" + policyId + "/changes",
                    "{\"beneficiary\":\"Heir " + i + "\"}").status()).isEqualTo(202);
        }
        JsonNode live = awaitJson(query("root"), "/api/policies/" + policyId, p -> p.get("changes").size() == 5);
        JsonNode liveList = query("uma").get("/api/policies?size=200").json();

        Reply rebuild = query("root").post("/api/admin/projections/policies/rebuild", "");
        assertThat(rebuild.status()).as(rebuild.toString()).isEqualTo(202);
        assertThat(rebuild.json().get("state").asText()).isEqualTo("BUILDING");
        JsonNode cut = awaitJson(query("root"), "/api/admin/projections/policies/rebuild",
                p -> p.get("state").asText().equals("CUT_OVER"));
        assertThat(cut.get("behind").asLong()).isZero();
        assertThat(cut.has("eventsPerSecond")).isTrue();
        JsonNode done = awaitJson(query("root"), "/api/admin/projections/policies",
                p -> p.get("caughtUp").asBoolean() && p.get("position").asLong() == p.get("head").asLong());
        assertThat(done.get("running").asBoolean()).isTrue();
        assertThat(done.get("segmentsClaimedHere").asInt()).isEqualTo(4);
        assertThat(done.get("behind").asLong()).isZero();

        JsonNode rebuilt = awaitJson(query("root"), "/api/policies/" + policyId, p -> p.get("changes").size() == 5);
        assertThat(rebuilt).isEqualTo(live);
        assertThat(query("uma").get("/api/policies?size=200").json()).isEqualTo(liveList);

        JsonNode all = query("root").get("/api/admin/projections").json();
        assertThat(all.findValuesAsText("name")).contains("policies", "claims", "audit");
        assertThat(query("uma").get("/api/admin/projections").status()).isEqualTo(403);
        assertThat(query("root").post("/api/admin/projections/nope/rebuild", "").status()).isEqualTo(404);
    }

    @Test
    void a_failing_event_waits_in_the_dead_letter_queue_without_blocking_others_and_is_retried() {
        String policyId = policy();
        String poisoned = claim(policyId, "WATER_DAMAGE");
        String healthy = claim(policyId, "BURGLARY");
        // submitted and assigned: two steps each before the requests
        awaitJson(query("alice"), "/api/claims/" + poisoned + "/progress", p -> p.get("timeline").size() == 2);
        FlakyClaimHandler.failing.set(true);
        assertThat(command("adam").post("/api/claims/" + poisoned + "/material-requests",
                "{\"items\":[{\"category\":\"PHOTO\",\"description\":\"photos\"}],\"note\":\"POISON\"}")
                .status()).isEqualTo(202);
        assertThat(command("adam").post("/api/claims/" + poisoned + "/material-requests",
                "{\"items\":[{\"category\":\"OTHER\",\"description\":\"repair quote\"}],\"note\":\"second\"}")
                .status()).isEqualTo(202);
        assertThat(command("adam").post("/api/claims/" + healthy + "/material-requests",
                "{\"items\":[{\"category\":\"INVOICE\",\"description\":\"invoice\"}],\"note\":\"fine\"}")
                .status()).isEqualTo(202);

        // the other claim is not held up
        awaitJson(query("alice"), "/api/claims/" + healthy + "/progress",
                p -> "MATERIALS_REQUESTED".equals(p.get("status").asText()));
        JsonNode queue = awaitJson(query("root"), "/api/admin/dead-letters/claims", q -> q.get("letters").asLong() == 2);
        assertThat(queue.get("sequences").asLong()).isEqualTo(1);
        JsonNode letters = queue.get("deadLetters").get(0);
        assertThat(letters.get(0).get("aggregateId").asText()).isEqualTo(poisoned);
        assertThat(letters.get(0).get("cause").asText()).contains("downstream unavailable");
        assertThat(letters.get(1).get("eventType").asText()).isEqualTo("MaterialsRequested");
        assertThat(query("alice").get("/api/claims/" + poisoned + "/progress").json().get("timeline").size())
                .as("the second request waits behind the first").isLessThan(4);

        FlakyClaimHandler.failing.set(false);
        Reply retried = query("root").post("/api/admin/dead-letters/claims/retry", "");
        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.json().get("lettersLeft").asLong()).isZero();
        JsonNode progress = awaitJson(query("alice"), "/api/claims/" + poisoned + "/progress",
                p -> p.get("timeline").size() == 4);
        assertThat(WalkingSkeletonIT.ids(progress.get("timeline"), "step")).containsExactly("SUBMITTED", "ASSIGNED",
                "MATERIALS_REQUESTED", "MATERIALS_REQUESTED");
        assertThat(progress.get("timeline").get(2).get("note").asText()).isEqualTo("POISON");
        assertThat(progress.get("timeline").get(3).get("note").asText()).isEqualTo("second");
        assertThat(query("root").get("/api/admin/dead-letters/claims").json().get("letters").asLong()).isZero();
    }
}
