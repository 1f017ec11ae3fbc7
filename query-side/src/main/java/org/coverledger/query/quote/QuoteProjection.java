package org.coverledger.query.quote;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.events.policy.QuoteApi.QuoteDeclined;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.events.policy.QuoteApi.QuotePurchased;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/**
 * Folds quote events into {@link QuoteView}s; idempotent by aggregate sequence. Quotes lead to
 * policies, so they share the policies' processing group (and its read-your-writes position).
 */
@Component
@ProcessingGroup("policies")
public class QuoteProjection {

    private final MongoTemplate mongo;

    public QuoteProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(QuoteIssued event, @SequenceNumber long sequence) {
        if (mongo.findById(event.quoteId(), QuoteView.class) != null) {
            return;
        }
        mongo.insert(new QuoteView(event.quoteId(), event.accountId(), event.owner(), event.product().name(),
                event.sumInsured().amount(), event.startDate(), event.termMonths(), event.endDate(), event.insuredName(),
                event.insuredNationalId(), event.relationship().name(), event.insuredAge(), event.declarations(),
                event.annualPremium().amount(), event.loadingPercent(), event.loadings(), event.referrals(), null,
                event.status().name(), event.termsVersion(), event.quotedAt(), event.validUntil(), null, null, null,
                null, null, sequence));
    }

    @EventHandler
    void on(QuoteAccepted event, @SequenceNumber long sequence) {
        update(event.quoteId(), sequence, new Update().set("status", "OFFERED").set("annualPremium",
                        event.annualPremium().amount()).set("underwriterLoadingPercent", event.loadingPercent())
                .set("decidedBy", event.underwriter()).set("decidedAt", event.acceptedAt())
                .set("validUntil", event.validUntil()));
    }

    @EventHandler
    void on(QuoteDeclined event, @SequenceNumber long sequence) {
        update(event.quoteId(), sequence, new Update().set("status", "DECLINED").set("decidedBy", event.underwriter())
                .set("decidedAt", event.declinedAt()).set("declineReason", event.reason()));
    }

    @EventHandler
    void on(QuotePurchased event, @SequenceNumber long sequence) {
        update(event.quoteId(), sequence, new Update().set("status", "PURCHASED").set("policyId", event.policyId())
                .set("paymentPlan", event.paymentPlan().name()));
    }

    private void update(String quoteId, long sequence, Update update) {
        mongo.updateFirst(Query.query(Criteria.where("_id").is(quoteId).and("lastSequence").lt(sequence)),
                update.set("lastSequence", sequence), QuoteView.class);
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(QuoteView.class);
    }
}
