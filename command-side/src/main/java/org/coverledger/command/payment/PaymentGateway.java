package org.coverledger.command.payment;

import java.util.Optional;

import org.coverledger.events.common.Money;

/**
 * The port through which premiums are collected (and, later, claims paid). Every collection
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

    /** The gateway's record of a key, if it has one. */
    Optional<Outcome> lookUp(String key);
}
