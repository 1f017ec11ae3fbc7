package org.coverledger.command.account;

import org.coverledger.command.identity.CodeOutcomes;
import org.coverledger.command.identity.CodeRateLimits;
import org.coverledger.command.identity.OneTimeCodes;
import java.util.Map;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.coverledger.command.identity.OneTimeCodes.Purpose;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.CustomerCredentials.Identity;
import org.springframework.stereotype.Component;

/**
 * A new mobile number or email (one at a time) takes effect once the customer enters the code
 * sent to it, and only if no other account holds it (claimed under the same unique keys as at
 * registration). Once that is recorded, the old value is free for others and the old contact is
 * told, so that a takeover does not go unnoticed. What the account allows is decided by
 * {@link Account}'s handlers, which call this.
 */
@Component
public class ContactChange {

    private final OneTimeCodes codes;
    private final Notifications notifications;
    private final CodeRateLimits limits;
    private final CustomerCredentials credentials;

    public ContactChange(OneTimeCodes codes, Notifications notifications, CodeRateLimits limits,
                         CustomerCredentials credentials) {
        this.codes = codes;
        this.notifications = notifications;
        this.limits = limits;
        this.credentials = credentials;
    }

    /** Sends a code to the new mobile or email: entering it proves the customer holds it. */
    public void sendCode(String accountId, String mobile, String email, String client) {
        limits.codeRequested(accountId, client);
        Identity identity = mobile != null ? Identity.MOBILE : Identity.EMAIL;
        String value = identity == Identity.MOBILE ? mobile : email;
        refuseIfHeld(identity, value, accountId);
        String code = codes.issue(accountId, Purpose.CONTACT_CHANGE, Map.of(identity.name(), value));
        notifications.send(new Notice(accountId, channel(identity), value, Purpose.CONTACT_CHANGE.name(),
                "Your CoverLedger code to confirm this contact is " + code + ". It expires in 5 minutes."));
    }

    /** The contact the code confirms: a mobile or an email, the other null. */
    public record Confirmed(String mobile, String email) {
    }

    /**
     * Checks the code and claims the new value for the account. The claim is given back if the
     * change is not recorded; once it is, the old value is freed and its holder told.
     */
    public Confirmed confirm(String accountId, String code, String client, String oldMobile, String oldEmail) {
        limits.codeEntered(accountId, client);
        Map<String, String> change = CodeOutcomes.accepted(codes.check(accountId, Purpose.CONTACT_CHANGE, code));
        Identity identity = Identity.valueOf(change.keySet().iterator().next());
        String value = change.get(identity.name());

        credentials.claim(identity, value, accountId).filter(holder -> !holder.equals(accountId)).ifPresent(holder -> {
            throw new AccountRegistration.AlreadyRegistered(field(identity));
        });
        UnitOfWork<?> unitOfWork = CurrentUnitOfWork.get();
        unitOfWork.onRollback(u -> credentials.release(identity, value, accountId));
        String old = identity == Identity.MOBILE ? oldMobile : oldEmail;
        unitOfWork.afterCommit(u -> {
            // recorded: the new value is the account's login, the old one free for others
            credentials.confirm(identity, value, accountId);
            credentials.releaseAllBut(identity, value, accountId);
            if (old != null) {
                String shown = identity == Identity.MOBILE ? PersonalDataMasking.maskMobile(value)
                        : PersonalDataMasking.maskEmail(value);
                notifications.send(new Notice(accountId, channel(identity), old, "CONTACT_CHANGED",
                        "Your CoverLedger " + field(identity) + " was changed to " + shown
                                + ". If you did not do this, call us at once."));
            }
        });
        return identity == Identity.MOBILE ? new Confirmed(value, null) : new Confirmed(null, value);
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
