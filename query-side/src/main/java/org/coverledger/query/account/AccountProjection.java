package org.coverledger.query.account;

import java.time.Instant;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/** Folds account events into {@link AccountView}s; idempotent by aggregate sequence. */
@Component
@ProcessingGroup("accounts")
public class AccountProjection {

    static final String REGISTERED = "REGISTERED";

    private final MongoTemplate mongo;

    public AccountProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(AccountRegistered event, @SequenceNumber long sequence, @Timestamp Instant at) {
        if (mongo.findById(event.accountId(), AccountView.class) == null) {
            mongo.insert(new AccountView(event.accountId(), event.owner(), event.name(), event.nationalId(),
                    event.mobile(), REGISTERED, at, sequence));
        }
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(AccountView.class);
    }
}
