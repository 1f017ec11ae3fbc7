package org.coverledger.command.claim;

import java.time.Instant;
import java.util.List;

import org.axonframework.test.saga.SagaTestFixture;
import org.coverledger.events.claim.ClaimApi.ClaimApproved;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimPayoutFailed;
import org.coverledger.events.claim.ClaimApi.Outcome;
import org.coverledger.events.claim.ClaimApi.PayClaim;
import org.coverledger.events.claim.ClaimApi.PayoutRetried;
import org.coverledger.events.common.Money;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The settlement saga, through Axon's saga fixture: it asks for the payout and ends with the claim. */
class ClaimSettlementTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private final ClaimApproved approved = new ClaimApproved("clm-1", "acc-1", "pol-1", Money.cny("2200.50"),
            List.of("adam"), NOW);

    private SagaTestFixture<ClaimSettlement> fixture;

    @BeforeEach
    void setUp() {
        fixture = new SagaTestFixture<>(ClaimSettlement.class);
    }

    @Test
    void an_approval_starts_the_settlement_and_asks_for_the_payout() {
        fixture.givenNoPriorActivity()
                .whenPublishingA(approved)
                .expectActiveSagas(1)
                .expectAssociationWith("claimId", "clm-1")
                .expectDispatchedCommands(new PayClaim("clm-1"));
    }

    @Test
    void a_failed_attempt_asks_nothing_the_timed_retry_does() {
        fixture.givenAPublished(approved)
                .whenPublishingA(new ClaimPayoutFailed("clm-1", "acc-1", 1, "k", "DECLINED", NOW.plusSeconds(60), NOW))
                .expectActiveSagas(1)
                .expectNoDispatchedCommands();
    }

    @Test
    void an_admins_retry_asks_for_the_payout_again() {
        fixture.givenAPublished(approved)
                .andThenAPublished(new ClaimPayoutFailed("clm-1", "acc-1", 5, "k", "DECLINED", null, NOW))
                .whenPublishingA(new PayoutRetried("clm-1", "acc-1", 2, "root", NOW))
                .expectDispatchedCommands(new PayClaim("clm-1"));
    }

    @Test
    void the_close_ends_the_settlement() {
        fixture.givenAPublished(approved)
                .whenPublishingA(new ClaimClosed("clm-1", "acc-1", "pol-1", Outcome.PAID, Money.cny("2200.50"), NOW))
                .expectActiveSagas(0);
    }

    @Test
    void another_claims_events_leave_the_settlement_alone() {
        fixture.givenAPublished(approved)
                .whenPublishingA(new ClaimClosed("clm-2", "acc-1", "pol-1", Outcome.PAID, Money.cny("1.00"), NOW))
                .expectActiveSagas(1)
                .expectNoDispatchedCommands();
    }
}
