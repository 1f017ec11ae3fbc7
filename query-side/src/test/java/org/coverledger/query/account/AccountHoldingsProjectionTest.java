package org.coverledger.query.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a customer holds and their recent activity: policy ids and the policy number's way to the
 * account, and the 20 newest events kept in time order whatever order they come in, each once.
 */
class AccountHoldingsProjectionTest {

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final AccountHoldingsProjection projection = new AccountHoldingsProjection(mongo.template());

    @AfterEach
    void stop() {
        mongo.close();
    }

    record Noted(String accountId, int n) {
    }

    @Test
    void the_newest_activity_in_time_order_each_once_and_the_policies_held() {
        Instant start = Instant.parse("2027-03-02T02:00:00Z");
        List<GenericDomainEventMessage<?>> events = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            events.add(new GenericDomainEventMessage<>("Account", "acc-1", i, new Noted("acc-1", i),
                    MetaData.with(CommandMetadata.ACTOR, "acc-1"), "evt-" + i, start.plusSeconds(i)));
        }
        PolicyIssued issued = new PolicyIssued("pol-1", "PN20261206ABCDEF0123", "acc-1", "acc-1", Product.HEALTH,
                new Money(new BigDecimal("500000.00"), "CNY"), new Money(new BigDecimal("1200.00"), "CNY"),
                LocalDate.parse("2027-04-01"), LocalDate.parse("2028-03-31"), null, null, null, null, null, null);
        events.add(new GenericDomainEventMessage<>("Policy", "pol-1", 0, issued, MetaData.with(CommandMetadata.ACTOR,
                "acc-1"), "evt-issued", start.plusSeconds(100)));
        Collections.shuffle(events, new Random(19)); // segments deliver out of order
        for (GenericDomainEventMessage<?> event : events) {
            projection.on(event.getPayload(), event);
        }
        for (GenericDomainEventMessage<?> event : events.subList(0, 10)) {
            projection.on(event.getPayload(), event); // redelivered
        }

        AccountHoldingsProjection.Holdings holdings = projection.of("acc-1");
        assertThat(holdings.policyIds()).containsExactly("pol-1");
        assertThat(holdings.activity()).hasSize(AccountHoldingsProjection.ACTIVITY);
        assertThat(holdings.activity()).extracting(AccountHoldingsProjection.Activity::at).isSorted()
                .last().isEqualTo(start.plusSeconds(100));
        assertThat(holdings.activity()).extracting(AccountHoldingsProjection.Activity::at)
                .doesNotHaveDuplicates().first().isEqualTo(start.plusSeconds(11));
        assertThat(projection.accountOfPolicyNumber("PN20261206ABCDEF0123")).contains("acc-1");
    }

    @Test
    void in_a_batch_the_writes_wait_for_the_batch_and_an_event_met_twice_is_kept_once() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        Instant start = Instant.parse("2027-03-02T02:00:00Z");
        List<GenericDomainEventMessage<?>> events = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            events.add(new GenericDomainEventMessage<>("Account", "acc-2", i, new Noted("acc-2", i),
                    MetaData.with(CommandMetadata.ACTOR, "acc-2"), "evt-b" + i, start.plusSeconds(i)));
        }
        events.add(events.get(2)); // the same event again, in the same batch
        org.axonframework.messaging.unitofwork.BatchingUnitOfWork<?> batch =
                new org.axonframework.messaging.unitofwork.BatchingUnitOfWork<>(events);
        List<Integer> storedWhileHandling = new ArrayList<>();
        batch.executeWithResult(() -> {
            GenericDomainEventMessage<?> event = (GenericDomainEventMessage<?>) batch.getMessage();
            projection.on(event.getPayload(), event);
            storedWhileHandling.add(projection.of("acc-2").activity().size());
            return null;
        });
        assertThat(storedWhileHandling).as("nothing written before the batch ends").containsOnly(0);
        assertThat(projection.of("acc-2").activity()).extracting(AccountHoldingsProjection.Activity::at)
                .hasSize(6).doesNotHaveDuplicates().isSorted();
    }
}
