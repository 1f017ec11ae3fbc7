package org.coverledger.command.account;

import java.util.Map;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
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
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.CustomerCredentials.Identity;
import org.springframework.stereotype.Component;

/**
 * A new mobile number or email (one at a time) takes effect once the customer enters the code
 * sent to it, and only if no other account holds it (claimed under the same unique keys as at
 * registration). Once that is recorded, the old value is free for others and the old contact is
 * told, so that a takeover does not go unnoticed.
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
    public void handle(StartContactChange command, Caller caller,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client) {
        Account.load(accounts, command.accountId()).execute(a -> a.requireOwnedBy(caller));
        limits.codeRequested(command.accountId(), client);
        Identity identity = command.mobile() != null ? Identity.MOBILE : Identity.EMAIL;
        String value = identity == Identity.MOBILE ? command.mobile() : command.email();
        refuseIfHeld(identity, value, command.accountId());
        String code = codes.issue(command.accountId(), Purpose.CONTACT_CHANGE, Map.of(identity.name(), value));
        // the code goes to the new contact: entering it proves the customer holds it
        notifications.send(new Notice(command.accountId(), channel(identity), value, Purpose.CONTACT_CHANGE.name(),
                "Your CoverLedger code to confirm this contact is " + code + ". It expires in 5 minutes."));
    }

    @CommandHandler
    public void handle(ConfirmContactChange command, Caller caller,
                       @MetaDataValue(CommandMetadata.CLIENT_IP) String client) {
        String accountId = command.accountId();
        Aggregate<Account> account = Account.load(accounts, accountId);
        account.execute(a -> a.requireOwnedBy(caller));
        limits.codeEntered(accountId, client);
        Map<String, String> change = CodeOutcomes.accepted(codes.check(accountId, Purpose.CONTACT_CHANGE, command.code()));
        Identity identity = Identity.valueOf(change.keySet().iterator().next());
        String value = change.get(identity.name());

        credentials.claim(identity, value, accountId).filter(holder -> !holder.equals(accountId)).ifPresent(holder -> {
            throw new AccountRegistration.AlreadyRegistered(field(identity));
        });
        UnitOfWork<?> unitOfWork = CurrentUnitOfWork.get();
        unitOfWork.onRollback(u -> credentials.release(identity, value, accountId));
        Account.Contacts before = account.invoke(Account::contacts);
        account.execute(a -> a.changeContact(identity == Identity.MOBILE ? value : null,
                identity == Identity.EMAIL ? value : null, calendar));
        unitOfWork.afterCommit(u -> {
            // recorded: the new value is the account's login, the old one free for others
            credentials.confirm(identity, value, accountId);
            credentials.releaseAllBut(identity, value, accountId);
            String old = identity == Identity.MOBILE ? before.mobile() : before.email();
            if (old != null) {
                String shown = identity == Identity.MOBILE ? PersonalDataMasking.maskMobile(value)
                        : PersonalDataMasking.maskEmail(value);
                notifications.send(new Notice(accountId, channel(identity), old, "CONTACT_CHANGED",
                        "Your CoverLedger " + field(identity) + " was changed to " + shown
                                + ". If you did not do this, call us at once."));
            }
        });
    }

    private void refuseIfHeld(Identity identity, String value, String accountId) {
        credentials.holder(identity, value).ifPresent(holder -> {
            if (holder.equals(accountId)) {
                throw new BusinessRuleViolation("CONTACT_UNCHANGED", "This is the account's " + field(identity) + " already.");
            }
            throw new AccountRegistration.AlreadyRegistered(field(identity));
        });
    }

    private static Notice.Channel channel(Identity identity) {
        return identity == Identity.MOBILE ? Notice.Channel.SMS : Notice.Channel.EMAIL;
    }

    private static String field(Identity identity) {
        return identity == Identity.MOBILE ? "mobile" : "email";
    }
}
