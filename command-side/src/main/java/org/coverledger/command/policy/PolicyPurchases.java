package org.coverledger.command.policy;

import java.util.Optional;

import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.command.payment.PaymentGateway.Collection;
import org.coverledger.command.payment.PaymentGateway.Declined;
import org.coverledger.command.payment.PaymentGateway.Outcome;
import org.coverledger.command.payment.PaymentGateway.Succeeded;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.springframework.stereotype.Component;

/**
 * What buying a quoted cover needs beyond the quote, for the Quote's handler: the first premium
 * collected from a card bound to the account, exactly once per key, and the policy issued in
 * the same unit of work as the purchase is recorded.
 */
@Component
public class PolicyPurchases {

    private final Repository<Account> accounts;
    private final Repository<Policy> policies;
    private final AccountHoldings holdings;
    private final PaymentGateway gateway;
    private final PremiumDebits debits;

    public PolicyPurchases(Repository<Account> accounts, Repository<Policy> policies, AccountHoldings holdings,
                           PaymentGateway gateway) {
        this.accounts = accounts;
        this.policies = policies;
        this.holdings = holdings;
        this.gateway = gateway;
        this.debits = new PremiumDebits(accounts, gateway); // the numbered attempts every payment of a policy uses
    }

    /** How many payment attempts one purchase may make (declined ones included). */
    static final int ATTEMPTS = 10;

    /** A collection that went through: its key, the gateway's reference and what was charged. */
    public record Collected(String key, String reference, Money amount) {
    }

    /**
     * A collection an earlier attempt of this purchase made, read from the gateway's records of
     * the keys {@code prefix:1}, {@code prefix:2}, ...: one that went through is the purchase's
     * payment, whatever has changed since (the quote's validity, the card); one whose outcome is
     * still unknown holds everything back (422 PAYMENT_PENDING: the same purchase, sent again
     * later, completes); declined ones are passed over. Empty: nothing was charged yet.
     */
    public Optional<Collected> earlier(String prefix) {
        return debits.earlier(prefix).map(attempt -> {
            if (attempt.outcome() instanceof Succeeded succeeded) {
                return new Collected(attempt.key(), succeeded.reference(), succeeded.amount());
            }
            throw pending(); // its outcome is not known yet
        });
    }

    /**
     * Collects the amount from a card bound to the account under the purchase's next key (after
     * the declined ones; {@link #earlier} has found no other). A declined card is refused, and
     * another may follow; an unknown outcome is refused as pending.
     */
    public Collected collect(String prefix, String accountId, Caller caller, String cardId, Money amount, String purpose) {
        String cardNumber;
        try {
            cardNumber = accounts.load(accountId).invoke(account -> account.cardToPayFrom(caller, cardId));
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(accountId);
        }
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            String key = prefix + ":" + attempt;
            if (gateway.lookUp(key).isPresent()) {
                continue; // declined before (earlier() has seen to the rest)
            }
            Outcome outcome = gateway.collect(new Collection(key, accountId, cardNumber, amount, purpose));
            if (outcome instanceof Succeeded succeeded) {
                return new Collected(key, succeeded.reference(), succeeded.amount());
            }
            if (outcome instanceof Declined declined) {
                throw new BusinessRuleViolation("PAYMENT_DECLINED", "The payment was declined: " + declined.reason());
            }
            throw pending();
        }
        throw new BusinessRuleViolation("PAYMENT_ATTEMPTS_EXHAUSTED", "This quote's payment was declined "
                + ATTEMPTS + " times; ask for a new quote.");
    }

    private static BusinessRuleViolation pending() {
        return new BusinessRuleViolation("PAYMENT_PENDING", "The payment's outcome is not known yet. Send the same "
                + "purchase again in a minute to complete it; the premium is never collected twice.");
    }

    /** Monthly instalments need the account's auto-debit authorization, with a cap that covers one. */
    public void requireAutoDebit(String accountId, Money instalment) {
        try {
            accounts.load(accountId).execute(account -> account.requireAutoDebitFor(instalment));
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(accountId);
        }
    }

    /** Marks the policy as on its way on the account before anything is charged, so that a closure waits for it. */
    public void reserve(String accountId, String policyId) {
        holdings.policy(accountId, policyId);
    }

    /**
     * Issues the policy for the account's owner, in the caller's unit of work: in force at once
     * when its start date has come (00:00 of it has passed), else from then, by its timed step.
     */
    public void issue(IssuePolicy command, String policyholder, BusinessCalendar calendar) throws Exception {
        PolicyIssued issued = Policy.decide(command, policyholder);
        holdings.policy(command.accountId(), command.policyId()); // first, so that closing the account finds it
        policies.newInstance(() -> new Policy(issued, calendar));
    }

    /** A policy number a person can read out: the date and the start of the policy id. */
    public static String policyNumber(String policyId, java.time.LocalDate issued) {
        return "PN" + issued.toString().replace("-", "") + policyId.replace("-", "").substring(0, 10).toUpperCase();
    }
}
