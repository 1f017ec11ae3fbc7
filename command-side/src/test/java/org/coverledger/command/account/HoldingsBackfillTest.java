package org.coverledger.command.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;

import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.Test;

/** Policies and claims stored before the holdings existed are found by closing and erasing too. */
class HoldingsBackfillTest {

    private final MongoDatabase database = TestMongo.freshDatabase();
    private final EventStorageEngine store = MongoEventStore.engine(database,
            new SubjectKeys(database, SubjectKeys.randomMasterKey()), Duration.ofSeconds(1));
    private final AccountHoldings holdings = new AccountHoldings(database);

    @Test
    void the_event_store_fills_the_holdings_once() {
        store.appendEvents(new GenericDomainEventMessage<>("Policy", "pol-1", 0, new PolicyIssued("pol-1", "PN1",
                "acc-1", "acc-1", Product.HEALTH, Money.cny("1.00"), Money.cny("1.00"), LocalDate.parse("2020-01-01"),
                LocalDate.parse("2021-01-01"), null, null, null, null, null, null)));
        // a revision 1 claim, upcast without its account: the policy names it
        store.appendEvents(new GenericDomainEventMessage<>("Claim", "clm-1", 0, new ClaimSubmitted("clm-1", "pol-1",
                null, "acc-1", LocalDate.parse("2020-06-01"), "Hospital stay", Money.cny("1.00"), Instant.now(), null, null, null, null)));

        new HoldingsBackfill(store, holdings).backfill();

        assertThat(holdings.policies("acc-1")).containsExactly("pol-1");
        assertThat(holdings.claims("acc-1")).containsExactly("clm-1");
        assertThat(holdings.backfilled()).isTrue();

        store.appendEvents(new GenericDomainEventMessage<>("Policy", "pol-2", 0, new PolicyIssued("pol-2", "PN2",
                "acc-1", "acc-1", Product.HEALTH, Money.cny("1.00"), Money.cny("1.00"), LocalDate.parse("2020-01-01"),
                LocalDate.parse("2021-01-01"), null, null, null, null, null, null)));
        new HoldingsBackfill(store, holdings).backfill();
        assertThat(holdings.policies("acc-1")).as("it ran once; new policies are recorded at issuance")
                .containsExactly("pol-1");
    }
}
