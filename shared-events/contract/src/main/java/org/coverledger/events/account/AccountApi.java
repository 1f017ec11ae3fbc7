package org.coverledger.events.account;

import java.time.Instant;
import java.time.LocalTime;
import java.util.Map;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.coverledger.events.common.Money;
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
        @Override
        public String toString() {
            return "RegisterAccount[" + accountId + "]";
        }
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
        @Override
        public String toString() {
            return "AccountRegistered[" + accountId + "]";
        }
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

    /** Real-name verification, step 1: the bank checks name and ID against the card and texts a code. */
    public record StartVerification(@TargetAggregateIdentifier String accountId, String cardNumber) {
        @Override
        public String toString() {
            return "StartVerification[" + accountId + "]";
        }
    }

    /** Step 2: the code from the bank-reserved mobile verifies the account. */
    public record ConfirmVerification(@TargetAggregateIdentifier String accountId, String code) {
        @Override
        public String toString() {
            return "ConfirmVerification[" + accountId + "]";
        }
    }

    /**
     * A verification made before or elsewhere (the demo seed, a migration of customers verified by
     * a former system); sent by the system only, no endpoint takes it.
     */
    public record RecordTrustedVerification(@TargetAggregateIdentifier String accountId, String cardNumber) {
        @Override
        public String toString() {
            return "RecordTrustedVerification[" + accountId + "]";
        }
    }

    /** The bank confirmed that the customer holds the card in their own name and ID. */
    @Revision("1")
    public record AccountVerified(@DataSubject String accountId, @PersonalData String cardNumber, Instant verifiedAt) {
        @Override
        public String toString() {
            return "AccountVerified[" + accountId + "]";
        }
    }

    /** A new mobile number and/or email; a code goes to the new contact. Null means unchanged. */
    public record StartContactChange(@TargetAggregateIdentifier String accountId, String mobile, String email) {
        @Override
        public String toString() {
            return "StartContactChange[" + accountId + "]";
        }
    }

    public record ConfirmContactChange(@TargetAggregateIdentifier String accountId, String code) {
        @Override
        public String toString() {
            return "ConfirmContactChange[" + accountId + "]";
        }
    }

    /** The customer proved they hold the new contact; null means unchanged. */
    @Revision("1")
    public record ContactChanged(@DataSubject String accountId, @PersonalData String mobile,
                                 @PersonalData String email, Instant changedAt) {
        @Override
        public String toString() {
            return "ContactChanged[" + accountId + "]";
        }
    }

    /** Records that the password was changed or reset; the password itself never enters a message. */
    public record RecordPasswordChange(@TargetAggregateIdentifier String accountId, PasswordChange how) {
    }

    public enum PasswordChange { CHANGED, RESET_BY_CODE }

    /** A reset by code also lifts a lock from failed logins (then AccountUnlocked follows). */
    @Revision("1")
    public record PasswordChanged(String accountId, PasswordChange how, String changedBy, Instant changedAt) {
    }

    /** Premiums are debited from the card on the day of the month, never more than the cap. */
    public record AuthorizeAutoDebit(@TargetAggregateIdentifier String accountId, String cardId, int dayOfMonth,
                                     Money amountCap) {
    }

    public record RevokeAutoDebit(@TargetAggregateIdentifier String accountId) {
    }

    @Revision("1")
    public record AutoDebitAuthorized(String accountId, String cardId, int dayOfMonth, Money amountCap,
                                      Instant authorizedAt) {
    }

    @Revision("1")
    public record AutoDebitRevoked(String accountId, String revokedBy, Instant revokedAt) {
    }
}
