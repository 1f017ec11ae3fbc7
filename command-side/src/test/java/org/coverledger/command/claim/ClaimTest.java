package org.coverledger.command.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.command.support.Callers.adjuster;
import static org.coverledger.command.support.Callers.alice;
import static org.coverledger.command.support.Callers.as;
import static org.coverledger.command.support.Callers.bob;
import static org.coverledger.command.support.Refusals.refused;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.axonframework.test.matchers.Matchers;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.command.payment.SimulatedGateway;
import org.coverledger.command.policy.Policy;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.events.account.Notices;
import org.coverledger.events.claim.ClaimApi.AssessClaim;
import org.coverledger.events.claim.ClaimApi.AssessmentLine;
import org.coverledger.events.claim.ClaimApi.ClaimApproved;
import org.coverledger.events.claim.ClaimApi.ClaimAssessed;
import org.coverledger.events.claim.ClaimApi.ClaimAssigned;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimPaid;
import org.coverledger.events.claim.ClaimApi.ClaimPayoutFailed;
import org.coverledger.events.claim.ClaimApi.ClaimReopened;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.ClaimWithdrawn;
import org.coverledger.events.claim.ClaimApi.CloseForMissingMaterials;
import org.coverledger.events.claim.ClaimApi.DecideApproval;
import org.coverledger.events.claim.ClaimApi.Decision;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.MaterialUploaded;
import org.coverledger.events.claim.ClaimApi.MaterialsProvided;
import org.coverledger.events.claim.ClaimApi.MaterialsReminded;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.Outcome;
import org.coverledger.events.claim.ClaimApi.PayClaim;
import org.coverledger.events.claim.ClaimApi.PayoutRetried;
import org.coverledger.events.claim.ClaimApi.ProvideMaterials;
import org.coverledger.events.claim.ClaimApi.ReasonCode;
import org.coverledger.events.claim.ClaimApi.RemindMaterials;
import org.coverledger.events.claim.ClaimApi.ReopenClaim;
import org.coverledger.events.claim.ClaimApi.RequestMaterials;
import org.coverledger.events.claim.ClaimApi.RequestedItem;
import org.coverledger.events.claim.ClaimApi.RetryPayout;
import org.coverledger.events.claim.ClaimApi.SecondApprovalRefused;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.claim.ClaimApi.UploadMaterial;
import org.coverledger.events.claim.ClaimApi.WithdrawClaim;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.ClaimNoted;
import org.coverledger.events.policy.PolicyApi.CoverReserved;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.hamcrest.CoreMatchers;
import org.hamcrest.Matcher;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The claim's rules, each through the fixture, with the policy, the account and the gateway real beside it. */
class ClaimTest {

    private static final String POLICY = "pol-1";
    private static final String CLAIM = "clm-1";
    private static final String ACCOUNT = "acc-1";
    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final BusinessCalendar CALENDAR =
            new BusinessCalendar(Clock.fixed(NOW, ZoneOffset.UTC), BusinessCalendar.DEFAULT_ZONE);
    private static final LocalDate INCIDENT = LocalDate.parse("2026-03-02");
    private static final LocalDate TODAY = CALENDAR.today();

    private final ClaimSubmitted submitted = new ClaimSubmitted(CLAIM, POLICY, ACCOUNT, "alice", INCIDENT,
            "Hospital stay", Money.cny("3200.50"), NOW, "HOSPITALIZATION", "card-1", "HEALTH", "PN1");
    private final PolicyIssued issued = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH,
            Money.cny("100000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"),
            null, null, null, null, null, null);
    private final ClaimNoted noted = new ClaimNoted(POLICY, ACCOUNT, CLAIM, INCIDENT, "HOSPITALIZATION",
            Money.cny("3200.50"), 1, false, NOW);

    private AggregateTestFixture<Claim> fixture;
    private SimulatedGateway gateway;
    private final List<Object> policyHistory = new ArrayList<>();

    @BeforeEach
    void setUp() {
        policyHistory.clear();
        policyHistory.add(issued);
        policyHistory.add(noted);
        fixture = fixtureWith(policyHistory);
    }

    /** A fresh fixture whose policy pol-1 has {@code history} (the rest of the world as in every test). */
    private AggregateTestFixture<Claim> fixtureWith(List<Object> history) {
        AggregateTestFixture<Claim> f = new AggregateTestFixture<>(Claim.class);
        f.registerInjectableResource(CALENDAR);
        var policies = OtherAggregates.handling(Policy.class, Map.of(
                POLICY, history,
                "pol-of-closed", List.of(new PolicyIssued("pol-of-closed", "PN2", "acc-closed", "alice", Product.HEALTH,
                        Money.cny("500000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-12-31"), null, null, null, null, null, null))), CALENDAR,
                new org.coverledger.command.policy.PolicyRenewals((quote, cover, start) -> java.util.Optional.empty(),
                        null, notice -> { }, new java.math.BigDecimal("0.5")));
        var accounts = OtherAggregates.repository(Account.class, Map.of(
                ACCOUNT, List.of(account(ACCOUNT), card(ACCOUNT, "card-1", "6222020000000001"),
                        card(ACCOUNT, "card-declined", "6222020000000002"),
                        card(ACCOUNT, "card-slow", "6222020000000003")),
                "acc-closed", List.of(account("acc-closed"), card("acc-closed", "card-1", "6222020000000001"),
                        new AccountClosed("acc-closed", "alice", NOW))));
        MongoDatabase database = TestMongo.freshDatabase();
        gateway = new SimulatedGateway(database, CALENDAR.clock());
        ClaimRules rules = ClaimRules.defaults("adam", "alan:500000", "ada");
        ClaimAccounts claimAccounts = new ClaimAccounts(accounts, gateway);
        ClaimCovers covers = new ClaimCovers(policies);
        f.registerInjectableResource(rules);
        f.registerInjectableResource(claimAccounts);
        f.registerInjectableResource(covers);
        f.registerAnnotatedCommandHandler(new ClaimSubmission(f.getRepository(), covers, claimAccounts, rules,
                new ClaimWorkloads(database), CALENDAR, new AccountHoldings(database)));
        return f;
    }

    private static AccountRegistered account(String id) {
        return new AccountRegistered(id, "alice", "Alice Wang", "11010519491231002X", "13800000001", "alice@example.com");
    }

    private static CardBound card(String account, String id, String number) {
        return new CardBound(account, id, number, NOW);
    }

    private static SubmitClaim submit(LocalDate incident, String type, String amount, String card) {
        return new SubmitClaim(CLAIM, POLICY, incident, type, "Hospital stay", Money.cny(amount), card);
    }

    /** The events, by type, in order, and no more. */
    @SafeVarargs
    private static Matcher<List<EventMessage<?>>> types(Class<?>... types) {
        return Matchers.payloadsMatching(Matchers.exactSequenceOf(Arrays.stream(types)
                .map(CoreMatchers::instanceOf).toArray(Matcher[]::new)));
    }

    private static AssessmentLine line(String item, String claimed, String approved, ReasonCode reason) {
        return new AssessmentLine(item, Money.cny(claimed), Money.cny(approved), reason);
    }

    private static Object status(Claim claim) {
        try {
            java.lang.reflect.Field field = Claim.class.getDeclaredField("status");
            field.setAccessible(true);
            return field.get(claim);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ first notice of loss

    @Test
    void a_claim_inside_the_cover_is_submitted_assigned_and_told() {
        fixture.givenNoPriorActivity()
                .when(submit(INCIDENT, "HOSPITALIZATION", "3200.50", "card-1"), alice())
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(types(ClaimSubmitted.class, ClaimAssigned.class, NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimAssigned assigned && assigned.adjuster().equals("adam")))))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof NoticeIssued notice
                                && notice.type() == Notices.NoticeType.CLAIM_PROGRESS
                                && notice.channel() == Notices.Channel.SMS && "13800000001".equals(notice.to())))));
    }

    @Test
    void a_closed_account_claims_nothing() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim(CLAIM, "pol-of-closed", INCIDENT, "HOSPITALIZATION", "Hospital stay",
                        Money.cny("10.00"), "card-1"), alice())
                .expectException(refused("ACCOUNT_CLOSED"))
                .expectNoEvents();
    }

    @Test
    void an_incident_outside_the_cover_is_refused() {
        fixture.givenNoPriorActivity()
                .when(submit(LocalDate.parse("2025-12-31"), "HOSPITALIZATION", "10.00", "card-1"), alice())
                .expectException(refused("INCIDENT_OUTSIDE_COVER"))
                .expectNoEvents();
    }

    @Test
    void an_incident_type_the_product_does_not_cover_is_refused() {
        fixture.givenNoPriorActivity()
                .when(submit(INCIDENT, "COLLISION", "10.00", "card-1"), alice())
                .expectException(refused("INCIDENT_TYPE_NOT_COVERED"))
                .expectNoEvents();
    }

    @Test
    void more_than_the_cover_left_for_the_incident_type_is_refused() {
        // out-patient cover is a tenth of the sum insured: 10,000
        fixture.givenNoPriorActivity()
                .when(submit(INCIDENT, "OUTPATIENT", "10000.01", "card-1"), alice())
                .expectException(refused("AMOUNT_EXCEEDS_COVER"))
                .expectNoEvents();
    }

    @Test
    void a_second_open_claim_for_the_same_day_and_incident_is_a_duplicate() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim("clm-2", POLICY, INCIDENT, "HOSPITALIZATION", "again", Money.cny("10.00"),
                        "card-1"), alice())
                .expectException(refused("DUPLICATE_CLAIM"))
                .expectNoEvents();
    }

    @Test
    void an_incident_in_the_future_or_older_than_the_reporting_limit_is_refused() {
        fixture.givenNoPriorActivity()
                .when(submit(TODAY.plusDays(1), "HOSPITALIZATION", "10.00", "card-1"), alice())
                .expectException(refused("INCIDENT_IN_FUTURE"));
        fixtureWith(policyHistory).givenNoPriorActivity()
                .when(submit(TODAY.minusYears(2).minusDays(1), "HOSPITALIZATION", "10.00", "card-1"), alice())
                .expectException(refused("INCIDENT_TOO_OLD"));
    }

    @Test
    void the_payout_card_must_be_bound_to_the_account() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim("clm-9", POLICY, INCIDENT.minusDays(1), "HOSPITALIZATION", "x",
                        Money.cny("10.00"), "card-of-someone-else"), alice())
                .expectException(refused("CARD_UNKNOWN"))
                .expectNoEvents();
    }

    @Test
    void another_customer_gets_the_same_answer_as_for_an_unknown_policy() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim("clm-9", POLICY, INCIDENT.minusDays(1), "HOSPITALIZATION", "x",
                        Money.cny("10.00"), "card-1"), bob())
                .expectException(refused("POLICY_UNKNOWN"))
                .expectExceptionMessage("There is no policy pol-1.");
        fixtureWith(policyHistory).givenNoPriorActivity()
                .when(new SubmitClaim("clm-9", "nope", INCIDENT, "HOSPITALIZATION", "x", Money.cny("10.00"), "card-1"),
                        alice())
                .expectException(refused("POLICY_UNKNOWN"))
                .expectExceptionMessage("There is no policy nope.");
    }

    // ------------------------------------------------------------------ materials

    private final RequestMaterials request = new RequestMaterials(CLAIM,
            List.of(new RequestedItem(MaterialCategory.INVOICE, "hospital invoice")), "please upload");
    private final MaterialsRequested requested = new MaterialsRequested(CLAIM, ACCOUNT, request.items(),
            "please upload", "adam", NOW, TODAY.plusDays(30));

    @Test
    void an_adjuster_requests_materials_due_in_30_days_and_the_customer_is_told() {
        fixture.given(submitted)
                .when(request, adjuster())
                .expectEventsMatching(types(MaterialsRequested.class, NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof MaterialsRequested r && r.dueOn().equals(TODAY.plusDays(30))))))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.MATERIALS_REQUESTED);
    }

    @Test
    void the_claimant_and_other_roles_cannot_request_materials() {
        fixture.given(submitted)
                .when(request, alice())
                .expectException(ActionNotPermitted.class)
                .expectNoEvents();
        fixtureWith(policyHistory).given(submitted)
                .when(request, as("uma", "UNDERWRITER"))
                .expectException(UnknownObject.class);
    }

    @Test
    void the_same_file_twice_answers_the_material_the_claim_has() {
        MaterialUploaded first = new MaterialUploaded(CLAIM, ACCOUNT, "mat-1", MaterialCategory.INVOICE, "application/pdf",
                1234, "ab".repeat(32), "invoice.pdf", "alice", NOW);
        fixture.given(submitted, first)
                .when(new UploadMaterial(CLAIM, "mat-2", MaterialCategory.OTHER, "application/pdf", 1234, "ab".repeat(32),
                        "copy.pdf"), alice())
                .expectNoEvents()
                .expectResultMessagePayload(new Claim.Upload("mat-1", false));
    }

    @Test
    void the_sweep_learns_which_stored_files_the_claim_recorded() {
        MaterialUploaded first = new MaterialUploaded(CLAIM, ACCOUNT, "mat-1", MaterialCategory.INVOICE, "application/pdf",
                1234, "ab".repeat(32), "invoice.pdf", "alice", NOW);
        fixture.given(submitted, first)
                .when(new Claim.HoldsMaterial(CLAIM, "mat-1"), as("system", ""))
                .expectNoEvents()
                .expectResultMessagePayload(true);
        fixture.given(submitted, first)
                .when(new Claim.HoldsMaterial(CLAIM, "mat-2"), as("system", ""))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void a_claim_holds_at_most_50_materials() {
        List<Object> given = new ArrayList<>();
        given.add(submitted);
        for (int i = 0; i < 50; i++) {
            given.add(new MaterialUploaded(CLAIM, ACCOUNT, "mat-" + i, MaterialCategory.PHOTO, "image/png", 10,
                    String.format("%064d", i), null, "alice", NOW));
        }
        fixture.given(given)
                .when(new UploadMaterial(CLAIM, "mat-x", MaterialCategory.PHOTO, "image/png", 10, "f".repeat(64), null),
                        alice())
                .expectException(refused("MATERIALS_LIMIT"))
                .expectNoEvents();
    }

    @Test
    void providing_materials_sends_the_claim_back_to_review_only_when_some_were_asked_for() {
        fixture.given(submitted, requested)
                .when(new ProvideMaterials(CLAIM), alice())
                .expectEventsMatching(types(MaterialsProvided.class, NoticeIssued.class))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.UNDER_REVIEW);
        fixtureWith(policyHistory).given(submitted)
                .when(new ProvideMaterials(CLAIM), alice())
                .expectException(refused("NO_MATERIALS_REQUESTED"));
    }

    @Test
    void the_reminder_goes_once_and_a_stale_one_is_ignored() {
        fixture.given(submitted, requested)
                .when(new RemindMaterials(CLAIM, TODAY.plusDays(30)), as("system", ""))
                .expectEventsMatching(types(MaterialsReminded.class, NoticeIssued.class));
        fixtureWith(policyHistory).given(submitted, requested,
                        new MaterialsReminded(CLAIM, ACCOUNT, TODAY.plusDays(30), NOW))
                .when(new RemindMaterials(CLAIM, TODAY.plusDays(30)), as("system", ""))
                .expectNoEvents();
        fixtureWith(policyHistory).given(submitted, requested)
                .when(new RemindMaterials(CLAIM, TODAY.plusDays(20)), as("system", ""))
                .expectNoEvents();
    }

    @Test
    void after_the_due_date_a_claim_still_waiting_closes_as_materials_not_provided() {
        fixture.given(submitted, requested)
                .when(new CloseForMissingMaterials(CLAIM, TODAY.plusDays(30)), as("system", ""))
                .expectEventsMatching(types(ClaimClosed.class, NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimClosed c && c.outcome() == Outcome.MATERIALS_NOT_PROVIDED))));
        fixtureWith(policyHistory).given(submitted, requested, new MaterialsProvided(CLAIM, ACCOUNT, "alice", NOW))
                .when(new CloseForMissingMaterials(CLAIM, TODAY.plusDays(30)), as("system", ""))
                .expectNoEvents();
    }

    // ------------------------------------------------------------------ assessment and approval

    @Test
    void an_assessment_line_cannot_approve_more_than_was_claimed_nor_less_without_a_reason() {
        fixture.given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3000.00", "3000.01", null)), null), adjuster())
                .expectException(refused("APPROVED_ABOVE_CLAIMED"))
                .expectNoEvents();
        fixtureWith(policyHistory).given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3000.00", "2000.00", null)), null), adjuster())
                .expectException(refused("REASON_REQUIRED"))
                .expectNoEvents();
    }

    @Test
    void a_full_approval_within_authority_holds_the_cover_and_is_approved_less_the_deductible() {
        fixture.given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3000.00", "3000.00", null),
                        line("drugs", "200.50", "200.50", null)), "fine"), adjuster())
                .expectEventsMatching(types(ClaimAssessed.class, ClaimApproved.class, NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimAssessed a && a.decision() == Decision.APPROVED
                                && a.payable().equals(Money.cny("2200.50")) && !a.needsSecondApproval()))))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.APPROVED);
    }

    @Test
    void a_partial_approval_carries_its_reasons() {
        fixture.given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3000.00", "3000.00", null),
                        line("massage", "200.50", "0.00", ReasonCode.EXCLUSION)), null), adjuster())
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimAssessed a && a.decision() == Decision.PARTIALLY_APPROVED
                                && a.reasonCodes().equals(List.of(ReasonCode.EXCLUSION))))));
    }

    @Test
    void a_rejection_closes_the_claim_and_duplicates_close_as_duplicate() {
        fixture.given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3200.50", "0.00", ReasonCode.NOT_COVERED)), null),
                        adjuster())
                .expectEventsMatching(types(ClaimAssessed.class, NoticeIssued.class, ClaimClosed.class,
                        NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimClosed c && c.outcome() == Outcome.REJECTED))));
        fixtureWith(policyHistory).given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3200.50", "0.00", ReasonCode.DUPLICATE)), null),
                        adjuster())
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimClosed c && c.outcome() == Outcome.DUPLICATE))));
    }

    @Test
    void an_approval_within_the_deductible_pays_nothing_and_closes() {
        fixture.given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3200.50", "900.00", ReasonCode.ABOVE_LIMIT)), null),
                        adjuster())
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimClosed c && c.outcome() == Outcome.REJECTED))));
    }

    private final ClaimSubmitted large = new ClaimSubmitted(CLAIM, POLICY, ACCOUNT, "alice", INCIDENT, "Surgery",
            Money.cny("80000.00"), NOW, "HOSPITALIZATION", "card-1", "HEALTH", "PN1");
    private final ClaimAssessed assessedLarge = new ClaimAssessed(CLAIM, ACCOUNT, POLICY, "[]", List.of(),
            Decision.APPROVED, Money.cny("80000.00"), Money.cny("80000.00"), Money.cny("1000.00"), Money.cny("79000.00"),
            null, "adam", true, NOW);

    @Test
    void above_the_adjusters_authority_the_approval_waits_for_a_second_person() {
        fixture.given(large)
                .when(new AssessClaim(CLAIM, List.of(line("surgery", "80000.00", "80000.00", null)), null), adjuster())
                .expectEventsMatching(types(ClaimAssessed.class, NoticeIssued.class))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.AWAITING_SECOND_APPROVAL);
    }

    @Test
    void the_second_approval_is_by_another_person_whose_limit_covers_it() {
        fixture.given(large, assessedLarge)
                .when(new DecideApproval(CLAIM, true, null), adjuster())
                .expectException(refused("SAME_APPROVER"));
        fixtureWith(policyHistory).given(large, assessedLarge)
                .when(new DecideApproval(CLAIM, true, null), as("ada", "ADJUSTER"))
                .expectException(refused("ABOVE_AUTHORITY"));
        fixtureWith(policyHistory).given(large, assessedLarge)
                .when(new DecideApproval(CLAIM, true, "ok"), as("alan", "ADJUSTER"))
                .expectEventsMatching(types(ClaimApproved.class, NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimApproved a && a.approvers().equals(List.of("adam", "alan"))))));
        fixtureWith(policyHistory).given(large, assessedLarge)
                .when(new DecideApproval(CLAIM, false, "check the invoice"), as("root", "ADMIN"))
                .expectEventsMatching(types(SecondApprovalRefused.class))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.UNDER_REVIEW);
        fixtureWith(policyHistory).given(large)
                .when(new DecideApproval(CLAIM, true, null), as("root", "ADMIN"))
                .expectException(refused("NO_APPROVAL_PENDING"));
    }

    @Test
    void two_claims_can_never_together_hold_more_than_the_cover() {
        // another claim on the policy, for another day, holds 98,000 of the 100,000
        policyHistory.add(new ClaimNoted(POLICY, ACCOUNT, "clm-0", INCIDENT.minusDays(1), "HOSPITALIZATION",
                Money.cny("98000.00"), 1, false, NOW));
        policyHistory.add(new CoverReserved(POLICY, ACCOUNT, "clm-0", "HOSPITALIZATION", 1, Money.cny("98000.00"), NOW));
        fixtureWith(policyHistory).given(submitted)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "3200.50", "3200.50", null)), null), adjuster())
                .expectException(refused("COVER_EXCEEDED"))
                .expectNoEvents();
    }

    // ------------------------------------------------------------------ the payout

    private ClaimApproved approved(String payable) {
        return new ClaimApproved(CLAIM, ACCOUNT, POLICY, Money.cny(payable), List.of("adam"), NOW);
    }

    private ClaimSubmitted submittedWith(String card) {
        return new ClaimSubmitted(CLAIM, POLICY, ACCOUNT, "alice", INCIDENT, "Hospital stay", Money.cny("3200.50"),
                NOW, "HOSPITALIZATION", card, "HEALTH", "PN1");
    }

    @Test
    void an_approved_claim_is_paid_to_its_card_and_closes() {
        fixture.given(submitted, approved("2200.50"))
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(types(ClaimPaid.class, NoticeIssued.class, ClaimClosed.class, NoticeIssued.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimPaid p && p.amount().equals(Money.cny("2200.50"))
                                && p.gatewayReference().startsWith("SIM-")
                                && p.paymentKey().equals("claim:clm-1:payout:1:1")))))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof NoticeIssued n && n.type() == Notices.NoticeType.CLAIM_PAYOUT
                                && n.heldUntil() == null && n.text().contains("0001")))));
    }

    @Test
    void a_payout_the_gateway_made_before_a_crash_is_recorded_not_paid_again() {
        // the gateway paid attempt 1, and the process died before it recorded the answer
        PaymentGateway.Outcome earlier = gateway.payout(new PaymentGateway.Payout("claim:clm-1:payout:1:1", ACCOUNT,
                "6222020000000001", Money.cny("2200.50"), "claim clm-1"));
        String reference = ((PaymentGateway.Succeeded) earlier).reference();
        fixture.given(submitted, approved("2200.50"))
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimPaid p && p.gatewayReference().equals(reference)))));
    }

    @Test
    void a_declined_payout_is_tried_again_with_back_off_then_parked_for_an_admin() {
        fixture.given(submittedWith("card-declined"), approved("2200.50"))
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(types(ClaimPayoutFailed.class))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimPayoutFailed f && f.reason().equals("DECLINED")
                                && f.nextAttemptAt().equals(NOW.plus(Duration.ofMinutes(1)))))));
        List<Object> history = new ArrayList<>(List.of(submittedWith("card-declined"), approved("2200.50")));
        for (int attempt = 1; attempt <= 4; attempt++) {
            history.add(new ClaimPayoutFailed(CLAIM, ACCOUNT, attempt, "claim:clm-1:payout:1:" + attempt, "DECLINED",
                    NOW, NOW));
        }
        fixtureWith(policyHistory).given(history)
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(types(ClaimPayoutFailed.class, NoticeIssued.class))
                .expectState(claim -> assertThat(status(claim)).hasToString("PAYOUT_FAILED"));
    }

    @Test
    void a_payout_whose_outcome_is_unknown_is_never_tried_anew_until_the_gateway_knows() {
        fixture.given(submittedWith("card-slow"), approved("2200.50"))
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimPayoutFailed f && f.reason().equals("OUTCOME_UNKNOWN")))));
        // the gateway has the timed-out payout, still unknown: the next attempt only looks it up
        gateway.payout(new PaymentGateway.Payout("claim:clm-1:payout:1:1", ACCOUNT, "6222020000000003",
                Money.cny("2200.50"), "claim clm-1"));
        fixture.given(submittedWith("card-slow"), approved("2200.50"),
                        new ClaimPayoutFailed(CLAIM, ACCOUNT, 1, "claim:clm-1:payout:1:1", "OUTCOME_UNKNOWN", NOW, NOW))
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimPayoutFailed f && f.reason().equals("OUTCOME_PENDING")))));
        assertThat(gateway.lookUp("claim:clm-1:payout:1:2")).isEmpty();
    }

    @Test
    void only_an_admin_retries_a_parked_payout() {
        ClaimPayoutFailed parked = new ClaimPayoutFailed(CLAIM, ACCOUNT, 5, "claim:clm-1:payout:1:5", "DECLINED", null, NOW);
        fixture.given(submitted, approved("2200.50"), parked)
                .when(new RetryPayout(CLAIM), adjuster())
                .expectException(ActionNotPermitted.class);
        fixtureWith(policyHistory).given(submitted, approved("2200.50"), parked)
                .when(new RetryPayout(CLAIM), as("root", "ADMIN"))
                .expectEventsMatching(types(PayoutRetried.class))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.APPROVED);
        fixtureWith(policyHistory).given(submitted, approved("2200.50"), parked,
                        new PayoutRetried(CLAIM, ACCOUNT, 2, "root", NOW))
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimPaid p && p.paymentKey().equals("claim:clm-1:payout:2:1")))));
    }

    @Test
    void a_payout_asked_for_a_claim_that_is_not_approved_does_nothing() {
        fixture.given(submitted)
                .when(new PayClaim(CLAIM), as("system", ""))
                .expectNoEvents();
    }

    // ------------------------------------------------------------------ withdrawal and reopening

    @Test
    void the_customer_withdraws_an_open_claim_but_not_one_being_paid() {
        fixture.given(submitted, requested)
                .when(new WithdrawClaim(CLAIM, "found my receipts were wrong"), alice())
                .expectEventsMatching(types(ClaimWithdrawn.class, ClaimClosed.class, NoticeIssued.class));
        fixtureWith(policyHistory).given(submitted, approved("2200.50"))
                .when(new WithdrawClaim(CLAIM, null), alice())
                .expectException(refused("CLAIM_BEING_PAID"));
        fixtureWith(policyHistory).given(submitted)
                .when(new WithdrawClaim(CLAIM, null), adjuster())
                .expectException(ActionNotPermitted.class);
        fixtureWith(policyHistory).given(submitted)
                .when(new WithdrawClaim(CLAIM, null), bob())
                .expectException(UnknownObject.class);
    }

    @Test
    void a_closed_claim_is_reopened_within_a_year_and_assessed_again() {
        ClaimClosed closed = new ClaimClosed(CLAIM, ACCOUNT, POLICY, Outcome.REJECTED, Money.cny("0.00"),
                NOW.minus(Duration.ofDays(300)));
        fixture.given(submitted, closed)
                .when(new ReopenClaim(CLAIM, "new evidence"), adjuster())
                .expectEventsMatching(types(ClaimReopened.class, NoticeIssued.class))
                .expectResultMessagePayload(org.coverledger.events.claim.ClaimStatus.UNDER_REVIEW);
        fixtureWith(policyHistory).given(submitted, new ClaimClosed(CLAIM, ACCOUNT, POLICY, Outcome.REJECTED,
                        Money.cny("0.00"), NOW.minus(Duration.ofDays(400))))
                .when(new ReopenClaim(CLAIM, "new evidence"), adjuster())
                .expectException(refused("REOPEN_PERIOD_OVER"));
        fixtureWith(policyHistory).given(submitted)
                .when(new ReopenClaim(CLAIM, "new evidence"), adjuster())
                .expectException(refused("CLAIM_NOT_CLOSED"));
    }

    @Test
    void a_reopened_paid_claim_pays_only_what_it_did_not_pay_before() {
        List<Object> history = List.of(submitted, approved("2200.50"),
                new ClaimPaid(CLAIM, ACCOUNT, POLICY, Money.cny("2200.50"), "card-1", "k", "SIM-1", NOW),
                new ClaimClosed(CLAIM, ACCOUNT, POLICY, Outcome.PAID, Money.cny("2200.50"), NOW),
                new ClaimReopened(CLAIM, ACCOUNT, POLICY, "more invoices", "adam", NOW));
        fixture.given(history)
                .when(new AssessClaim(CLAIM, List.of(line("ward", "5000.00", "5000.00", null)), null), adjuster())
                .expectEventsMatching(Matchers.payloadsMatching(Matchers.listWithAnyOf(Matchers.matches(
                        payload -> payload instanceof ClaimApproved a && a.payable().equals(Money.cny("1799.50"))))));
    }

    @Test
    void a_claim_submitted_before_this_change_still_closes() {
        ClaimSubmitted old = new ClaimSubmitted(CLAIM, POLICY, ACCOUNT, "alice", INCIDENT, "Hospital stay",
                Money.cny("100.00"), NOW, null, null, null, null);
        fixture.given(old)
                .when(new WithdrawClaim(CLAIM, null), alice())
                .expectEventsMatching(types(ClaimWithdrawn.class, ClaimClosed.class, NoticeIssued.class))
                .expectState(claim -> assertThat(claim.isOpen()).isFalse());
    }
}
