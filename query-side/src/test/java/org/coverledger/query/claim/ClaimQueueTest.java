package org.coverledger.query.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.coverledger.query.claim.ClaimEvents.ACCOUNT;
import static org.coverledger.query.claim.ClaimEvents.assigned;
import static org.coverledger.query.claim.ClaimEvents.cny;
import static org.coverledger.query.claim.ClaimEvents.requested;
import static org.coverledger.query.claim.ClaimEvents.submitted;
import static org.coverledger.query.claim.ClaimEvents.uploaded;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;

import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimWithdrawn;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.Outcome;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.platform.InvalidRequest;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpServletRequest;

/** The adjusters' queue, the claim list and who sees which claim, over a few claims and a fixed business clock. */
class ClaimQueueTest {

    /** Wednesday 2027-03-10, 09:00 in Shanghai. */
    private static final Instant NOW = Instant.parse("2027-03-10T01:00:00Z");
    private static final Caller ADAM = new Caller("adam", Set.of(Role.ADJUSTER));
    private static final Caller ALICE = new Caller("alice", Set.of(Role.CUSTOMER));
    private static final Caller BOB = new Caller("bob", Set.of(Role.CUSTOMER));

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final ClaimProgressProjection projection = new ClaimProgressProjection(mongo.template());
    private final FirstActionSla sla = ClaimEvents.sla(NOW);
    private final ClaimQueryController controller = new ClaimQueryController(mongo.template(), sla,
            new ClaimProgressStreams(Duration.ofMillis(250), Duration.ofMinutes(5)), new MockHttpServletRequest(), null);

    @AfterEach
    void stop() {
        mongo.close();
    }

    @BeforeEach
    void claims() {
        // Wednesday 03-03 10:00, acted on Friday 03-05: in time; quiet since
        projection.on(submitted("clm-c", Instant.parse("2027-03-03T02:00:00Z"), "c"), 0, "alice");
        projection.on(assigned("clm-c", Instant.parse("2027-03-03T02:00:00Z"), "adam"), 1);
        projection.on(requested("clm-c", Instant.parse("2027-03-05T02:00:00Z"), "n"), 2);
        // Thursday 03-04 10:00, due Tuesday 03-09 10:00: only the claimant did something
        projection.on(submitted("clm-b", Instant.parse("2027-03-04T02:00:00Z"), "b"), 0, "alice");
        projection.on(assigned("clm-b", Instant.parse("2027-03-04T02:00:00Z"), "adam"), 1);
        projection.on(uploaded("clm-b", "m-1", MaterialCategory.PHOTO, Instant.parse("2027-03-05T02:00:00Z"),
                "ab".repeat(32), 1), 2);
        // Friday 03-05 10:00: due Wednesday 03-10 10:00 (three calendar days would be Monday)
        projection.on(submitted("clm-a", Instant.parse("2027-03-05T02:00:00Z"), "a"), 0, "alice");
        projection.on(assigned("clm-a", Instant.parse("2027-03-05T02:00:00Z"), "ben"), 1);
        // closed: not in the queue
        projection.on(submitted("clm-d", Instant.parse("2027-03-01T02:00:00Z"), "d"), 0, "alice");
        projection.on(new ClaimWithdrawn("clm-d", ACCOUNT, "found the receipt", "alice",
                Instant.parse("2027-03-01T03:00:00Z")), 1);
        projection.on(new ClaimClosed("clm-d", ACCOUNT, "pol-1", Outcome.WITHDRAWN, cny("0.00"),
                Instant.parse("2027-03-01T03:00:00Z")), 2, "adam");
    }

    @Test
    void the_first_action_is_due_within_working_days() {
        assertThat(sla.deadline(Instant.parse("2027-03-05T02:00:00Z"))).isEqualTo(Instant.parse("2027-03-10T02:00:00Z"));
        // Saturday 12:00 counts from Monday 00:00: due Thursday 00:00
        assertThat(sla.deadline(Instant.parse("2027-03-06T04:00:00Z"))).isEqualTo(Instant.parse("2027-03-10T16:00:00Z"));
        assertThat(sla.deadline(Instant.parse("2027-03-01T02:00:00Z"))).isEqualTo(Instant.parse("2027-03-04T02:00:00Z"));
    }

    @Test
    void the_queue_holds_open_claims_oldest_first_with_their_sla() {
        Paging.Page<ClaimQueryController.ClaimQueueItem> queue = controller.queue(null, null, null, null, ADAM);
        assertThat(queue.items()).extracting(ClaimQueryController.ClaimQueueItem::claimId)
                .containsExactly("clm-c", "clm-b", "clm-a");
        assertThat(queue.total()).isEqualTo(3);
        assertThat(queue.items()).extracting(ClaimQueryController.ClaimQueueItem::slaBreached)
                .containsExactly(false, true, false);
        ClaimQueryController.ClaimQueueItem quiet = queue.items().get(0);
        assertThat(quiet.daysSinceLastStep()).isEqualTo(5);
        assertThat(quiet.nextActor()).isEqualTo(ClaimProgress.Actor.CUSTOMER);
        assertThat(queue.items().get(1).firstActionAt()).isNull();
        assertThat(queue.items().get(1).firstActionDueBy()).isEqualTo(Instant.parse("2027-03-09T02:00:00Z"));
    }

    @Test
    void the_queue_filters_by_assignee_and_open_status() {
        assertThat(controller.queue("adam", null, null, null, ADAM).items())
                .extracting(ClaimQueryController.ClaimQueueItem::claimId).containsExactly("clm-c", "clm-b");
        assertThat(controller.queue(null, "MATERIALS_REQUESTED", null, null, ADAM).items())
                .extracting(ClaimQueryController.ClaimQueueItem::claimId).containsExactly("clm-c");
        assertThatThrownBy(() -> controller.queue(null, "CLOSED", null, null, ADAM)).isInstanceOf(InvalidRequest.class);
    }

    @Test
    void a_customer_lists_and_sees_only_their_own_claims() {
        assertThat(controller.list(null, null, null, null, null, null, null, ALICE).total()).isEqualTo(4);
        assertThat(controller.list(null, null, null, null, null, null, null, BOB).total()).isZero();
        assertThat(controller.progress("clm-a", null, ALICE).claimId()).isEqualTo("clm-a");
        assertThatThrownBy(() -> controller.progress("clm-a", null, BOB)).isInstanceOf(NotFound.class);
        assertThatThrownBy(() -> controller.progress("nope", null, ADAM)).isInstanceOf(NotFound.class);
    }

    @Test
    void staff_filter_the_list_by_status_assignee_and_day_submitted() {
        assertThat(controller.list("CLOSED", null, null, null, null, null, null, ADAM).items())
                .extracting(ClaimQueryController.ClaimSummary::claimId).containsExactly("clm-d");
        assertThat(controller.list(null, "pol-1", "ben", null, null, null, null, ADAM).items())
                .extracting(ClaimQueryController.ClaimSummary::claimId).containsExactly("clm-a");
        // newest first; days in business time
        assertThat(controller.list(null, null, null, "2027-03-03", "2027-03-04", null, null, ADAM).items())
                .extracting(ClaimQueryController.ClaimSummary::claimId).containsExactly("clm-b", "clm-c");
        assertThatThrownBy(() -> controller.list(null, null, "adam", null, null, null, null, ALICE))
                .isInstanceOf(InvalidRequest.class);
    }
}
