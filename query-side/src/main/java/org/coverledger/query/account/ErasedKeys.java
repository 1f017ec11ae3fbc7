package org.coverledger.query.account;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.stereotype.Component;

/** An erasure made by the command side reaches this process's key cache as soon as its event arrives. */
@Component
@ProcessingGroup("accounts")
public class ErasedKeys {

    private final SubjectKeys keys;

    public ErasedKeys(SubjectKeys keys) {
        this.keys = keys;
    }

    @EventHandler
    void on(PersonalDataErased event) {
        keys.forget(event.accountId());
    }
}
