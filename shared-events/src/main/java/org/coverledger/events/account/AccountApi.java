package org.coverledger.events.account;

import java.time.Instant;
import java.time.LocalTime;
import java.util.Map;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/** The customer account's messages, together. */
public final class AccountApi {

    private AccountApi() {
    }

    /**
     * The owner is the login that acts for the account: the account itself for a customer who
     * registered, or a demo user's name for the accounts seeded with the embedded default.
     */
    public record RegisterAccount(@TargetAggregateIdentifier String accountId, String owner, String name,
                                  String nationalId, String mobile, String email) {
    }

    public record LockAccount(@TargetAggregateIdentifier String accountId, String reason) {
    }

    public record UnlockAccount(@TargetAggregateIdentifier String accountId) {
    }

    /**
     * The channel per notice type and the quiet hours (local business time; both or neither),
     * during which nothing but money movements is sent.
     */
    public record SetNotificationPreferences(@TargetAggregateIdentifier String accountId,
                                             Map<Notices.NoticeType, Notices.Channel> channels,
                                             LocalTime quietFrom, LocalTime quietTo) {
        public SetNotificationPreferences {
            channels = Map.copyOf(channels);
        }
    }

    @Revision("1")
    public record NotificationPreferencesSet(String accountId, Map<Notices.NoticeType, Notices.Channel> channels,
                                             LocalTime quietFrom, LocalTime quietTo) {
        public NotificationPreferencesSet {
            channels = Map.copyOf(channels);
        }
    }

    /** Binds a bank card for premiums and claim payouts; the number is personal data. */
    public record BindCard(@TargetAggregateIdentifier String accountId, String cardId, String cardNumber) {
        @Override
        public String toString() {
            return "BindCard[" + accountId + ", " + cardId + "]"; // never the card number in a log
        }
    }

    public record UnbindCard(@TargetAggregateIdentifier String accountId, String cardId) {
    }

    @Revision("1")
    public record CardBound(@DataSubject String accountId, String cardId, @PersonalData String cardNumber,
                            Instant boundAt) {
        @Override
        public String toString() {
            return "CardBound[" + accountId + ", " + cardId + "]";
        }
    }

    @Revision("1")
    public record CardUnbound(String accountId, String cardId, Instant unboundAt) {
    }

    /** Revision 2 added the email address; revision 1 events read with none. */
    @Revision("2")
    public record AccountRegistered(@DataSubject String accountId, String owner, @PersonalData String name,
                                    @PersonalData String nationalId, @PersonalData String mobile,
                                    @PersonalData String email) {
    }

    /** Consecutive failed logins (or staff) locked the account; nobody can log in to it until unlocked. */
    @Revision("1")
    public record AccountLocked(String accountId, String reason, Instant lockedAt) {
    }

    @Revision("1")
    public record AccountUnlocked(String accountId, String unlockedBy, Instant unlockedAt) {
    }

    /** The customer (or an admin) closes the account; refused while a policy is in force or a claim is open. */
    public record CloseAccount(@TargetAggregateIdentifier String accountId) {
    }

    /** Nobody can log in to or act on a closed account; its history stays. */
    @Revision("1")
    public record AccountClosed(String accountId, String closedBy, Instant closedAt) {
    }

    /**
     * An admin erases the customer's personal data once legal retention has passed: the
     * customer's key is destroyed, so every personal field of every event reads as erased.
     */
    public record EraseAccount(@TargetAggregateIdentifier String accountId) {
    }

    /** The account is closed (if it was not) and its personal data erased; events stay as they were. */
    @Revision("1")
    public record PersonalDataErased(String accountId, String erasedBy, Instant erasedAt) {
    }
}
