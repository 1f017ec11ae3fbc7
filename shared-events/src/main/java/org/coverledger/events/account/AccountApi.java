package org.coverledger.events.account;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;

/** The customer account's messages, together. */
public final class AccountApi {

    private AccountApi() {
    }

    public record RegisterAccount(@TargetAggregateIdentifier String accountId, String name, String nationalId,
                                  String mobile) {
    }

    /** The owner is the login that registered the account and the only customer who may act on it. */
    @Revision("1")
    public record AccountRegistered(String accountId, String owner, String name, String nationalId, String mobile) {
    }
}
