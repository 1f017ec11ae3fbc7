package org.coverledger.command.account;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Policies and claims stored before {@link AccountHoldings} existed are recorded once, from the
 * event store, so that closing or erasing an older account finds them too. Only the events of
 * the two types are read in full; it runs at start-up until it has completed once.
 */
@Component
public class HoldingsBackfill {

    private static final Logger log = LoggerFactory.getLogger(HoldingsBackfill.class);

    private final EventStorageEngine store;
    private final AccountHoldings holdings;

    public HoldingsBackfill(EventStorageEngine store, AccountHoldings holdings) {
        this.store = store;
        this.holdings = holdings;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void backfill() {
        if (holdings.backfilled()) {
            return;
        }
        Map<String, String> accountOfPolicy = new HashMap<>();
        long recorded = 0;
        try (Stream<? extends TrackedEventMessage<?>> events = store.readEvents(null, false)) {
            java.util.Iterator<? extends TrackedEventMessage<?>> all = events.iterator();
            while (all.hasNext()) {
                TrackedEventMessage<?> event = all.next();
                Class<?> type = event.getPayloadType();
                if (type == PolicyIssued.class) {
                    PolicyIssued issued = (PolicyIssued) event.getPayload();
                    accountOfPolicy.put(issued.policyId(), issued.accountId());
                    holdings.policy(issued.accountId(), issued.policyId());
                    recorded++;
                } else if (type == ClaimSubmitted.class) {
                    ClaimSubmitted submitted = (ClaimSubmitted) event.getPayload();
                    // revision 1 claims do not name the account; their policy does
                    String accountId = submitted.accountId() != null ? submitted.accountId()
                            : accountOfPolicy.get(submitted.policyId());
                    if (accountId != null) {
                        holdings.claim(accountId, submitted.claimId());
                        recorded++;
                    }
                }
            }
        }
        holdings.markBackfilled();
        log.info("Recorded {} policies and claims of accounts from the event store", recorded);
    }
}
