package org.coverledger.command.claim;

import static org.coverledger.command.support.Refusals.refused;
import static org.coverledger.command.support.Callers.adjuster;
import static org.coverledger.command.support.Callers.alice;
import static org.coverledger.command.support.Callers.as;
import static org.coverledger.command.support.Callers.bob;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.command.policy.Policy;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.RequestMaterials;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClaimTest {

    private static final String POLICY = "pol-1";
    private static final String CLAIM = "clm-1";
    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final BusinessCalendar CALENDAR =
            new BusinessCalendar(Clock.fixed(NOW, ZoneOffset.UTC), BusinessCalendar.DEFAULT_ZONE);

    private AggregateTestFixture<Claim> fixture;

    private final SubmitClaim submit = new SubmitClaim(CLAIM, POLICY, LocalDate.parse("2026-03-02"), "Hospital stay",
            Money.cny("3200.50"));
    private final ClaimSubmitted submitted = new ClaimSubmitted(CLAIM, POLICY, "acc-1", "alice", LocalDate.parse("2026-03-02"),
            "Hospital stay", Money.cny("3200.50"), NOW);

    @BeforeEach
    void setUp() {
        fixture = new AggregateTestFixture<>(Claim.class);
        fixture.registerInjectableResource(CALENDAR);
        var policies = OtherAggregates.repository(Policy.class, Map.of(
                POLICY, List.of(new PolicyIssued(POLICY, "PN1", "acc-1", "alice", Product.HEALTH,
                        Money.cny("500000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-12-31"), null, null, null, null, null, null)),
                "pol-of-closed", List.of(new PolicyIssued("pol-of-closed", "PN2", "acc-closed", "alice", Product.HEALTH,
                        Money.cny("500000.00"), Money.cny("1200.00"), LocalDate.parse("2026-01-01"),
                        LocalDate.parse("2026-12-31"), null, null, null, null, null, null))));
        var accounts = OtherAggregates.repository(Account.class, Map.of(
                "acc-1", List.of(account("acc-1")),
                "acc-closed", List.of(account("acc-closed"), new AccountClosed("acc-closed", "alice", NOW))));
        fixture.registerAnnotatedCommandHandler(new ClaimSubmission(policies, fixture.getRepository(), accounts,
                CALENDAR, new AccountHoldings(TestMongo.freshDatabase())));
    }

    private static AccountRegistered account(String id) {
        return new AccountRegistered(id, "alice", "Alice Wang", "11010519491231002X", "13800000001", "alice@example.com");
    }

    @Test
    void a_closed_account_claims_nothing() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim(CLAIM, "pol-of-closed", LocalDate.parse("2026-03-02"), "Hospital stay",
                        Money.cny("10.00")), alice())
                .expectException(refused("ACCOUNT_CLOSED"))
                .expectExceptionMessage("The account is closed.")
                .expectNoEvents();
    }


    @Test
    void the_policyholder_submits_a_claim_inside_the_cover() {
        fixture.givenNoPriorActivity()
                .when(submit, alice())
                .expectEvents(submitted);
    }

    @Test
    void an_incident_outside_the_cover_is_refused() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim(CLAIM, POLICY, LocalDate.parse("2025-12-31"), "Before cover", Money.cny("10.00")),
                        alice())
                .expectException(refused("INCIDENT_OUTSIDE_COVER"))
                .expectNoEvents();
    }

    @Test
    void a_claim_on_an_unknown_policy_is_refused() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim(CLAIM, "nope", LocalDate.parse("2026-03-02"), "x", Money.cny("10.00")), alice())
                .expectException(refused("POLICY_UNKNOWN"))
                .expectExceptionMessage("There is no policy nope.")
                .expectNoEvents();
    }

    @Test
    void another_customer_gets_the_same_answer_as_for_an_unknown_policy() {
        fixture.givenNoPriorActivity()
                .when(submit, bob())
                .expectException(refused("POLICY_UNKNOWN"))
                .expectExceptionMessage("There is no policy pol-1.")
                .expectNoEvents();
    }

    @Test
    void an_incident_in_the_future_is_refused() {
        fixture.givenNoPriorActivity()
                .when(new SubmitClaim(CLAIM, POLICY, LocalDate.parse("2026-03-11"), "Tomorrow", Money.cny("10.00")),
                        alice())
                .expectException(refused("INCIDENT_IN_FUTURE"))
                .expectNoEvents();
    }

    @Test
    void an_adjuster_requests_materials_and_the_claim_waits_for_them() {
        fixture.given(submitted)
                .when(new RequestMaterials(CLAIM, List.of("discharge summary", "invoice"), "please upload"), adjuster())
                .expectEvents(new MaterialsRequested(CLAIM, "acc-1", List.of("discharge summary", "invoice"), "please upload",
                        "adam", NOW))
                .expectState(claim -> org.assertj.core.api.Assertions.assertThat(claim)
                        .extracting("status").hasToString("MATERIALS_REQUESTED"));
    }

    @Test
    void the_claimant_cannot_request_materials() {
        fixture.given(submitted)
                .when(new RequestMaterials(CLAIM, List.of("invoice"), null), alice())
                .expectException(ActionNotPermitted.class)
                .expectNoEvents();
    }

    @Test
    void an_underwriter_cannot_request_materials() {
        fixture.given(submitted)
                .when(new RequestMaterials(CLAIM, List.of("invoice"), null), as("uma", "UNDERWRITER"))
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }
}
