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
        return autoDebitCard(accountId, amount)
                .map(number -> gateway.collect(new Collection(key, accountId, number, amount, purpose)));
    }

    /** How many payment attempts one payment may make (declined ones included). */
    static final int ATTEMPTS = 10;

    /** One attempt of a payment: the key it went under and what the gateway said. */
    public record Attempt(String key, Outcome outcome) {
    }

    /**
     * What an earlier attempt of the payment {@code prefix} ({@code prefix:1}, {@code :2}, ...)
     * came to: one that went through is the payment, whatever is asked now; one whose outcome is
     * still unknown holds everything back; declined ones are passed over. Empty: none went
     * through or is pending.
     */
    public Optional<Attempt> earlier(String prefix) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            String key = prefix + ":" + attempt;
            Optional<Outcome> outcome = gateway.lookUp(key);
            if (outcome.isEmpty()) {
                return Optional.empty();
            }
            if (!(outcome.get() instanceof PaymentGateway.Declined)) {
                return Optional.of(new Attempt(key, outcome.get()));
            }
        }
        return Optional.empty();
    }

    /** Pays from the card under the payment's next key (after the declined attempts). */
    public Attempt payNext(String prefix, String accountId, String cardNumber, Money amount, String purpose) {
        String key = nextKey(prefix);
        return new Attempt(key, gateway.collect(new Collection(key, accountId, cardNumber, amount, purpose)));
    }

    /** Debits under the account's authorization under the payment's next key; empty when none covers the amount. */
    public Optional<Attempt> debitNext(String prefix, String accountId, Money amount, String purpose) {
        Optional<String> card = autoDebitCard(accountId, amount);
        if (card.isEmpty()) {
            return Optional.empty();
        }
        String key = nextKey(prefix);
        return Optional.of(new Attempt(key, gateway.collect(new Collection(key, accountId, card.get(), amount, purpose))));
    }

    /** The card of the account's auto-debit authorization, if it covers the amount. */
    private Optional<String> autoDebitCard(String accountId, Money amount) {
        try {
            return accounts.load(accountId).invoke(account -> account.autoDebitCardFor(amount));
        } catch (AggregateNotFoundException e) {
            return Optional.empty();
        }
    }

    private String nextKey(String prefix) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            String key = prefix + ":" + attempt;
            if (gateway.lookUp(key).isEmpty()) {
                return key;
            }
        }
        throw new org.coverledger.events.common.BusinessRuleViolation("PAYMENT_ATTEMPTS_EXHAUSTED", "This payment was "
                + "declined " + ATTEMPTS + " times.");
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
