package org.coverledger.command.account;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.events.account.AccountApi.AccountLocked;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AccountUnlocked;
import org.coverledger.events.account.AccountApi.LockAccount;
import org.coverledger.events.account.AccountApi.NotificationPreferencesSet;
import org.coverledger.events.account.AccountApi.SetNotificationPreferences;
import org.coverledger.events.account.Notices;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.account.AccountApi.UnlockAccount;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.UnknownObject;

/** A customer's account with the insurer. Only its owner, or staff, may act on it. */
@Aggregate
public class Account {

    @AggregateIdentifier
    private String accountId;
    private String owner;
    private boolean locked;

    protected Account() {
    }

    /** Registered by {@link AccountRegistration}, which has made national ID, mobile and email unique. */
    @CommandHandler
    public Account(RegisterAccount command) {
        apply(new AccountRegistered(command.accountId(), command.owner(), command.name(), command.nationalId(),
                command.mobile(), command.email()));
    }

    @CommandHandler
    public void handle(LockAccount command, BusinessCalendar calendar) {
        if (!locked) {
            apply(new AccountLocked(accountId, command.reason(), calendar.now()));
        }
    }

    @CommandHandler
    public void handle(UnlockAccount command, @MetaDataValue(CommandMetadata.ACTOR) String actor,
                       BusinessCalendar calendar) {
        if (!locked) {
            throw new BusinessRuleViolation("ACCOUNT_NOT_LOCKED", "The account is not locked.");
        }
        apply(new AccountUnlocked(accountId, actor, calendar.now()));
    }

    @CommandHandler
    public void handle(SetNotificationPreferences command, @MetaDataValue(CommandMetadata.ACTOR) String actor,
                       @MetaDataValue(CommandMetadata.ROLES) String roles) {
        if (!Caller.of(actor, roles).mayActOn(owner, Role.ADMIN)) {
            throw new UnknownObject("account", accountId);
        }
        for (Notices.NoticeType money : Notices.MONEY_MOVEMENTS) {
            if (command.channels().containsKey(money) && command.channels().get(money) != Notices.Channel.SMS) {
                throw new BusinessRuleViolation("MONEY_MOVEMENTS_BY_SMS",
                        "Premium debits and claim payouts are always notified by SMS.");
            }
        }
        apply(new NotificationPreferencesSet(accountId, command.channels(), command.quietFrom(), command.quietTo()));
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

    @EventSourcingHandler
    void on(AccountLocked event) {
        locked = true;
    }

    @EventSourcingHandler
    void on(AccountUnlocked event) {
        locked = false;
    }
}
