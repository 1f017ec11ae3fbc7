package org.coverledger.command.payment;

import static com.mongodb.client.model.Filters.eq;

import java.time.Clock;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * The embedded default's payment gateway, with deterministic outcomes by the card number's last
 * four digits (README "Payments"): {@code 0002} is declined, {@code 0003} times out (the charge
 * settles {@link #SETTLES_AFTER} later, and its record shows it from then on), any other card is
 * charged at once. Its
 * records ({@code simulated_payments}, one per idempotency key under a unique {@code _id}) make
 * every key charged at most once, as a real gateway's do.
 */
@Component
@ConditionalOnProperty(name = "coverledger.payments.simulated", havingValue = "true", matchIfMissing = true)
public class SimulatedGateway implements PaymentGateway {

    /** How long a timed-out charge stays unknown before the gateway's record shows it. */
    public static final java.time.Duration SETTLES_AFTER = java.time.Duration.ofSeconds(2);

    private final MongoCollection<Document> records;
    private final Clock clock;
    private final java.time.Duration payoutAnswerDelay;

    /**
     * {@code payoutAnswerDelay}: how long a payout's answer takes after the gateway has recorded
     * (made) it, as a slow gateway's does; zero by default. The crash test uses it to stop the
     * command side while a payout is made and not yet answered.
     */
    @Autowired
    public SimulatedGateway(MongoDatabaseFactory mongo, Clock clock,
                            @org.springframework.beans.factory.annotation.Value(
                                    "${coverledger.payments.simulated.payout-answer-delay:0s}")
                            java.time.Duration payoutAnswerDelay) {
        this(mongo.getMongoDatabase(), clock, payoutAnswerDelay);
    }

    public SimulatedGateway(MongoDatabase database, Clock clock) {
        this(database, clock, java.time.Duration.ZERO);
    }

    public SimulatedGateway(MongoDatabase database, Clock clock, java.time.Duration payoutAnswerDelay) {
        this.records = database.getCollection("simulated_payments");
        this.clock = clock;
        this.payoutAnswerDelay = payoutAnswerDelay;
    }

    @Override
    public Outcome collect(Collection collection) {
        return charge(collection.key(), collection.accountId(), collection.cardNumber(), collection.amount(),
                collection.purpose(), "COLLECTION");
    }

    /** A payout to a card follows the card's ending as a collection does: declined, timed out, or paid at once. */
    @Override
    public Outcome payout(Payout payout) {
        Outcome outcome = charge(payout.key(), payout.accountId(), payout.cardNumber(), payout.amount(), payout.purpose(),
                "PAYOUT");
        if (!payoutAnswerDelay.isZero()) {
            try {
                Thread.sleep(payoutAnswerDelay.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return outcome;
    }

    private Outcome charge(String key, String accountId, String number, org.coverledger.events.common.Money amount,
                           String purpose, String kind) {
        String ending = number.substring(Math.max(0, number.length() - 4));
        Document record = new Document("_id", key).append("accountId", accountId).append("kind", kind)
                .append("amount", amount.amount().toPlainString())
                .append("currency", amount.currency()).append("purpose", purpose)
                .append("at", Date.from(clock.instant()));
        if (ending.equals("0002")) {
            record.append("outcome", "DECLINED").append("reason", "The card issuer declined the payment.");
        } else {
            record.append("outcome", "SUCCEEDED").append("reference", "SIM-" + UUID.randomUUID());
        }
        if (ending.equals("0003")) {
            record.append("settlesAt", Date.from(clock.instant().plus(SETTLES_AFTER)));
        }
        try {
            records.insertOne(record);
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            return lookUp(key).orElseThrow(); // the same key: the same outcome, never a second charge
        }
        return outcome(record);
    }

    /** Refunds always go through at once (the gateway knows the payment they return). */
    @Override
    public Outcome refund(Refund refund) {
        Document record = new Document("_id", refund.key()).append("accountId", refund.accountId())
                .append("kind", "REFUND").append("originalReference", refund.originalReference())
                .append("amount", refund.amount().amount().toPlainString())
                .append("currency", refund.amount().currency()).append("purpose", refund.purpose())
                .append("at", Date.from(clock.instant()))
                .append("outcome", "SUCCEEDED").append("reference", "SIMR-" + UUID.randomUUID());
        try {
            records.insertOne(record);
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            return lookUp(refund.key()).orElseThrow(); // the same key: the same outcome, never a second refund
        }
        return outcome(record);
    }

    @Override
    public Optional<Outcome> lookUp(String key) {
        return Optional.ofNullable(records.find(eq("_id", key)).first()).map(this::outcome);
    }

    private Outcome outcome(Document record) {
        Date settles = record.getDate("settlesAt");
        if (settles != null && clock.instant().isBefore(settles.toInstant())) {
            return new Unknown();
        }
        return "DECLINED".equals(record.getString("outcome")) ? new Declined(record.getString("reason"))
                : new Succeeded(record.getString("reference"), new org.coverledger.events.common.Money(
                        new java.math.BigDecimal(record.getString("amount")), record.getString("currency")));
    }
}
