package org.coverledger.command.payment;

import java.util.Optional;

import org.coverledger.events.common.Money;

/**
 * The port through which premiums are collected and refunded and claims paid out. Every collection
 * carries an idempotency key of ours: the gateway charges a key at most once and answers the
 * same key with the same outcome, so a retry after a lost answer never charges twice. An
 * outcome may be unknown (a time-out): the gateway's record for the key is then looked up.
 */
public interface PaymentGateway {

    record Collection(String key, String accountId, String cardNumber, Money amount, String purpose) {
        @Override
        public String toString() {
            return "Collection[" + key + ", " + amount + "]";
        }
    }

    /** Money paid back to the card a payment came from: {@code originalReference} is that payment's. */
    record Refund(String key, String accountId, String originalReference, Money amount, String purpose) {
        @Override
        public String toString() {
            return "Refund[" + key + ", " + amount + "]";
        }
    }

    /** Money paid out to a card (a claim's payout). */
    record Payout(String key, String accountId, String cardNumber, Money amount, String purpose) {
        @Override
        public String toString() {
            return "Payout[" + key + ", " + amount + "]";
        }
    }

    sealed interface Outcome {
    }

    /** Charged: {@code amount} under the gateway's {@code reference}. */
    record Succeeded(String reference, Money amount) implements Outcome {
    }

    record Declined(String reason) implements Outcome {
    }

    /** No answer in time: the charge may or may not have happened. */
    record Unknown() implements Outcome {
    }

    Outcome collect(Collection collection);

    /** Pays back, at most once per key; the same key answers the same outcome. */
    Outcome refund(Refund refund);

    /** Pays out to the card, at most once per key; the same key answers the same outcome. */
    Outcome payout(Payout payout);

    /** The gateway's record of a key, if it has one. */
    Optional<Outcome> lookUp(String key);
}
