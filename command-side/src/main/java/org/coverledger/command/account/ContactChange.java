package org.coverledger.command.account;

import java.util.LinkedHashMap;
import java.util.Map;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.Aggregate;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.OneTimeCodes.Purpose;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.coverledger.events.account.AccountApi.ConfirmContactChange;
import org.coverledger.events.account.AccountApi.StartContactChange;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.CustomerCredentials.Identity;
import org.springframework.stereotype.Component;

/**
 * A new mobile number or email takes effect once the customer enters the code sent to it, and
 * only if no other account holds it (claimed under the same unique keys as at registration);
 * the old value is then free for others.
 */
@Component
public class ContactChange {

    private final Repository<Account> accounts;
    private final OneTimeCodes codes;
    private final Notifications notifications;
    private final CodeRateLimits limits;
    private final CustomerCredentials credentials;
    private final BusinessCalendar calendar;

    public ContactChange(Repository<Account> accounts, OneTimeCodes codes, Notifications notifications,
                         CodeRateLimits limits, CustomerCredentials credentials, BusinessCalendar calendar) {
        this.accounts = accounts;
        this.codes = codes;
        this.notifications = notifications;
        this.limits = limits;
        this.credentials = credentials;
        this.calendar = calendar;
    }

    @CommandHandler
    public void handle(StartContactChange command, @MetaDataValue(CommandMetadata.ACTOR) String actor,
                       @MetaDataValue(CommandMetadata.ROLES) String roles,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client) {
        Account.load(accounts, command.accountId()).execute(a -> a.requireActionableBy(Caller.of(actor, roles)));
        limits.codeRequested(command.accountId(), client);
        Map<String, String> change = new LinkedHashMap<>();
        if (command.mobile() != null) {
            refuseIfHeldByAnother(Identity.MOBILE, command.mobile(), command.accountId());
            change.put("mobile", command.mobile());
        }
        if (command.email() != null) {
            refuseIfHeldByAnother(Identity.EMAIL, command.email(), command.accountId());
            change.put("email", command.email());
        }
        String code = codes.issue(command.accountId(), Purpose.CONTACT_CHANGE, change);
        String text = "Your CoverLedger code to confirm this contact is " + code + ". It expires in 5 minutes.";
        // the code goes to the new contact: entering it proves the customer holds it
        if (command.mobile() != null) {
            notifications.send(new Notice(command.accountId(), Notice.Channel.SMS, command.mobile(),
                    Purpose.CONTACT_CHANGE.name(), text));
        } else {
            notifications.send(new Notice(command.accountId(), Notice.Channel.EMAIL, command.email(),
                    Purpose.CONTACT_CHANGE.name(), text));
        }
    }

    @CommandHandler
    public void handle(ConfirmContactChange command, @MetaDataValue(CommandMetadata.ACTOR) String actor,
                       @MetaDataValue(CommandMetadata.ROLES) String roles,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client) {
        Aggregate<Account> account = Account.load(accounts, command.accountId());
        account.execute(a -> a.requireActionableBy(Caller.of(actor, roles)));
        limits.codeEntered(command.accountId(), client);
        Map<String, String> change = CodeOutcomes.accepted(
                codes.check(command.accountId(), Purpose.CONTACT_CHANGE, command.code()));
        String mobile = change.get("mobile");
        String email = change.get("email");
        claim(Identity.MOBILE, mobile, command.accountId());
        try {
            claim(Identity.EMAIL, email, command.accountId());
        } catch (RuntimeException e) {
            release(Identity.MOBILE, mobile, command.accountId());
            throw e;
        }
        try {
            account.execute(a -> a.changeContact(mobile, email, calendar));
        } catch (RuntimeException e) {
            release(Identity.MOBILE, mobile, command.accountId());
            release(Identity.EMAIL, email, command.accountId());
            throw e;
        }
        // recorded: the new values are the account's, the old ones free for others
        if (mobile != null) {
            credentials.confirm(Identity.MOBILE, mobile, command.accountId());
            credentials.releaseAllBut(Identity.MOBILE, mobile, command.accountId());
        }
        if (email != null) {
            credentials.confirm(Identity.EMAIL, email, command.accountId());
            credentials.releaseAllBut(Identity.EMAIL, email, command.accountId());
        }
    }

    private void refuseIfHeldByAnother(Identity identity, String value, String accountId) {
        String field = identity == Identity.MOBILE ? "mobile" : "email";
        credentials.holder(identity, value).ifPresent(holder -> {
            if (holder.equals(accountId)) {
                throw new BusinessRuleViolation("CONTACT_UNCHANGED", "This is the account's " + field + " already.");
            }
            throw new AccountRegistration.AlreadyRegistered(field);
        });
    }

    private void claim(Identity identity, String value, String accountId) {
        if (value != null) {
            credentials.claim(identity, value, accountId).filter(holder -> !holder.equals(accountId)).ifPresent(holder -> {
                throw new AccountRegistration.AlreadyRegistered(identity == Identity.MOBILE ? "mobile" : "email");
            });
        }
    }

    private void release(Identity identity, String value, String accountId) {
        if (value != null) {
            credentials.release(identity, value, accountId);
        }
    }
}
