package org.coverledger.command.policy;

import java.util.Optional;

import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.command.payment.PaymentGateway.Collection;
import org.coverledger.command.payment.PaymentGateway.Outcome;
import org.coverledger.events.common.Money;
import org.springframework.stereotype.Component;

/**
 * Monthly instalments debited under the account's auto-debit authorization, for the policy's
 * handler: exactly once per key (the gateway's record of the key is read first).
 */
@Component
public class PremiumDebits {

    private final Repository<Account> accounts;
    private final PaymentGateway gateway;

    public PremiumDebits(Repository<Account> accounts, PaymentGateway gateway) {
        this.accounts = accounts;
        this.gateway = gateway;
    }

    /**
     * The outcome of debiting {@code amount} under {@code key}: an earlier debit's if the gateway
     * has one, else a new debit from the authorized card; empty when the account has no
     * authorization that covers the amount (nothing is debited).
     */
    public Optional<Outcome> debit(String key, String accountId, Money amount, String purpose) {
        Optional<Outcome> earlier = gateway.lookUp(key);
        if (earlier.isPresent()) {
            return earlier;
        }
        Optional<String> card;
        try {
            card = accounts.load(accountId).invoke(account -> account.autoDebitCardFor(amount));
        } catch (AggregateNotFoundException e) {
            card = Optional.empty();
        }
        return card.map(number -> gateway.collect(new Collection(key, accountId, number, amount, purpose)));
    }

    /** What a customer pays with a card of theirs (a reinstatement), under {@code key}, exactly once. */
    public Outcome pay(String key, String accountId, String cardNumber, Money amount, String purpose) {
        return gateway.lookUp(key).orElseGet(() -> gateway.collect(new Collection(key, accountId, cardNumber, amount,
                purpose)));
    }

    /** The number of a card bound to the account that the caller may pay from. */
    public String cardToPayFrom(String accountId, org.coverledger.events.common.Caller caller, String cardId) {
        try {
            return accounts.load(accountId).invoke(account -> account.cardToPayFrom(caller, cardId));
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(accountId);
        }
    }
}
