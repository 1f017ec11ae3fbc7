package org.coverledger.events.account;

import java.time.Instant;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;

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

    /** Revision 2 added the email address; revision 1 events read with none (AccountRegisteredUpcaster). */
    @Revision("2")
    public record AccountRegistered(String accountId, String owner, String name, String nationalId, String mobile,
                                    String email) {
    }

    /** Consecutive failed logins (or staff) locked the account; nobody can log in to it until unlocked. */
    @Revision("1")
    public record AccountLocked(String accountId, String reason, Instant lockedAt) {
    }

    @Revision("1")
    public record AccountUnlocked(String accountId, String unlockedBy, Instant unlockedAt) {
    }
}
