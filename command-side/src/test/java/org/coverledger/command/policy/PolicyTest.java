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

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.ChangePolicy;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PolicyTest {

    private static final String ACCOUNT = "acc-1";
    private static final String POLICY = "pol-1";
    // 2026-03-10 10:00 in Shanghai
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T02:00:00Z"), ZoneOffset.UTC);

    private AggregateTestFixture<Policy> fixture;
    private final AccountHoldings holdings = new AccountHoldings(TestMongo.freshDatabase());

    private final IssuePolicy issue = new IssuePolicy(POLICY, "PN1", ACCOUNT, Product.HEALTH, Money.cny("500000.00"),
            Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"));
    private final PolicyIssued issued = new PolicyIssued(POLICY, "PN1", ACCOUNT, "alice", Product.HEALTH,
            Money.cny("500000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31"));

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Policy.class);
        fixture.registerInjectableResource(new BusinessCalendar(CLOCK, BusinessCalendar.DEFAULT_ZONE));
        var accounts = OtherAggregates.repository(Account.class, ACCOUNT,
                List.of(new AccountRegistered(ACCOUNT, "alice", "Alice Wang", "11010519491231002X", "13812345678",
                        "alice@example.com")));
        fixture.registerAnnotatedCommandHandler(new PolicyIssuance(accounts, fixture.getRepository(), holdings));
    }

    @Test
    void the_account_owner_buys_a_policy() {
        fixture.givenNoPriorActivity()
                .when(issue, alice())
                .expectSuccessfulHandlerExecution()
                .expectEvents(issued);
        // so that closing or erasing the account asks this policy whether it still binds it
        org.assertj.core.api.Assertions.assertThat(holdings.policies(ACCOUNT)).containsExactly(POLICY);
    }

    @Test
    void an_underwriter_issues_for_any_account_and_the_owner_is_the_policyholder() {
        fixture.givenNoPriorActivity()
                .when(issue, underwriter())
                .expectEvents(issued);
    }

    @Test
    void another_customer_cannot_buy_on_the_account() {
        fixture.givenNoPriorActivity()
                .when(issue, bob())
                .expectException(refused("ACCOUNT_UNKNOWN"))
                .expectExceptionMessage("There is no account acc-1.")
                .expectNoEvents();
    }

    @Test
    void an_unknown_account_is_refused() {
        fixture.givenNoPriorActivity()
                .when(new IssuePolicy(POLICY, "PN1", "nope", Product.AUTO, Money.cny("1.00"), Money.cny("1.00"),
                        LocalDate.parse("2026-01-01"), LocalDate.parse("2026-12-31")), alice())
                .expectException(refused("ACCOUNT_UNKNOWN"))
                .expectNoEvents();
    }

    @Test
    void the_cover_must_end_after_it_starts() {
        fixture.givenNoPriorActivity()
                .when(new IssuePolicy(POLICY, "PN1", ACCOUNT, Product.AUTO, Money.cny("1.00"), Money.cny("1.00"),
                        LocalDate.parse("2026-01-01"), LocalDate.parse("2026-01-01")), alice())
                .expectException(refused("COVER_PERIOD_INVALID"))
                .expectNoEvents();
    }

    @Test
    void a_policy_that_is_not_issued_is_not_left_among_the_accounts_holdings() {
        fixture.givenNoPriorActivity()
                .when(new IssuePolicy(POLICY, "PN1", ACCOUNT, Product.AUTO, Money.cny("1.00"), Money.cny("1.00"),
                        LocalDate.parse("2026-01-01"), LocalDate.parse("2026-01-01")), alice())
                .expectException(refused("COVER_PERIOD_INVALID"));
        org.assertj.core.api.Assertions.assertThat(holdings.policies(ACCOUNT)).isEmpty();
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
                Money.cny("1.00"), LocalDate.parse("2025-01-01"), LocalDate.parse("2025-12-31"));
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
}
