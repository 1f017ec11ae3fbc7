package org.coverledger.command.account;

import static org.coverledger.command.support.Refusals.refused;
import static org.assertj.core.api.Assertions.assertThat;

import static org.coverledger.command.support.Callers.as;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.claim.Claim;
import org.coverledger.command.policy.Policy;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.BindCard;
import org.coverledger.events.account.AccountApi.CloseAccount;
import org.coverledger.events.account.AccountApi.EraseAccount;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.identity.AccessTokens;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Closing and erasing an account: what still binds it, and how long the law keeps its records. */
class AccountClosureTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z"); // 2026-03-10 in Shanghai
    private static final BusinessCalendar CALENDAR =
            new BusinessCalendar(Clock.fixed(NOW, ZoneOffset.UTC), BusinessCalendar.DEFAULT_ZONE);
    private static final String ACCOUNT = "acc-1";

    private final AggregateTestFixture<Account> fixture = new AggregateTestFixture<>(Account.class);
    private final com.mongodb.client.MongoDatabase database = TestMongo.freshDatabase();
    private final AccountHoldings holdings = new AccountHoldings(database);
    private final SubjectKeys keys = new SubjectKeys(database, SubjectKeys.randomMasterKey());
    private final org.coverledger.identity.CustomerCredentials credentials =
            new org.coverledger.identity.CustomerCredentials(database, "test-pepper");
    private final org.coverledger.identity.AccessTokens tokens =
            new org.coverledger.identity.AccessTokens(database, java.time.Duration.ofMinutes(30), java.time.Clock.systemUTC());
    private final AccountRegistered registered = new AccountRegistered(ACCOUNT, ACCOUNT, "Alice Wang",
            "11010519491231002X", "13812345678", "alice@example.com");

    @BeforeEach
    void setUp() {
        fixture.registerInjectableResource(CALENDAR);
        var policies = OtherAggregates.repository(Policy.class, Map.of(
                "pol-current", List.of(policy("pol-current", "2026-01-01", "2026-12-31")),
                "pol-ended-2025", List.of(policy("pol-ended-2025", "2025-01-01", "2025-12-31")),
                "pol-ended-2020", List.of(policy("pol-ended-2020", "2019-01-01", "2020-01-01"))));
        var claims = OtherAggregates.repository(Claim.class, "clm-1", List.of(new ClaimSubmitted("clm-1",
                "pol-ended-2025", ACCOUNT, ACCOUNT, LocalDate.parse("2025-06-01"), "Hospital stay",
                Money.cny("100.00"), NOW, null, null, null, null)));
        fixture.registerInjectableResource(new AccountCommitments(policies, claims, holdings, Period.ofYears(5), keys,
                credentials, tokens));
    }

    private static PolicyIssued policy(String id, String start, String end) {
        return new PolicyIssued(id, "PN-" + id, ACCOUNT, ACCOUNT, Product.HEALTH, Money.cny("1000.00"),
                Money.cny("10.00"), LocalDate.parse(start), LocalDate.parse(end), null, null, null, null, null, null);
    }

    @Test
    void the_customer_closes_an_account_without_policies_or_claims() {
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectEvents(new AccountClosed(ACCOUNT, ACCOUNT, NOW));
    }

    @Test
    void once_the_closure_is_stored_nobody_logs_in_and_every_token_ends_and_not_before() {
        credentials.create(ACCOUNT, "{noop}irrelevant");
        AccessTokens.Issued token = tokens.issue(new AccessTokens.Holder(ACCOUNT, List.of("CUSTOMER"), true));
        fixture.given(registered).when(new CloseAccount(ACCOUNT), as("someone-else", "CUSTOMER"))
                .expectException(RuntimeException.class).expectNoEvents();
        assertThat(credentials.byAccount(ACCOUNT)).as("a refused closure shuts nobody out").isPresent();
        assertThat(tokens.find(token.token())).isPresent();

        fixture.given(registered).when(new CloseAccount(ACCOUNT), as("root", "ADMIN")).expectSuccessfulHandlerExecution()
                .expectEvents(new AccountClosed(ACCOUNT, "root", NOW));
        assertThat(credentials.byAccount(ACCOUNT)).isEmpty();
        assertThat(credentials.isClosedLogin(ACCOUNT)).as("the owner's login, for a configured customer").isTrue();
        assertThat(tokens.find(token.token())).isEmpty();
    }

    @Test
    void an_account_with_a_policy_in_force_stays_open() {
        holdings.policy(ACCOUNT, "pol-current");
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectException(refused("POLICY_IN_FORCE"))
                .expectExceptionMessage("The account has a policy in force until 2026-12-31; it can be closed after that.")
                .expectNoEvents();
    }

    @Test
    void an_account_whose_policies_have_ended_closes() {
        holdings.policy(ACCOUNT, "pol-ended-2025");
        // recorded two minutes ago, then its issuance failed
        new AccountHoldings(database, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-2)))
                .policy(ACCOUNT, "pol-never-issued");
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as("root", "ADMIN"))
                .expectEvents(new AccountClosed(ACCOUNT, "root", NOW));
    }

    @Test
    void a_policy_recorded_a_moment_ago_and_not_issued_yet_keeps_the_closure_waiting() {
        holdings.policy(ACCOUNT, "pol-on-its-way");
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectException(refused("NEW_BUSINESS_IN_PROGRESS"))
                .expectExceptionMessage("A policy or claim is being recorded for this account; try again in a minute.")
                .expectNoEvents();
        // the refused closure lets new business in again
        holdings.claim(ACCOUNT, "clm-after");
        org.assertj.core.api.Assertions.assertThat(holdings.claims(ACCOUNT)).contains("clm-after");
    }

    @Test
    void once_closed_no_policy_or_claim_is_recorded_for_the_account() {
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectEvents(new AccountClosed(ACCOUNT, ACCOUNT, NOW));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> holdings.policy(ACCOUNT, "pol-late"))
                .isInstanceOf(BusinessRuleViolation.class).hasMessageContaining("closed");
        org.assertj.core.api.Assertions.assertThat(holdings.policies(ACCOUNT)).isEmpty();
    }

    @Test
    void while_a_closure_decides_no_policy_is_recorded() {
        holdings.beginClosing(ACCOUNT);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> holdings.claim(ACCOUNT, "clm-racing"))
                .isInstanceOf(BusinessRuleViolation.class);
        holdings.endClosing(ACCOUNT);
        holdings.claim(ACCOUNT, "clm-later");
        org.assertj.core.api.Assertions.assertThat(holdings.claims(ACCOUNT)).containsExactly("clm-later");
    }

    @Test
    void an_open_claim_keeps_the_account_open() {
        holdings.policy(ACCOUNT, "pol-ended-2025");
        holdings.claim(ACCOUNT, "clm-1");
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectException(refused("CLAIM_OPEN"))
                .expectExceptionMessage("The account has a claim that is not settled yet.")
                .expectNoEvents();
    }

    @Test
    void another_customer_cannot_see_the_account_to_close_it() {
        fixture.given(registered)
                .when(new CloseAccount(ACCOUNT), as("acc-2", "CUSTOMER"))
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void a_closed_account_takes_no_more_commands() {
        fixture.given(registered, new AccountClosed(ACCOUNT, ACCOUNT, NOW))
                .when(new BindCard(ACCOUNT, "card-1", "6222021234567890128"), as(ACCOUNT, "CUSTOMER"))
                .expectException(refused("ACCOUNT_CLOSED"))
                .expectExceptionMessage("The account is closed.")
                .expectNoEvents();
        fixture.given(registered, new AccountClosed(ACCOUNT, ACCOUNT, NOW))
                .when(new CloseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectException(refused("ACCOUNT_CLOSED"))
                .expectNoEvents();
    }

    @Test
    void erasure_waits_until_the_retention_period_after_the_last_cover_has_passed() {
        holdings.policy(ACCOUNT, "pol-ended-2020");
        holdings.policy(ACCOUNT, "pol-ended-2025");
        fixture.given(registered)
                .when(new EraseAccount(ACCOUNT), as("root", "ADMIN"))
                .expectException(refused("RETENTION_APPLIES"))
                .expectExceptionMessage("The law requires keeping this customer's records until 2030-12-31 "
                        + "(P5Y after the last policy's cover ended on 2025-12-31).")
                .expectNoEvents();
    }

    @Test
    void after_retention_the_personal_data_is_erased_once() {
        holdings.policy(ACCOUNT, "pol-ended-2020");
        keys.seal(ACCOUNT, "13812345678"); // the customer has a key
        fixture.given(registered)
                .when(new EraseAccount(ACCOUNT), as("root", "ADMIN"))
                .expectEvents(new PersonalDataErased(ACCOUNT, "root", NOW))
                .expectResultMessagePayload(true);
        org.assertj.core.api.Assertions.assertThat(keys.isErased(ACCOUNT)).as("the key goes with the commit").isTrue();
        fixture.given(registered, new PersonalDataErased(ACCOUNT, "root", NOW))
                .when(new EraseAccount(ACCOUNT), as("root", "ADMIN"))
                .expectNoEvents()
                .expectResultMessagePayload(false);
    }

    @Test
    void an_account_that_never_held_a_policy_can_be_erased_at_once() {
        fixture.given(registered)
                .when(new EraseAccount(ACCOUNT), as("root", "ADMIN"))
                .expectEvents(new PersonalDataErased(ACCOUNT, "root", NOW));
    }

    @Test
    void an_open_claim_is_kept() {
        holdings.claim(ACCOUNT, "clm-1");
        keys.seal(ACCOUNT, "13812345678");
        fixture.given(registered)
                .when(new EraseAccount(ACCOUNT), as("root", "ADMIN"))
                .expectException(refused("CLAIM_OPEN"))
                .expectNoEvents();
        org.assertj.core.api.Assertions.assertThat(keys.isErased(ACCOUNT)).as("a refused erasure keeps the key").isFalse();
    }

    @Test
    void only_an_admin_erases() {
        fixture.given(registered)
                .when(new EraseAccount(ACCOUNT), as(ACCOUNT, "CUSTOMER"))
                .expectException(org.coverledger.events.common.ActionNotPermitted.class)
                .expectNoEvents();
    }
}
