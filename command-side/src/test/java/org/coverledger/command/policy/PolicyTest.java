package org.coverledger.command.policy;

import static org.coverledger.command.support.Refusals.refused;
import static org.coverledger.command.support.Callers.alice;
import static org.coverledger.command.support.Callers.bob;
import static org.coverledger.command.support.Callers.underwriter;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.ChangePolicy;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.PolicyApi.EndCover;
import org.coverledger.events.policy.PolicyApi.CancelPolicy;
import org.coverledger.events.policy.PolicyApi.DecideReinstatement;
import org.coverledger.events.policy.PolicyApi.DecideRenewalReferral;
import org.coverledger.events.policy.PolicyApi.RenewalReferralDecided;
import org.coverledger.events.policy.PolicyApi.RenewalReferred;
import org.coverledger.events.policy.PolicyApi.ReinstatementDecided;
import org.coverledger.events.policy.PolicyApi.ReinstatementReferred;
import org.coverledger.events.policy.PolicyApi.ApprovePolicyChange;
import org.coverledger.events.policy.PolicyApi.PolicyChangeApproved;
import org.coverledger.events.policy.PolicyApi.PolicyChangeRejected;
import org.coverledger.events.policy.PolicyApi.PolicyChangeRequested;
import org.coverledger.events.policy.PolicyApi.RejectPolicyChange;
import org.coverledger.events.policy.PolicyApi.AutoRenewalChosen;
import org.coverledger.events.policy.PolicyApi.ChooseAutoRenewal;
import org.coverledger.events.policy.PolicyApi.PolicyRenewed;
import org.coverledger.events.policy.PolicyApi.RemindRenewal;
import org.coverledger.events.policy.PolicyApi.RenewAutomatically;
import org.coverledger.events.policy.PolicyApi.RenewPolicy;
import org.coverledger.events.policy.PolicyApi.RenewalNoticeSent;
import org.coverledger.events.policy.PolicyApi.ArrearsPaid;
import org.coverledger.events.policy.PolicyApi.CollectInstalment;
import org.coverledger.events.policy.PolicyApi.EndGrace;
import org.coverledger.events.policy.PolicyApi.InstalmentMissed;
import org.coverledger.events.policy.PolicyApi.InstalmentPaid;
import org.coverledger.events.policy.PolicyApi.PolicyLapsed;
import org.coverledger.events.policy.PolicyApi.PolicyReinstated;
import org.coverledger.events.policy.PolicyApi.ReinstatePolicy;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AutoDebitAuthorized;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.command.account.Account;
import org.coverledger.events.policy.PolicyApi.CancellationReason;
import org.coverledger.events.policy.PolicyApi.PolicyCancelled;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.claim.Claim;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.command.payment.SimulatedGateway;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.command.support.TestMongo;
import com.mongodb.client.MongoDatabase;
import java.util.HashMap;
import java.util.Map;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.events.policy.PolicyApi.StartCover;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PolicyTest {

    private static final String ACCOUNT = "acc-1";
    private static final String POLICY = "pol-1";
    // 2026-03-10 10:00 in Shanghai
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T02:00:00Z"), ZoneOffset.UTC);

    private AggregateTestFixture<Policy> fixture;
    private final MongoDatabase database = TestMongo.freshDatabase();
    private final AccountHoldings holdings = new AccountHoldings(database, CLOCK);
    private final SimulatedGateway gateway = new SimulatedGateway(database, CLOCK);
    private final Map<String, List<Object>> claims = new HashMap<>();
    private final List<org.coverledger.command.notification.Notice> notices = new java.util.ArrayList<>();

    private final IssuePolicy issue = new IssuePolicy(POLICY, "PN1", ACCOUNT, Product.HEALTH, Money.cny("500000.00"),
            Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null);
    private final PolicyIssued issued = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH,
            Money.cny("500000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null);

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Policy.class);
        fixture.registerInjectableResource(new BusinessCalendar(CLOCK, BusinessCalendar.DEFAULT_ZONE));
        // a claim on pol-1 that is open, and one on another policy: the account's claims as the holdings list them
        claims.put("clm-open", List.of(new ClaimSubmitted("clm-open", "pol-with-claim", ACCOUNT, "alice",
                LocalDate.parse("2026-03-01"), "Burst pipe", Money.cny("800.00"), CLOCK.instant(), null, null, null, null)));
        claims.put("clm-other", List.of(new ClaimSubmitted("clm-other", "pol-other", ACCOUNT, "alice",
                LocalDate.parse("2026-03-01"), "Burst pipe", Money.cny("800.00"), CLOCK.instant(), null, null, null, null)));
        holdings.claim(ACCOUNT, "clm-open");
        holdings.claim(ACCOUNT, "clm-other");
        fixture.registerInjectableResource(new PolicyCancellations(OtherAggregates.repository(Claim.class, claims),
                holdings, gateway));
        // acc-1 debits from a card that pays (cap 1000.00), acc-declines from one the issuer declines, acc-none has no authorization
        var accounts = OtherAggregates.repository(Account.class, Map.of(
                ACCOUNT, List.of(new AccountRegistered(ACCOUNT, "alice", "Alice Wang", "11010519491231002X",
                                "13812345678", null), new CardBound(ACCOUNT, "card-ok", "6222020000000000034", CLOCK.instant()),
                        new CardBound(ACCOUNT, "card-no", "6222020000000000002", CLOCK.instant()),
                        new AutoDebitAuthorized(ACCOUNT, "card-ok", 10, Money.cny("1000.00"), CLOCK.instant())),
                "acc-declines", List.of(new AccountRegistered("acc-declines", "alice", "Alice Wang",
                                "11010519491231002X", "13812345678", null),
                        new CardBound("acc-declines", "card-no", "6222020000000000002", CLOCK.instant()),
                        new AutoDebitAuthorized("acc-declines", "card-no", 10, Money.cny("100.00"), CLOCK.instant())),
                "acc-none", List.of(new AccountRegistered("acc-none", "alice", "Alice Wang", "11010519491231002X",
                        "13812345678", null))));
        fixture.registerInjectableResource(new PremiumDebits(accounts, gateway));
        fixture.registerInjectableResource(new PolicyRenewals((quoteId, cover, newStart) -> "q-gone".equals(quoteId)
                ? java.util.Optional.empty() : java.util.Optional.of(Money.cny("520.00")), accounts, notices::add,
                new java.math.BigDecimal("0.5")));
    }

    @Test
    void the_cover_must_end_after_it_starts_and_amounts_cannot_be_negative() {
        org.assertj.core.api.Assertions.assertThat(Policy.decide(issue, "alice")).isEqualTo(issued);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Policy.decide(new IssuePolicy(POLICY, "PN1", ACCOUNT,
                        Product.AUTO, Money.cny("1.00"), Money.cny("1.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-01-01"), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null), "alice"))
                .is(refusal("COVER_PERIOD_INVALID"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Policy.decide(new IssuePolicy(POLICY, "PN1", ACCOUNT,
                        Product.AUTO, Money.cny("1.00"), Money.cny("-1.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null), "alice"))
                .is(refusal("NEGATIVE_AMOUNT"));
    }

    private static org.assertj.core.api.Condition<Throwable> refusal(String code) {
        return new org.assertj.core.api.Condition<>(refused(code)::matches, "refused with " + code);
    }

    @Test
    void a_new_beneficiary_applies_at_once_and_a_new_sum_insured_waits_for_an_underwriter() {
        fixture.given(annual("q-1", "2026-01-01"))
                .when(new ChangePolicy(POLICY, "Wang Xiaoming", Money.cny("600000.00"), "chg-1", null), alice())
                .expectResultMessagePayload("REFERRED")
                .expectEvents(new PolicyChanged(POLICY, ACCOUNT, "Wang Xiaoming", null, CLOCK.instant(), null),
                        new PolicyChangeRequested(POLICY, ACCOUNT, "chg-1", Money.cny("500000.00"),
                                Money.cny("600000.00"), "alice", CLOCK.instant()));
        PolicyChangeRequested pending = new PolicyChangeRequested(POLICY, ACCOUNT, "chg-1", Money.cny("500000.00"),
                Money.cny("600000.00"), "alice", CLOCK.instant());
        fixture.given(annual("q-1", "2026-01-01"), pending)
                .when(new ChangePolicy(POLICY, null, Money.cny("700000.00"), "chg-2", null), alice())
                .expectException(refused("CHANGE_PENDING"));
        fixture.given(annual("q-1", "2026-01-01"))
                .when(new ChangePolicy(POLICY, null, Money.cny("20000000.00"), "chg-2", null), alice())
                .expectException(refused("PRODUCT_RULES_NOT_MET"));
    }

    @Test
    void an_approved_change_takes_effect_at_midnight_and_the_difference_for_the_rest_of_the_term_is_charged_once() {
        // the rules price 600,000 at 520.00 a year (the stub rerating); from 11 March to 31 December is 296 of 365 days
        PolicyChangeRequested pending = new PolicyChangeRequested(POLICY, ACCOUNT, "chg-1", Money.cny("500000.00"),
                Money.cny("600000.00"), "alice", CLOCK.instant());
        fixture.given(annual("q-1", "2026-01-01"), pending)
                .when(new ApprovePolicyChange(POLICY, "chg-1"), underwriter())
                .expectEvents(new PolicyChangeApproved(POLICY, ACCOUNT, "chg-1", Money.cny("600000.00"),
                        Instant.parse("2026-03-10T16:00:00Z"), LocalDate.parse("2026-03-11"), Money.cny("520.00"),
                        Money.cny("16.22"),
                        "policy:pol-1:change:chg-1:1", reference("policy:pol-1:change:chg-1:1"), "uma", CLOCK.instant()));
        // the one who asked does not decide; a change that is not pending is not found
        fixture.given(annual("q-1", "2026-01-01"), new PolicyChangeRequested(POLICY, ACCOUNT, "chg-1",
                        Money.cny("500000.00"), Money.cny("600000.00"), "uma", CLOCK.instant()))
                .when(new ApprovePolicyChange(POLICY, "chg-1"), underwriter())
                .expectException(refused("OWN_CHANGE"));
        fixture.given(annual("q-1", "2026-01-01"), pending)
                .when(new ApprovePolicyChange(POLICY, "chg-9"), underwriter())
                .expectException(UnknownObject.class);
        fixture.given(annual("q-1", "2026-01-01"), pending)
                .when(new RejectPolicyChange(POLICY, "chg-1", "Recent claims; ask again next term."), underwriter())
                .expectEvents(new PolicyChangeRejected(POLICY, ACCOUNT, "chg-1", "Recent claims; ask again next term.",
                        "uma", CLOCK.instant()));
    }

    @Test
    void another_customer_cannot_see_the_policy_to_change_it() {
        fixture.given(issued)
                .when(new ChangePolicy(POLICY, "Mallory", null, null, null), bob())
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void an_expired_policy_cannot_be_changed() {
        PolicyIssued expired = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH, Money.cny("1.00"),
                Money.cny("1.00"), LocalDate.parse("2025-01-01"), LocalDate.parse("2025-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null);
        fixture.given(expired)
                .when(new ChangePolicy(POLICY, "Wang Xiaoming", null, null, null), alice())
                .expectException(refused("POLICY_EXPIRED"))
                .expectExceptionMessage("An expired policy cannot be changed.")
                .expectNoEvents();
    }

    @Test
    void an_empty_change_is_refused() {
        fixture.given(issued)
                .when(new ChangePolicy(POLICY, null, null, null, null), underwriter())
                .expectException(refused("NOTHING_TO_CHANGE"))
                .expectNoEvents();
    }

    private static PolicyIssued coverFrom(String start, String end) {
        return new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.PROPERTY, Money.cny("500000.00"),
                Money.cny("500.00"), LocalDate.parse(start), LocalDate.parse(end), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null);
    }

    private static MetaData system() {
        return MetaData.with(CommandMetadata.ACTOR, CommandMetadata.SYSTEM_ACTOR).and(CommandMetadata.ROLES, "");
    }

    @Test
    void cover_comes_into_force_on_its_start_date_once_however_often_the_step_fires() {
        // it is 2026-03-10, 10:00 in Shanghai
        fixture.given(coverFrom("2026-03-10", "2027-03-09"))
                .when(new StartCover(POLICY), system())
                .expectEvents(new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), CLOCK.instant()));
        fixture.given(coverFrom("2026-03-10", "2027-03-09"),
                        new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), CLOCK.instant()))
                .when(new StartCover(POLICY), system())
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void a_start_step_before_the_start_date_is_not_due_and_changes_nothing() {
        fixture.given(coverFrom("2026-03-11", "2027-03-10"))
                .when(new StartCover(POLICY), system())
                .expectException(refused("STEP_NOT_DUE"))
                .expectNoEvents();
    }

    @Test
    void cover_ends_after_its_last_day_once() {
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-03-10"), CLOCK.instant());
        fixture.given(coverFrom("2025-03-10", "2026-03-09"), started)
                .when(new EndCover(POLICY, null), system())
                .expectEvents(new PolicyExpired(POLICY, ACCOUNT, LocalDate.parse("2026-03-09"), CLOCK.instant()));
        fixture.given(coverFrom("2025-03-10", "2026-03-09"), started,
                        new PolicyExpired(POLICY, ACCOUNT, LocalDate.parse("2026-03-09"), CLOCK.instant()))
                .when(new EndCover(POLICY, null), system())
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
        // its last day is today: not yet
        fixture.given(coverFrom("2025-03-11", "2026-03-10"), started)
                .when(new EndCover(POLICY, null), system())
                .expectException(refused("STEP_NOT_DUE"))
                .expectNoEvents();
    }

    private static PolicyIssued bought(String policyId, String start, String end) {
        return new PolicyIssued(policyId, "PN1", ACCOUNT, "alice", Product.PROPERTY, Money.cny("500000.00"),
                Money.cny("500.00"), LocalDate.parse(start), LocalDate.parse(end), PaymentPlan.ANNUAL, "q-1", "2026-11",
                Money.cny("500.00"), "SIM-1", null);
    }

    @Test
    void within_the_cooling_off_period_the_policy_is_void_and_the_premium_comes_back_whole_once() {
        // bought 1 March (15 days of cooling-off after it: until 16 March), cancelled 10 March
        fixture.givenCurrentTime(Instant.parse("2026-03-01T02:00:00Z"))
                .andGiven(bought(POLICY, "2026-03-05", "2027-03-04"))
                .when(new CancelPolicy(POLICY, CancellationReason.FOUND_OTHER_COVER), alice())
                .expectSuccessfulHandlerExecution()
                .expectEvents(new PolicyCancelled(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), true, null,
                        Money.cny("500.00"), Money.cny("0.00"), Money.cny("0.00"), Money.cny("500.00"),
                        "policy:pol-1:refund", refundReference(), CancellationReason.FOUND_OTHER_COVER, CLOCK.instant()));
        org.assertj.core.api.Assertions.assertThat(gateway.lookUp("policy:pol-1:refund")).get()
                .isEqualTo(new PaymentGateway.Succeeded(refundReference(), Money.cny("500.00")));
    }

    @Test
    void after_the_cooling_off_period_the_unearned_premium_comes_back_less_the_fee_and_cover_ends_today() {
        // bought and started 10 February, cancelled 10 March: 29 of the year's 365 days earned
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2026-02-10"), CLOCK.instant());
        fixture.givenCurrentTime(Instant.parse("2026-02-10T02:00:00Z"))
                .andGiven(bought(POLICY, "2026-02-10", "2027-02-09"), started)
                .when(new CancelPolicy(POLICY, CancellationReason.CANNOT_AFFORD), alice())
                .expectEvents(new PolicyCancelled(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), false,
                        LocalDate.parse("2026-03-10"), Money.cny("500.00"), Money.cny("39.73"), Money.cny("46.03"),
                        Money.cny("414.24"), "policy:pol-1:refund", refundReference(), CancellationReason.CANNOT_AFFORD,
                        CLOCK.instant()));
        // a cancelled policy is cancelled: not again, not changed, never started or ended by a timed step
        PolicyCancelled cancelled = new PolicyCancelled(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), false,
                LocalDate.parse("2026-03-10"), Money.cny("500.00"), Money.cny("39.73"), Money.cny("46.03"),
                Money.cny("414.24"), "policy:pol-1:refund", "SIMR-1", CancellationReason.CANNOT_AFFORD, CLOCK.instant());
        fixture.givenCurrentTime(Instant.parse("2026-02-10T02:00:00Z"))
                .andGiven(bought(POLICY, "2026-02-10", "2027-02-09"), started, cancelled)
                .when(new CancelPolicy(POLICY, null), alice())
                .expectException(refused("POLICY_NOT_ACTIVE"))
                .expectNoEvents();
        fixture.given(bought(POLICY, "2026-02-10", "2027-02-09"), started, cancelled)
                .when(new ChangePolicy(POLICY, "Li Lei", null, null, null), alice())
                .expectException(refused("POLICY_NOT_ACTIVE"));
        fixture.given(bought(POLICY, "2025-02-10", "2026-02-09"), cancelled)
                .when(new EndCover(POLICY, null), system())
                .expectNoEvents();
    }

    @Test
    void an_earlier_attempts_refund_is_the_refund_and_nothing_is_paid_twice() {
        // an attempt refunded, then failed to record the cancellation (say, a concurrent change won)
        gateway.refund(new PaymentGateway.Refund("policy:pol-1:refund", ACCOUNT, "SIM-1", Money.cny("500.00"), "refund"));
        String reference = refundReference();
        fixture.givenCurrentTime(Instant.parse("2026-03-01T02:00:00Z"))
                .andGiven(bought(POLICY, "2026-03-05", "2027-03-04"))
                .when(new CancelPolicy(POLICY, null), alice())
                .expectEvents(new PolicyCancelled(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), true, null,
                        Money.cny("500.00"), Money.cny("0.00"), Money.cny("0.00"), Money.cny("500.00"),
                        "policy:pol-1:refund", reference, null, CLOCK.instant()));
        org.assertj.core.api.Assertions.assertThat(database.getCollection("simulated_payments").countDocuments())
                .isEqualTo(1);
    }

    @Test
    void a_policy_with_an_open_claim_is_not_cancelled_and_nothing_is_refunded() {
        fixture.givenCurrentTime(Instant.parse("2026-03-01T02:00:00Z"))
                .andGiven(new PolicyIssued("pol-with-claim", "PN1", ACCOUNT, "alice", Product.PROPERTY,
                        Money.cny("500000.00"), Money.cny("500.00"), LocalDate.parse("2026-03-01"),
                        LocalDate.parse("2027-02-28"), PaymentPlan.ANNUAL, "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null))
                .when(new CancelPolicy("pol-with-claim", null), alice())
                .expectException(refused("CLAIM_OPEN"))
                .expectNoEvents();
        org.assertj.core.api.Assertions.assertThat(database.getCollection("simulated_payments").countDocuments()).isZero();
    }

    @Test
    void another_customer_cannot_see_the_policy_to_cancel_it_and_an_ended_one_is_not_active() {
        fixture.given(bought(POLICY, "2026-03-05", "2027-03-04"))
                .when(new CancelPolicy(POLICY, null), bob())
                .expectException(UnknownObject.class)
                .expectNoEvents();
        fixture.given(bought(POLICY, "2025-03-01", "2026-02-28"))
                .when(new CancelPolicy(POLICY, null), alice())
                .expectException(refused("POLICY_NOT_ACTIVE"))
                .expectNoEvents();
    }

    /** The simulated gateway's reference for the policy's refund, once paid. */
    private String refundReference() {
        return gateway.lookUp("policy:pol-1:refund").map(o -> ((PaymentGateway.Succeeded) o).reference()).orElse("none");
    }

    /** Home cover of 600.00 a year paid monthly (50.00 an instalment), on the account. */
    private static PolicyIssued monthly(String account, String start) {
        LocalDate from = LocalDate.parse(start);
        return new PolicyIssued(POLICY, "PN1", account, "alice", Product.PROPERTY, Money.cny("500000.00"),
                Money.cny("600.00"), from, from.plusMonths(12).minusDays(1), PaymentPlan.MONTHLY, "q-1", "2026-11",
                Money.cny("50.00"), "SIM-1", null);
    }

    private String reference(String key) {
        return gateway.lookUp(key).map(o -> ((PaymentGateway.Succeeded) o).reference()).orElse("none");
    }

    @Test
    void an_instalment_is_debited_on_its_due_date_under_the_authorization_once() {
        // instalment 2 of a policy that started 10 February is due today, 10 March
        fixture.given(monthly(ACCOUNT, "2026-02-10"))
                .when(new CollectInstalment(POLICY, LocalDate.parse("2026-03-10")), system())
                .expectEvents(new InstalmentPaid(POLICY, ACCOUNT, 2, LocalDate.parse("2026-03-10"), Money.cny("50.00"),
                        "policy:pol-1:instalment:2", reference("policy:pol-1:instalment:2"),
                        LocalDate.parse("2026-04-10"), CLOCK.instant()));
        InstalmentPaid paid = new InstalmentPaid(POLICY, ACCOUNT, 2, LocalDate.parse("2026-03-10"), Money.cny("50.00"),
                "policy:pol-1:instalment:2", "SIM-2", LocalDate.parse("2026-04-10"), CLOCK.instant());
        fixture.given(monthly(ACCOUNT, "2026-02-10"), paid)
                .when(new CollectInstalment(POLICY, LocalDate.parse("2026-03-10")), system())
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
        fixture.given(monthly(ACCOUNT, "2026-02-10"), paid)
                .when(new CollectInstalment(POLICY, LocalDate.parse("2026-04-10")), system())
                .expectException(refused("STEP_NOT_DUE"));
        org.assertj.core.api.Assertions.assertThat(database.getCollection("simulated_payments").countDocuments())
                .as("one debit").isEqualTo(1);
    }

    @Test
    void a_declined_debit_misses_the_instalment_and_grace_runs_thirty_days() {
        fixture.given(monthly("acc-declines", "2026-02-10"))
                .when(new CollectInstalment(POLICY, LocalDate.parse("2026-03-10")), system())
                .expectEvents(new InstalmentMissed(POLICY, "acc-declines", 2, LocalDate.parse("2026-03-10"),
                        Money.cny("50.00"), "DECLINED", LocalDate.parse("2026-04-09"), CLOCK.instant()));
    }

    @Test
    void without_an_authorization_that_covers_it_the_instalment_is_missed_and_nothing_is_debited() {
        fixture.given(monthly("acc-none", "2026-02-10"))
                .when(new CollectInstalment(POLICY, LocalDate.parse("2026-03-10")), system())
                .expectEvents(new InstalmentMissed(POLICY, "acc-none", 2, LocalDate.parse("2026-03-10"),
                        Money.cny("50.00"), "NO_AUTHORIZATION", LocalDate.parse("2026-04-09"), CLOCK.instant()));
        org.assertj.core.api.Assertions.assertThat(database.getCollection("simulated_payments").countDocuments()).isZero();
    }

    @Test
    void the_policy_lapses_when_the_grace_period_ends_unpaid_and_claims_in_the_gap_are_not_covered() {
        // instalment 2 was due 8 February, grace to 10 March: not over until the day ends
        InstalmentMissed missed = new InstalmentMissed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-02-08"),
                Money.cny("50.00"), "DECLINED", LocalDate.parse("2026-03-10"), CLOCK.instant());
        fixture.given(monthly(ACCOUNT, "2026-01-08"), missed)
                .when(new EndGrace(POLICY, LocalDate.parse("2026-03-11")), system())
                .expectException(refused("STEP_NOT_DUE"))
                .expectNoEvents();
        // instalment 2 due 7 February, grace to 9 March: lapsed
        InstalmentMissed earlier = new InstalmentMissed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-02-07"),
                Money.cny("50.00"), "DECLINED", LocalDate.parse("2026-03-09"), CLOCK.instant());
        fixture.given(monthly(ACCOUNT, "2026-01-07"), earlier)
                .when(new EndGrace(POLICY, LocalDate.parse("2026-03-10")), system())
                .expectEvents(new PolicyLapsed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-03-09"), CLOCK.instant()));
        // paid in time: nothing happens
        fixture.given(monthly(ACCOUNT, "2026-01-07"), earlier, new ArrearsPaid(POLICY, ACCOUNT, 2, 2, Money.cny("50.00"),
                        "policy:pol-1:arrears:2", "SIM-9", LocalDate.parse("2026-03-07"), CLOCK.instant()))
                .when(new EndGrace(POLICY, LocalDate.parse("2026-03-10")), system())
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void a_lapsed_policy_is_reinstated_on_paying_every_instalment_due_and_health_cover_needs_a_clean_declaration() {
        // started 10 November; instalment 3 (10 January) missed, lapsed after 9 February; today, 10 March,
        // instalments 3, 4 and 5 are due
        List<Object> history = List.of(monthly(ACCOUNT, "2025-11-10"),
                new InstalmentPaid(POLICY, ACCOUNT, 2, LocalDate.parse("2025-12-10"), Money.cny("50.00"), "k2", "SIM-2",
                        LocalDate.parse("2026-01-10"), CLOCK.instant()),
                new InstalmentMissed(POLICY, ACCOUNT, 3, LocalDate.parse("2026-01-10"), Money.cny("50.00"), "DECLINED",
                        LocalDate.parse("2026-02-09"), CLOCK.instant()),
                new PolicyLapsed(POLICY, ACCOUNT, 3, LocalDate.parse("2026-02-09"), CLOCK.instant()));
        fixture.given(history)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of()), alice())
                .expectEvents(new PolicyReinstated(POLICY, ACCOUNT, 3, 5, Money.cny("150.00"), "policy:pol-1:arrears:3:1",
                        reference("policy:pol-1:arrears:3:1"), LocalDate.parse("2026-03-10"), LocalDate.parse("2026-04-10"),
                        CLOCK.instant()));
        fixture.given(history)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of()), bob())
                .expectException(UnknownObject.class);
        fixture.given(monthly(ACCOUNT, "2026-02-10"))
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of()), alice())
                .expectException(refused("NOTHING_DUE"));

        PolicyIssued health = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH, Money.cny("300000.00"),
                Money.cny("600.00"), LocalDate.parse("2025-11-10"), LocalDate.parse("2026-11-09"), PaymentPlan.MONTHLY,
                "q-1", "2026-11", Money.cny("50.00"), "SIM-1", null);
        List<Object> lapsedHealth = List.of(health, history.get(1), history.get(2), history.get(3));
        String referralId = java.util.UUID.nameUUIDFromBytes(("reinstatement:" + POLICY + ":2026-02-10")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        fixture.given(lapsedHealth)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of("smoker", "false", "hospitalizedLast2Years", "true",
                        "chronicCondition", "false")), alice())
                .expectEvents(new ReinstatementReferred(POLICY, ACCOUNT, referralId, "[\"hospitalizedLast2Years\"]",
                        "alice", CLOCK.instant()));
        ReinstatementReferred referred = new ReinstatementReferred(POLICY, ACCOUNT, referralId,
                "[\"hospitalizedLast2Years\"]", "alice", CLOCK.instant());
        // it waits; an underwriter approves; then paying reinstates it without asking again
        List<Object> waiting = new java.util.ArrayList<>(lapsedHealth);
        waiting.add(referred);
        fixture.given(waiting)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of()), alice())
                .expectException(refused("REINSTATEMENT_REFERRED"));
        fixture.given(waiting)
                .when(new DecideReinstatement(POLICY, referralId, true, null), underwriter())
                .expectEvents(new ReinstatementDecided(POLICY, ACCOUNT, referralId, true, null, "uma", CLOCK.instant()));
        List<Object> approved = new java.util.ArrayList<>(waiting);
        approved.add(new ReinstatementDecided(POLICY, ACCOUNT, referralId, true, null, "uma", CLOCK.instant()));
        fixture.given(approved)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of("smoker", "false", "hospitalizedLast2Years", "true",
                        "chronicCondition", "false")), alice())
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(
                                org.hamcrest.Matchers.instanceOf(PolicyReinstated.class),
                                org.axonframework.test.matchers.Matchers.andNoMore())));
        List<Object> declined = new java.util.ArrayList<>(waiting);
        declined.add(new ReinstatementDecided(POLICY, ACCOUNT, referralId, false, "Recent hospital stay.", "uma",
                CLOCK.instant()));
        fixture.given(declined)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of("smoker", "false", "hospitalizedLast2Years", "true",
                        "chronicCondition", "false")), alice())
                .expectException(refused("REINSTATEMENT_DECLINED"));
        fixture.given(lapsedHealth)
                .when(new ReinstatePolicy(POLICY, "card-ok", Map.of()), alice())
                .expectException(refused("PRODUCT_RULES_NOT_MET"));
    }

    /** A year's home cover, paid for the year, from {@code start}. */
    private static PolicyIssued annual(String quoteId, String start) {
        LocalDate from = LocalDate.parse(start);
        return new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.PROPERTY, Money.cny("500000.00"),
                Money.cny("500.00"), from, from.plusMonths(12).minusDays(1), PaymentPlan.ANNUAL, quoteId, "2026-11",
                Money.cny("500.00"), "SIM-1", null);
    }

    @Test
    void renewal_opens_thirty_days_before_the_end_at_the_premium_the_rules_give_now() {
        // the term ends 8 April: renewal is open from 9 March; today is 10 March
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-04-09"), CLOCK.instant());
        fixture.given(annual("q-1", "2025-04-09"), started)
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectEvents(new PolicyRenewed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-04-09"),
                        LocalDate.parse("2027-04-08"), Money.cny("520.00"), PaymentPlan.ANNUAL, Money.cny("520.00"),
                        "policy:pol-1:renewal:2:1", reference("policy:pol-1:renewal:2:1"), null, false, CLOCK.instant()));
        // a day too early
        fixture.given(annual("q-1", "2025-04-11"), started)
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectException(refused("RENEWAL_NOT_OPEN"));
        // the insured's details were erased: a new quote is needed
        fixture.given(annual("q-gone", "2025-04-09"), started)
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectException(refused("RENEWAL_NEEDS_QUOTE"));
        // renewed: the old end's timed step finds the end moved on
        fixture.given(annual("q-1", "2025-04-09"), started, new PolicyRenewed(POLICY, ACCOUNT, 2,
                        LocalDate.parse("2026-04-09"), LocalDate.parse("2027-04-08"), Money.cny("520.00"),
                        PaymentPlan.ANNUAL, Money.cny("520.00"), "policy:pol-1:renewal:2:1", "SIM-R", null, false,
                        CLOCK.instant()))
                .when(new EndCover(POLICY, LocalDate.parse("2026-04-09")), system())
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    private static final String RENEWAL_REFERRAL = java.util.UUID.nameUUIDFromBytes("renewal:pol-1:1"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();

    /** A claim on the first term that paid {@code paid} and closed. */
    private static List<Object> claimPaid(String claimId, String paid) {
        return List.of(new org.coverledger.events.policy.PolicyApi.ClaimNoted(POLICY, ACCOUNT, claimId,
                        LocalDate.parse("2025-06-01"), "FIRE", Money.cny("300000.00"), 1, false, CLOCK.instant()),
                new org.coverledger.events.policy.PolicyApi.ClaimSettled(POLICY, ACCOUNT, claimId, "PAID", 1,
                        Money.cny(paid), Money.cny("0.00"), CLOCK.instant()));
    }

    private static List<Object> history(Object... events) {
        List<Object> all = new java.util.ArrayList<>();
        for (Object event : events) {
            if (event instanceof List<?> list) {
                all.addAll(list);
            } else {
                all.add(event);
            }
        }
        return all;
    }

    private static RenewalReferred referred(String paid, String by) {
        return new RenewalReferred(POLICY, ACCOUNT, RENEWAL_REFERRAL, 1, Money.cny(paid), Money.cny("500000.00"),
                new java.math.BigDecimal("0.5"), by, CLOCK.instant());
    }

    @Test
    void a_term_whose_claims_paid_more_than_half_the_sum_insured_is_renewed_only_once_an_underwriter_accepts() {
        // the term ends 8 April, renewal is open; two claims of the term paid 260,000 of 500,000
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-04-09"), CLOCK.instant());
        List<Object> claimed = history(annual("q-1", "2025-04-09"), started, claimPaid("c-1", "200000.00"),
                claimPaid("c-2", "60000.00"));
        fixture.given(claimed)
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectEvents(referred("260000.00", "alice"))
                .expectResultMessagePayload(new Policy.Renewal(POLICY, 2, LocalDate.parse("2026-04-09"),
                        LocalDate.parse("2027-04-08"), null, null, null, null, "REFERRED", RENEWAL_REFERRAL));
        org.assertj.core.api.Assertions.assertThat(gateway.lookUp("policy:pol-1:renewal:2:1")).as("nothing paid").isEmpty();
        // it waits: asked again, the same answer without a second referral
        List<Object> waiting = history(claimed, referred("260000.00", "alice"));
        fixture.given(waiting)
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectException(refused("RENEWAL_REFERRED"))
                .expectNoEvents();
        // the customer may not decide; an underwriter accepts with a loading of 20 %
        fixture.given(waiting)
                .when(new DecideRenewalReferral(POLICY, RENEWAL_REFERRAL, true, 20, null), alice())
                .expectException(UnknownObject.class);
        fixture.given(waiting)
                .when(new DecideRenewalReferral(POLICY, RENEWAL_REFERRAL, true, 201, null), underwriter())
                .expectException(refused("LOADING_INVALID"));
        RenewalReferralDecided accepted = new RenewalReferralDecided(POLICY, ACCOUNT, RENEWAL_REFERRAL, true, 20, null,
                "uma", CLOCK.instant());
        fixture.given(waiting)
                .when(new DecideRenewalReferral(POLICY, RENEWAL_REFERRAL, true, 20, null), underwriter())
                .expectEvents(accepted);
        fixture.given(history(waiting, accepted))
                .when(new DecideRenewalReferral(POLICY, RENEWAL_REFERRAL, false, null, "twice"), underwriter())
                .expectException(UnknownObject.class);
        // accepted: the renewal goes through at the rules' premium (520.00) plus the loading
        fixture.given(history(waiting, accepted))
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectEvents(new PolicyRenewed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-04-09"),
                        LocalDate.parse("2027-04-08"), Money.cny("624.00"), PaymentPlan.ANNUAL, Money.cny("624.00"),
                        "policy:pol-1:renewal:2:1", reference("policy:pol-1:renewal:2:1"), null, false, CLOCK.instant()));
        // declined: it is not renewed
        RenewalReferralDecided declined = new RenewalReferralDecided(POLICY, ACCOUNT, RENEWAL_REFERRAL, false, null,
                "Claims history.", "uma", CLOCK.instant());
        fixture.given(history(waiting, declined))
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectException(refused("RENEWAL_DECLINED"))
                .expectNoEvents();
        // exactly half is not more than half: renewed as usual
        fixture.given(history(annual("q-1", "2025-04-09"), started, claimPaid("c-1", "250000.00")))
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(
                                org.hamcrest.Matchers.instanceOf(PolicyRenewed.class),
                                org.axonframework.test.matchers.Matchers.andNoMore())));
    }

    @Test
    void the_underwriter_hears_of_a_referral_at_the_renewal_notice_or_at_the_payout_that_crosses_the_share() {
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-04-09"), CLOCK.instant());
        fixture.given(history(annual("q-1", "2025-04-09"), started, claimPaid("c-1", "300000.00")))
                .when(new RemindRenewal(POLICY), system())
                .expectEvents(new RenewalNoticeSent(POLICY, ACCOUNT, 1, LocalDate.parse("2026-04-08"), CLOCK.instant()),
                        referred("300000.00", "system"));
        // renewal is open (the notice went out) when a payout takes the term past the share
        RenewalNoticeSent notice = new RenewalNoticeSent(POLICY, ACCOUNT, 1, LocalDate.parse("2026-04-08"),
                CLOCK.instant());
        List<Object> open = history(annual("q-1", "2025-04-09"), started, notice,
                new org.coverledger.events.policy.PolicyApi.ClaimNoted(POLICY, ACCOUNT, "c-1",
                        LocalDate.parse("2026-03-01"), "FIRE", Money.cny("300000.00"), 1, false, CLOCK.instant()));
        fixture.given(open)
                .when(new org.coverledger.events.policy.PolicyApi.SettleClaim(POLICY, "c-1", "PAID",
                        Money.cny("280000.00")), system())
                .expectEvents(new org.coverledger.events.policy.PolicyApi.ClaimSettled(POLICY, ACCOUNT, "c-1", "PAID", 1,
                        Money.cny("280000.00"), Money.cny("0.00"), CLOCK.instant()), referred("280000.00", "system"));
        // a smaller payout: no referral
        fixture.given(open)
                .when(new org.coverledger.events.policy.PolicyApi.SettleClaim(POLICY, "c-1", "PAID",
                        Money.cny("1000.00")), system())
                .expectEvents(new org.coverledger.events.policy.PolicyApi.ClaimSettled(POLICY, ACCOUNT, "c-1", "PAID", 1,
                        Money.cny("1000.00"), Money.cny("0.00"), CLOCK.instant()));
    }

    @Test
    void automatic_renewal_waits_for_an_underwriter_too() {
        // the term's last day is today; the claims of the term paid 400,000
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-03-11"), CLOCK.instant());
        AutoRenewalChosen chosen = new AutoRenewalChosen(POLICY, ACCOUNT, true, CLOCK.instant());
        List<Object> claimed = history(annual("q-1", "2025-03-11"), started, chosen, claimPaid("c-1", "400000.00"));
        fixture.given(claimed)
                .when(new RenewAutomatically(POLICY), system())
                .expectEvents(referred("400000.00", "system"));
        RenewalReferralDecided accepted = new RenewalReferralDecided(POLICY, ACCOUNT, RENEWAL_REFERRAL, true, 0, null,
                "uma", CLOCK.instant());
        fixture.given(history(claimed, referred("400000.00", "system"), accepted))
                .when(new RenewAutomatically(POLICY), system())
                .expectEvents(new PolicyRenewed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-03-11"),
                        LocalDate.parse("2027-03-10"), Money.cny("520.00"), PaymentPlan.ANNUAL, Money.cny("520.00"),
                        "policy:pol-1:renewal:2:1", reference("policy:pol-1:renewal:2:1"), null, true, CLOCK.instant()));
    }

    @Test
    void a_declined_card_does_not_stop_the_next_one_from_renewing() {
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-04-09"), CLOCK.instant());
        fixture.given(annual("q-1", "2025-04-09"), started)
                .when(new RenewPolicy(POLICY, "card-no", null), alice())
                .expectException(refused("PAYMENT_DECLINED"))
                .expectNoEvents();
        fixture.given(annual("q-1", "2025-04-09"), started)
                .when(new RenewPolicy(POLICY, "card-ok", null), alice())
                .expectEvents(new PolicyRenewed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-04-09"),
                        LocalDate.parse("2027-04-08"), Money.cny("520.00"), PaymentPlan.ANNUAL, Money.cny("520.00"),
                        "policy:pol-1:renewal:2:2", reference("policy:pol-1:renewal:2:2"), null, false, CLOCK.instant()));
    }

    @Test
    void a_change_waiting_for_an_underwriter_goes_with_a_cancellation() {
        PolicyChangeRequested pending = new PolicyChangeRequested(POLICY, ACCOUNT, "chg-1", Money.cny("500000.00"),
                Money.cny("600000.00"), "alice", CLOCK.instant());
        PolicyCancelled cancelled = new PolicyCancelled(POLICY, ACCOUNT, LocalDate.parse("2026-03-10"), false,
                LocalDate.parse("2026-03-10"), Money.cny("500.00"), Money.cny("94.52"), Money.cny("40.55"),
                Money.cny("364.93"), "policy:pol-1:refund", "SIMR-1", CancellationReason.OTHER, CLOCK.instant());
        fixture.given(annual("q-1", "2026-01-01"), pending, cancelled)
                .when(new ApprovePolicyChange(POLICY, "chg-1"), underwriter())
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void the_renewal_notice_goes_out_once_a_term_to_the_customers_mobile() {
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-04-09"), CLOCK.instant());
        fixture.given(annual("q-1", "2025-04-09"), started)
                .when(new RemindRenewal(POLICY), system())
                .expectEvents(new RenewalNoticeSent(POLICY, ACCOUNT, 1, LocalDate.parse("2026-04-08"), CLOCK.instant()));
        org.assertj.core.api.Assertions.assertThat(notices).singleElement()
                .satisfies(notice -> org.assertj.core.api.Assertions.assertThat(notice.to()).isEqualTo("13812345678"))
                .satisfies(notice -> org.assertj.core.api.Assertions.assertThat(notice.text()).contains("2026-04-08"));
        fixture.given(annual("q-1", "2025-04-09"), started,
                        new RenewalNoticeSent(POLICY, ACCOUNT, 1, LocalDate.parse("2026-04-08"), CLOCK.instant()))
                .when(new RemindRenewal(POLICY), system())
                .expectNoEvents();
        org.assertj.core.api.Assertions.assertThat(notices).hasSize(1);
    }

    @Test
    void with_automatic_renewal_chosen_the_policy_renews_on_its_last_day_under_the_authorization() {
        // the term's last day is today, 10 March
        PolicyStarted started = new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-03-11"), CLOCK.instant());
        fixture.given(annual("q-1", "2025-03-11"), started)
                .when(new ChooseAutoRenewal(POLICY, true), alice())
                .expectEvents(new AutoRenewalChosen(POLICY, ACCOUNT, true, CLOCK.instant()));
        AutoRenewalChosen chosen = new AutoRenewalChosen(POLICY, ACCOUNT, true, CLOCK.instant());
        fixture.given(annual("q-1", "2025-03-11"), started, chosen)
                .when(new RenewAutomatically(POLICY), system())
                .expectEvents(new PolicyRenewed(POLICY, ACCOUNT, 2, LocalDate.parse("2026-03-11"),
                        LocalDate.parse("2027-03-10"), Money.cny("520.00"), PaymentPlan.ANNUAL, Money.cny("520.00"),
                        "policy:pol-1:renewal:2:1", reference("policy:pol-1:renewal:2:1"), null, true, CLOCK.instant()));
        // not chosen: nothing
        fixture.given(annual("q-1", "2025-03-11"), started)
                .when(new RenewAutomatically(POLICY), system())
                .expectNoEvents();
    }

    @Test
    void automatic_renewal_needs_an_authorization_that_covers_the_premium() {
        PolicyIssued dear = new PolicyIssued(POLICY, "PN1", "acc-none", "alice", Product.PROPERTY, Money.cny("500000.00"),
                Money.cny("500.00"), LocalDate.parse("2025-03-11"), LocalDate.parse("2026-03-10"), PaymentPlan.ANNUAL,
                "q-1", "2026-11", Money.cny("500.00"), "SIM-1", null);
        fixture.given(dear)
                .when(new ChooseAutoRenewal(POLICY, true), alice())
                .expectException(refused("AUTO_DEBIT_REQUIRED"))
                .expectNoEvents();
    }

    @Test
    void a_contact_mobile_for_the_policy_applies_at_once_and_its_notices_go_there() {
        fixture.given(annual("q-1", "2025-04-09"))
                .when(new ChangePolicy(POLICY, null, null, null, "13900001111"), alice())
                .expectResultMessagePayload("APPLIED")
                .expectEvents(new PolicyChanged(POLICY, ACCOUNT, null, null, CLOCK.instant(), "13900001111"));
        fixture.given(annual("q-1", "2025-04-09"),
                        new PolicyStarted(POLICY, ACCOUNT, LocalDate.parse("2025-04-09"), CLOCK.instant()),
                        new PolicyChanged(POLICY, ACCOUNT, null, null, CLOCK.instant(), "13900001111"))
                .when(new RemindRenewal(POLICY), system())
                .expectEvents(new RenewalNoticeSent(POLICY, ACCOUNT, 1, LocalDate.parse("2026-04-08"), CLOCK.instant()));
        org.assertj.core.api.Assertions.assertThat(notices).extracting(org.coverledger.command.notification.Notice::to)
                .containsExactly("13900001111");
    }
}
