package org.coverledger.command.identity;

import org.coverledger.command.account.Account;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.account.AccountApi.LockAccount;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.identity.CustomerCredentials;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Logins on either side lock an account in the credentials store the moment the fifth
 * consecutive password fails; this records each such lock as an AccountLocked event, so that
 * the audit trail and the read models know of it.
 */
@Component
public class LockRecorder {

    private final CustomerCredentials credentials;
    private final CommandGateway gateway;

    public LockRecorder(CustomerCredentials credentials, CommandGateway gateway) {
        this.credentials = credentials;
        this.gateway = gateway;
    }

    @Scheduled(fixedDelayString = "${coverledger.identity.lock-record-interval:1s}")
    public void recordLocks() {
        credentials.locksNotYetRecorded().forEach(this::record);
    }

    /** Records the account's lock now (an admin unlocking it need not wait for the next round). */
    public void recordIfLocked(String accountId) {
        credentials.byAccount(accountId).filter(CustomerCredentials.Credential::locked).ifPresent(c -> record(accountId));
    }

    private void record(String accountId) {
        gateway.sendAndWait(GenericCommandMessage.asCommandMessage(new LockAccount(accountId,
                        CustomerCredentials.FAILURES_BEFORE_LOCK + " failed logins in a row"))
                .andMetaData(MetaData.with(CommandMetadata.ACTOR, CommandMetadata.SYSTEM_ACTOR).and(CommandMetadata.ROLES, "")));
        credentials.lockRecorded(accountId);
    }
}
