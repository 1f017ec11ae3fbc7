package org.coverledger.query.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.query.claim.ClaimEvents.ACCOUNT;
import static org.coverledger.query.claim.ClaimEvents.assessed;
import static org.coverledger.query.claim.ClaimEvents.assigned;
import static org.coverledger.query.claim.ClaimEvents.cny;
import static org.coverledger.query.claim.ClaimEvents.requested;
import static org.coverledger.query.claim.ClaimEvents.submitted;
import static org.coverledger.query.claim.ClaimEvents.uploaded;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.claim.ClaimApi.ClaimApproved;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimPaid;
import org.coverledger.events.claim.ClaimApi.ClaimPayoutFailed;
import org.coverledger.events.claim.ClaimApi.Decision;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.MaterialsProvided;
import org.coverledger.events.claim.ClaimApi.Outcome;
import org.coverledger.events.claim.ClaimApi.PayoutCardChanged;
import org.coverledger.events.claim.ClaimApi.ReasonCode;
import org.coverledger.events.claim.ClaimApi.SecondApprovalRefused;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.privacy.PersonalDataSeal;
import org.coverledger.query.ProjectionTestMongo;
import org.coverledger.query.claim.ClaimProgress.Actor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Given claim events, the progress document and what it tells each reader; a redelivery changes nothing. */
class ClaimProgressProjectionTest {

    /** Tuesday 2027-03-02, 10:00 in Shanghai. */
    private static final Instant AT = Instant.parse("2027-03-02T02:00:00Z");
    private static final Caller ALICE = new Caller("alice", Set.of(Role.CUSTOMER));
    private static final Caller ADAM = new Caller("adam", Set.of(Role.ADJUSTER));
    private static final Caller ANNA = new Caller("anna", Set.of(Role.ANALYST));

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final ClaimProgressProjection projection = new ClaimProgressProjection(mongo.template());
    private final FirstActionSla sla = ClaimEvents.sla(AT.plusSeconds(86_400));

    @AfterEach
    void stop() {
        mongo.close();
    }

    private ClaimProgressView view() {
        return mongo.template().findById("clm-1", ClaimProgressView.class);
    }

    private ClaimProgress progress(Caller caller) {
        return ClaimProgress.of(view(), caller, Locale.ENGLISH, sla);
    }

    private Instant at(int hours) {
        return AT.plusSeconds(hours * 3600L);
    }

    private void submittedAndAssigned() {
        projection.on(submitted("clm-1", AT, "Hospital stay"), 0, "alice");
        projection.on(assigned("clm-1", AT, "adam"), 1);
    }

    /** Submitted, materials asked for, one uploaded, provided, sent to a second approver and back. */
    private void toSecondApprovalRefused() {
        submittedAndAssigned();
        projection.on(requested("clm-1", at(1), "please upload"), 2);
        projection.on(uploaded("clm-1", "mat-1", MaterialCategory.INVOICE, at(2), "ab".repeat(32), 1000), 3);
        projection.on(new MaterialsProvided("clm-1", ACCOUNT, "alice", at(3)), 4);
        projection.on(assessed("clm-1", at(4), Decision.APPROVED, "3200.50", "3000.50", true, List.of()), 5);
        projection.on(new SecondApprovalRefused("clm-1", ACCOUNT, "pol-1", "check the ward rate", "sam", at(5)), 6);
    }

    @Test
    void a_submitted_claim_waits_for_its_adjuster_within_the_sla() {
        submittedAndAssigned();
        ClaimProgress progress = progress(ALICE);
        assertThat(progress.status()).isEqualTo("SUBMITTED");
        assertThat(progress.assignee()).isEqualTo("adam");
        assertThat(progress.nextStep().actor()).isEqualTo(Actor.ADJUSTER);
        // Tuesday 10:00 + 3 working days: Friday 10:00
        assertThat(progress.nextStep().dueBy()).isEqualTo(Instant.parse("2027-03-05T02:00:00Z"));
        assertThat(progress.firstAction().at()).as("the assignment is not an action").isNull();
        assertThat(progress.amounts().claimed()).isEqualByComparingTo("3200.50");
        assertThat(progress.amounts().currency()).isEqualTo("CNY");
        assertThat(progress.timeline()).extracting(ClaimProgress.TimelineStep::step)
                .containsExactly("SUBMITTED", "ASSIGNED");
    }

    @Test
    void materials_requested_tell_the_customer_what_is_outstanding_and_by_when() {
        submittedAndAssigned();
        // uploaded before the request: does not answer it
        projection.on(uploaded("clm-1", "mat-0", MaterialCategory.DISCHARGE_SUMMARY, at(0), "cd".repeat(32), 10), 2);
        projection.on(requested("clm-1", at(1), "please upload"), 3);
        projection.on(uploaded("clm-1", "mat-1", MaterialCategory.INVOICE, at(2), "ab".repeat(32), 1000), 4);

        ClaimProgress progress = progress(ALICE);
        assertThat(progress.status()).isEqualTo("MATERIALS_REQUESTED");
        assertThat(progress.nextStep().actor()).isEqualTo(Actor.CUSTOMER);
        assertThat(progress.nextStep().dueOn()).isEqualTo(LocalDate.parse("2027-03-31"));
        assertThat(progress.nextStep().dueBy()).isEqualTo(Instant.parse("2027-03-31T16:00:00Z"));
        assertThat(progress.materialsRequest().open()).isTrue();
        assertThat(progress.materialsRequest().items()).extracting(ClaimProgress.RequestedItem::category,
                        ClaimProgress.RequestedItem::received)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("INVOICE", true),
                        org.assertj.core.groups.Tuple.tuple("DISCHARGE_SUMMARY", false));
        assertThat(progress.materials()).extracting(ClaimProgress.Material::materialId).containsExactly("mat-0", "mat-1");
        assertThat(progress.firstAction().by()).isEqualTo("adam");
        assertThat(progress.firstAction().at()).as("the claimant's upload is not staff's action").isEqualTo(at(1));
        assertThat(progress.firstAction().breached()).isFalse();
    }

    @Test
    void status_and_next_step_follow_the_lifecycle_to_the_payout() {
        toSecondApprovalRefused();
        assertThat(view().status()).isEqualTo("UNDER_REVIEW");
        assertThat(progress(ADAM).nextStep().actor()).isEqualTo(Actor.ADJUSTER);
        assertThat(progress(ADAM).nextStep().dueBy()).as("the first action is done: no SLA").isNull();

        projection.on(assessed("clm-1", at(6), Decision.PARTIALLY_APPROVED, "2800.00", "2600.00", false,
                List.of(ReasonCode.ABOVE_LIMIT)), 7);
        assertThat(view().status()).as("the approval follows in the same commit").isEqualTo("UNDER_REVIEW");
        projection.on(new ClaimApproved("clm-1", ACCOUNT, "pol-1", cny("2600.00"), List.of("adam"), at(6)), 8, "adam");
        ClaimProgress approved = progress(ALICE);
        assertThat(approved.status()).isEqualTo("APPROVED");
        assertThat(approved.nextStep().actor()).isEqualTo(Actor.SYSTEM);
        assertThat(approved.amounts().approved()).isEqualByComparingTo("2800.00");
        assertThat(approved.amounts().payable()).isEqualByComparingTo("2600.00");
        assertThat(approved.decision().reasons()).containsExactly(
                new ClaimProgress.Reason("ABOVE_LIMIT", "This is above the limit of the cover."));
        assertThat(ClaimProgress.of(view(), ALICE, Locale.SIMPLIFIED_CHINESE, sla).decision().reasons().get(0).words())
                .isEqualTo("超出该保障的赔偿限额。");

        projection.on(new ClaimPayoutFailed("clm-1", ACCOUNT, 1, "pay-1", "TIMEOUT", at(8), at(7)), 9, null);
        assertThat(view().status()).as("retrying").isEqualTo("APPROVED");
        assertThat(progress(ALICE).nextStep().dueBy()).isEqualTo(at(8));

        projection.on(new ClaimPayoutFailed("clm-1", ACCOUNT, 2, "pay-1", "DECLINED", null, at(8)), 10, null);
        assertThat(view().status()).isEqualTo("PAYOUT_FAILED");
        assertThat(progress(ALICE).nextStep().actor()).isEqualTo(Actor.CUSTOMER);
        projection.on(new PayoutCardChanged("clm-1", ACCOUNT, "card-2", "alice", at(9)), 11);
        assertThat(progress(ALICE).nextStep().actor()).isEqualTo(Actor.ADMIN);

        projection.on(new ClaimPaid("clm-1", ACCOUNT, "pol-1", cny("2600.00"), "card-2", "pay-1", "gw-9", at(10)), 12, null);
        projection.on(new ClaimClosed("clm-1", ACCOUNT, "pol-1", Outcome.PAID, cny("2600.00"), at(10)), 13, "adam");
        ClaimProgress closed = ClaimProgress.of(view(), ALICE, Locale.SIMPLIFIED_CHINESE, sla);
        assertThat(closed.status()).isEqualTo("CLOSED");
        assertThat(closed.statusWords()).isEqualTo("理赔案件已结案。");
        assertThat(closed.nextStep().actor()).isEqualTo(Actor.NOBODY);
        assertThat(closed.outcome()).isEqualTo("PAID");
        assertThat(closed.amounts().paid()).isEqualByComparingTo("2600.00");
        assertThat(view().open()).isFalse();
        assertThat(closed.timeline()).extracting(ClaimProgress.TimelineStep::step).containsExactly("SUBMITTED",
                "ASSIGNED", "MATERIALS_REQUESTED", "MATERIAL_UPLOADED", "MATERIALS_PROVIDED", "ASSESSED",
                "SECOND_APPROVAL_REFUSED", "ASSESSED", "APPROVED", "PAYOUT_FAILED", "PAYOUT_FAILED",
                "PAYOUT_CARD_CHANGED", "PAID", "CLOSED");
        assertThat(closed.currentStep().step()).isEqualTo("CLOSED");
    }

    @Test
    void a_second_approval_waits_for_a_second_approver() {
        submittedAndAssigned();
        projection.on(assessed("clm-1", at(4), Decision.APPROVED, "3200.50", "3000.50", true, List.of()), 2);
        ClaimProgress progress = progress(ADAM);
        assertThat(progress.status()).isEqualTo("AWAITING_SECOND_APPROVAL");
        assertThat(progress.nextStep().actor()).isEqualTo(Actor.SECOND_APPROVER);
    }

    @Test
    void a_rejection_closes_the_claim_with_its_reasons() {
        submittedAndAssigned();
        projection.on(assessed("clm-1", at(4), Decision.REJECTED, "0.00", "0.00", false,
                List.of(ReasonCode.WAITING_PERIOD)), 2);
        projection.on(new ClaimClosed("clm-1", ACCOUNT, "pol-1", Outcome.REJECTED, cny("0.00"), at(4)), 3, "adam");
        ClaimProgress progress = progress(ALICE);
        assertThat(progress.status()).isEqualTo("CLOSED");
        assertThat(progress.outcome()).isEqualTo("REJECTED");
        assertThat(progress.outcomeWords()).isEqualTo("Rejected");
        assertThat(progress.decision().decision()).isEqualTo("REJECTED");
        assertThat(progress.decision().lines().get(0).reason().words())
                .isEqualTo("This happened within the policy's waiting period.");
    }

    @Test
    void a_redelivered_history_changes_nothing() {
        toSecondApprovalRefused();
        ClaimProgressView once = view();
        toSecondApprovalRefused();
        projection.on(requested("clm-1", at(1), "please upload"), 2);
        assertThat(view()).isEqualTo(once);
        assertThat(view().materials()).hasSize(1);
        assertThat(view().timeline()).hasSize(7);
    }

    @Test
    void analysts_see_personal_text_withheld_and_no_file_links() {
        toSecondApprovalRefused();
        ClaimProgress analyst = progress(ANNA);
        assertThat(analyst.description()).isEqualTo(PersonalDataSeal.WITHHELD);
        assertThat(analyst.materials().get(0).fileName()).isEqualTo(PersonalDataSeal.WITHHELD);
        assertThat(analyst.materials().get(0).href()).isNull();
        assertThat(analyst.materialsRequest().note()).isEqualTo(PersonalDataSeal.WITHHELD);
        assertThat(analyst.materialsRequest().items().get(0).description()).isEqualTo(PersonalDataSeal.WITHHELD);
        assertThat(analyst.timeline().get(2).note()).isEqualTo(PersonalDataSeal.WITHHELD);
        assertThat(analyst.decision().lines().get(0).item()).isEqualTo(PersonalDataSeal.WITHHELD);
        assertThat(analyst.status()).isEqualTo("UNDER_REVIEW");

        ClaimProgress adjuster = progress(ADAM);
        assertThat(adjuster.description()).isEqualTo("Hospital stay");
        assertThat(adjuster.materials().get(0).fileName()).isEqualTo("invoice-scan.png");
        assertThat(adjuster.materials().get(0).href()).isEqualTo("/api/claims/clm-1/materials/mat-1");
        assertThat(adjuster.timeline().get(6).note()).isEqualTo("check the ward rate");
        assertThat(adjuster.decision().lines().get(0).item()).isEqualTo("ward stay");
        assertThat(progress(ALICE).timeline().get(6).note()).as("between staff").isNull();
        assertThat(progress(ALICE).timeline().get(2).note()).isEqualTo("please upload");
    }

    @Test
    void rebuilt_after_an_erasure_the_personal_text_reads_as_erased() {
        // after an erasure the serializer hands the projection the events with their personal fields erased
        projection.on(submitted("clm-1", AT, PersonalDataSeal.ERASED), 0, "alice");
        projection.on(requested("clm-1", at(1), PersonalDataSeal.ERASED), 1);
        ClaimProgress progress = progress(ANNA);
        assertThat(progress.description()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.timeline().get(1).note()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.status()).isEqualTo("MATERIALS_REQUESTED");
    }

    @Test
    void live_an_erasure_forgets_the_personal_text_at_once() {
        toSecondApprovalRefused();
        projection.on(new PersonalDataErased(ACCOUNT, "compliance", AT.plusSeconds(999_999)));
        ClaimProgress progress = progress(ADAM);
        assertThat(progress.description()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.materials().get(0).fileName()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.materialsRequest().note()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.timeline().get(6).note()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.decision().lines().get(0).item()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(progress.amounts().claimed()).isEqualByComparingTo("3200.50");
    }
}
