package org.coverledger.query.quote;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.events.policy.QuoteApi.QuoteDeclined;
import org.coverledger.events.policy.QuoteApi.QuoteExpired;
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
        java.util.Map<String, String> answers = new java.util.TreeMap<>(event.declarations());
        answers.putAll(personal(event.personalDeclarations()));
        mongo.insert(new QuoteView(event.quoteId(), event.accountId(), event.owner(), event.product().name(),
                event.sumInsured().amount(), event.startDate(), event.termMonths(), event.endDate(), event.insuredName(),
                event.insuredNationalId(), event.relationship().name(), event.insuredAge(), answers,
                event.annualPremium().amount(), event.loadingPercent(), listIn(event.underwriting(), "loadings"),
                listIn(event.underwriting(), "referrals"), null,
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
    void on(QuoteExpired event, @SequenceNumber long sequence) {
        update(event.quoteId(), sequence, new Update().set("status", "EXPIRED"));
    }

    @EventHandler
    void on(QuotePurchased event, @SequenceNumber long sequence) {
        update(event.quoteId(), sequence, new Update().set("status", "PURCHASED").set("policyId", event.policyId())
                .set("paymentPlan", event.paymentPlan().name()));
    }

    /** The personal answers, opened; none when erased (or withheld). */
    private static java.util.Map<String, String> personal(String sealedJson) {
        if (sealedJson == null || !sealedJson.startsWith("{")) {
            return java.util.Map.of();
        }
        try {
            return JSON.readValue(sealedJson, new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, String>>() { });
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return java.util.Map.of();
        }
    }

    /** One list of the sealed underwriting JSON, opened; empty when erased (or withheld). */
    private static java.util.List<String> listIn(String sealedJson, String field) {
        if (sealedJson == null || !sealedJson.startsWith("{")) {
            return java.util.List.of();
        }
        try {
            java.util.List<String> values = new java.util.ArrayList<>();
            JSON.readTree(sealedJson).path(field).forEach(value -> values.add(value.asText()));
            return values;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return java.util.List.of();
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** Live, the insured's details and answers are forgotten at once; rebuilt, the events read as erased anyway. */
    @EventHandler
    void on(PersonalDataErased event) {
        mongo.updateMulti(Query.query(Criteria.where("accountId").is(event.accountId())), new Update()
                .set("insuredName", SubjectKeys.ERASED).set("insuredNationalId", SubjectKeys.ERASED)
                .set("declarations", java.util.Map.of()).set("loadings", java.util.List.of())
                .set("referrals", java.util.List.of()).set("declineReason", null), QuoteView.class);
    }

    /**
     * Applies the change unless the view has the event already. The last sequence is read first and
     * the view written by {@code _id} alone: the embedded MongoDB answers a filter of more than
     * {@code _id} by reading the whole collection. A quote's events reach one thread in order, so
     * nothing changes the view in between.
     */
    private void update(String quoteId, long sequence, Update update) {
        org.bson.Document view = mongo.getCollection(mongo.getCollectionName(QuoteView.class))
                .find(new org.bson.Document("_id", quoteId)).projection(new org.bson.Document("lastSequence", 1))
                .first();
        if (view != null && ((Number) view.get("lastSequence")).longValue() < sequence) {
            mongo.updateFirst(Query.query(Criteria.where("_id").is(quoteId)), update.set("lastSequence", sequence),
                    QuoteView.class);
        }
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(QuoteView.class);
    }
}
