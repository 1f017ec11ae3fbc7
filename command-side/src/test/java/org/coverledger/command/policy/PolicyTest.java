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

    private final IssuePolicy issue = new IssuePolicy(POLICY, "PN1", ACCOUNT, Product.HEALTH, Money.cny("500000.00"),
            Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11");
    private final PolicyIssued issued = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH,
            Money.cny("500000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11");

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Policy.class);
        fixture.registerInjectableResource(new BusinessCalendar(CLOCK, BusinessCalendar.DEFAULT_ZONE));
    }

    @Test
    void the_cover_must_end_after_it_starts_and_amounts_cannot_be_negative() {
        org.assertj.core.api.Assertions.assertThat(Policy.decide(issue, "alice")).isEqualTo(issued);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Policy.decide(new IssuePolicy(POLICY, "PN1", ACCOUNT,
                        Product.AUTO, Money.cny("1.00"), Money.cny("1.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-01-01"), PaymentPlan.ANNUAL, "q-1", "2026-11"), "alice"))
                .is(refusal("COVER_PERIOD_INVALID"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Policy.decide(new IssuePolicy(POLICY, "PN1", ACCOUNT,
                        Product.AUTO, Money.cny("1.00"), Money.cny("-1.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11"), "alice"))
                .is(refusal("NEGATIVE_AMOUNT"));
    }

    private static org.assertj.core.api.Condition<Throwable> refusal(String code) {
        return new org.assertj.core.api.Condition<>(refused(code)::matches, "refused with " + code);
    }

    @Test
    void a_change_takes_effect_at_midnight_of_the_next_business_day() {
        fixture.given(issued)
                .when(new ChangePolicy(POLICY, "Wang Xiaoming", Money.cny("600000.00")), alice())
                .expectEvents(new PolicyChanged(POLICY, ACCOUNT, "Wang Xiaoming", Money.cny("600000.00"),
                        Instant.parse("2026-03-10T16:00:00Z")));
    }

    @Test
    void another_customer_cannot_see_the_policy_to_change_it() {
        fixture.given(issued)
                .when(new ChangePolicy(POLICY, "Mallory", null), bob())
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void an_expired_policy_cannot_be_changed() {
        PolicyIssued expired = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH, Money.cny("1.00"),
                Money.cny("1.00"), LocalDate.parse("2025-01-01"), LocalDate.parse("2025-12-31"), PaymentPlan.ANNUAL, "q-1", "2026-11");
        fixture.given(expired)
                .when(new ChangePolicy(POLICY, "Wang Xiaoming", null), alice())
                .expectException(refused("POLICY_EXPIRED"))
                .expectExceptionMessage("An expired policy cannot be changed.")
                .expectNoEvents();
    }

    @Test
    void an_empty_change_is_refused() {
        fixture.given(issued)
                .when(new ChangePolicy(POLICY, null, null), underwriter())
                .expectException(refused("NOTHING_TO_CHANGE"))
                .expectNoEvents();
    }

    private static PolicyIssued coverFrom(String start, String end) {
        return new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.PROPERTY, Money.cny("500000.00"),
                Money.cny("500.00"), LocalDate.parse(start), LocalDate.parse(end), PaymentPlan.ANNUAL, "q-1", "2026-11");
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
                .when(new EndCover(POLICY), system())
                .expectEvents(new PolicyExpired(POLICY, ACCOUNT, LocalDate.parse("2026-03-09"), CLOCK.instant()));
        fixture.given(coverFrom("2025-03-10", "2026-03-09"), started,
                        new PolicyExpired(POLICY, ACCOUNT, LocalDate.parse("2026-03-09"), CLOCK.instant()))
                .when(new EndCover(POLICY), system())
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
        // its last day is today: not yet
        fixture.given(coverFrom("2025-03-11", "2026-03-10"), started)
                .when(new EndCover(POLICY), system())
                .expectException(refused("STEP_NOT_DUE"))
                .expectNoEvents();
    }
}
