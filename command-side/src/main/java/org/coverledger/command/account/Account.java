package org.coverledger.command.account;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.BusinessRuleViolation;

/** A customer's account with the insurer. Only its owner, or staff, may act on it. */
@Aggregate
public class Account {

    @AggregateIdentifier
    private String accountId;
    private String owner;

    protected Account() {
    }

    @CommandHandler
    public Account(RegisterAccount command, @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        apply(new AccountRegistered(command.accountId(), actor, command.name(), command.nationalId(), command.mobile()));
    }

    /**
     * The owner of this account, if the caller may buy or act for it. Underwriters and admins
     * act for any account; a customer for their own only, and another's looks like no account.
     */
    public String ownerFor(Caller caller) {
        if (!caller.mayActOn(owner, Role.UNDERWRITER, Role.ADMIN)) {
            throw unknown(accountId);
        }
        return owner;
    }

    public static BusinessRuleViolation unknown(String accountId) {
        return new BusinessRuleViolation("ACCOUNT_UNKNOWN", "There is no account " + accountId + ".");
    }

    @EventSourcingHandler
    void on(AccountRegistered event) {
        accountId = event.accountId();
        owner = event.owner();
    }
}
