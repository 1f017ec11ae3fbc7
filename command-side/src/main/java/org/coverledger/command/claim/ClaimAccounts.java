package org.coverledger.command.claim;

import java.util.Optional;
import java.util.UUID;

import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.events.account.Notices;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Money;
import org.springframework.stereotype.Component;

/**
 * What a claim's handlers need of the claimant's account and of the payment port: whether the
 * account is open, the card the payout goes to, the payout itself (exactly once per key: the
 * gateway's record of a key is read before anything is paid under it), and how a notice reaches
 * the customer (their channel for its type and their quiet hours).
 */
@Component
public class ClaimAccounts {

    private final Repository<Account> accounts;
    private final PaymentGateway gateway;

    public ClaimAccounts(Repository<Account> accounts, PaymentGateway gateway) {
        this.accounts = accounts;
        this.gateway = gateway;
    }

    public void requireOpen(String accountId) {
        account(accountId, account -> {
            account.requireOpen();
            return null;
        });
    }

    /** The payout card must be bound to the claimant's account. */
    public void requireCard(String accountId, String cardId) {
        if (account(accountId, account -> account.boundCard(cardId)).isEmpty()) {
            throw new BusinessRuleViolation("CARD_UNKNOWN", "There is no card " + cardId + " on the account.");
        }
    }

    /** The last four digits of the payout card, for the customer's notices. */
    public String cardEnding(String accountId, String cardId) {
        return account(accountId, account -> account.boundCard(cardId))
                .map(number -> number.substring(Math.max(0, number.length() - 4))).orElse("????");
    }

    /** The gateway's record of a payout key, if it has one. */
    public Optional<PaymentGateway.Outcome> lookUp(String key) {
        return gateway.lookUp(key);
    }

    /** Pays {@code amount} to the card under {@code key}; empty when the card is no longer bound (nothing is paid). */
    public Optional<PaymentGateway.Outcome> pay(String key, String accountId, String cardId, Money amount, String purpose) {
        Optional<String> number = account(accountId, account -> account.boundCard(cardId));
        return number.map(card -> gateway.payout(new PaymentGateway.Payout(key, accountId, card, amount, purpose)));
    }

    /**
     * The notice {@code text} of {@code type} to the customer about {@code about}, routed by their
     * preferences; {@code step} names the step it tells of, so that the notice of a step has one
     * id however often the step is tried. None for an erased customer.
     */
    public Optional<NoticeIssued> notice(String accountId, Notices.NoticeType type, String about, String step,
                                         String text, BusinessCalendar calendar) {
        Optional<Account.NoticeRoute> route;
        try {
            route = accounts.load(accountId).invoke(account -> account.noticeRoute(type, calendar.now(), calendar.zone()));
        } catch (AggregateNotFoundException e) {
            return Optional.empty();
        }
        String id = UUID.nameUUIDFromBytes((about + ":" + step).getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .toString();
        return route.map(r -> new NoticeIssued(id, accountId, type, r.channel(), r.to(), text, about, r.heldUntil(),
                calendar.now()));
    }

    private <R> R account(String accountId, java.util.function.Function<Account, R> question) {
        try {
            return accounts.load(accountId).invoke(question);
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(accountId);
        }
    }
}
