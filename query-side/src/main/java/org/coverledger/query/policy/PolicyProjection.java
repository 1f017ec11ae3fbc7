package org.coverledger.query.policy;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.mongodb.client.model.Filters;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.eventhandling.Timestamp;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.RenewalReferralDecided;
import org.coverledger.events.policy.PolicyApi.RenewalReferred;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyCancelled;
import org.coverledger.events.policy.PolicyApi.ArrearsPaid;
import org.coverledger.events.policy.PolicyApi.InstalmentMissed;
import org.coverledger.events.policy.PolicyApi.InstalmentPaid;
import org.coverledger.events.policy.PolicyApi.PolicyLapsed;
import org.coverledger.events.policy.PolicyApi.PolicyReinstated;
import org.coverledger.events.policy.QuoteApi;
import org.coverledger.events.policy.PolicyApi.AutoRenewalChosen;
import org.coverledger.events.policy.PolicyApi.ReinstatementDecided;
import org.coverledger.events.policy.PolicyApi.ReinstatementReferred;
import org.coverledger.events.policy.PolicyApi.PolicyChangeApproved;
import org.coverledger.events.policy.PolicyApi.PolicyChangeRejected;
import org.coverledger.events.policy.PolicyApi.PolicyChangeRequested;
import org.coverledger.events.policy.PolicyApi.PolicyRenewed;
import org.coverledger.events.policy.PolicyApi.RenewalNoticeSent;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.privacy.SubjectKeys;
import org.bson.Document;
import org.coverledger.query.infra.BatchedWrites;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/**
 * Folds policy events into {@link PolicyView}s. Idempotent: an event at or below the view's last
 * sequence changes nothing, so a redelivery cannot double a change in the history. An
 * aggregate's events reach one thread in order (sequencing per aggregate), so reading the view
 * and then writing it is safe. The writes of a batch of events go out together
 * ({@link BatchedWrites}).
 */
@Component
@ProcessingGroup("policies")
public class PolicyProjection {

    static final String PENDING_START = "PENDING_START";
    static final String IN_FORCE = "IN_FORCE";
    static final String EXPIRED = "EXPIRED";
    static final String CANCELLED = "CANCELLED";
    static final String LAPSED = "LAPSED";
    /** Every status a policy view can show, in the order of a policy's life. */
    static final List<String> STATUSES = List.of(PENDING_START, IN_FORCE, LAPSED, EXPIRED, CANCELLED);
    private static final long ABSENT = -1;

    private final MongoTemplate mongo;

    public PolicyProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    private PolicyHolders holders;

    /** Each holder's policy ids, kept with the views (absent in tests of the views alone). */
    @org.springframework.beans.factory.annotation.Autowired(required = false)
    void setHolders(PolicyHolders holders) {
        this.holders = holders;
    }

    @EventHandler
    void on(PolicyIssued event, @SequenceNumber long sequence, @Timestamp Instant at) {
        PolicyView view = new PolicyView(event.policyId(), event.policyNumber(), event.accountId(), event.policyholder(),
                event.product().name(), PENDING_START, event.sumInsured().amount(), event.premium().amount(),
                event.sumInsured().currency(), event.startDate(), event.endDate(), null, at, List.of(),
                event.sumInsured().amount(), event.paymentPlan() == null ? null : event.paymentPlan().name(),
                event.quoteId(), event.termsVersion(), null,
                event.firstPremium() == null ? List.of() : List.of(new PolicyView.Payment("FIRST_PREMIUM", 1, 1,
                        event.firstPremium().amount(), event.startDate(), at, event.paymentReference())),
                event.paymentPlan() == QuoteApi.PaymentPlan.MONTHLY && !event.startDate().plusMonths(1).isAfter(event.endDate())
                        ? event.startDate().plusMonths(1) : null, null,
                List.of(new PolicyView.Term(1, event.startDate(), event.endDate(), event.premium().amount(),
                        event.paymentPlan() == null ? null : event.paymentPlan().name(), false)), false, null,
                List.of(), List.of(), null, List.of(), beneficiaries(event.beneficiaries()), null, null, null, sequence);
        BatchedWrites writes = BatchedWrites.current(mongo);
        if (holders != null) {
            holders.record(event.policyholder(), event.policyId());
        }
        // insert-if-absent: a redelivered PolicyIssued must not reset later changes
        if (lastSequence(writes, event.policyId()) == ABSENT) {
            writes.insert(view);
            writes.remember(event.policyId(), sequence);
        }
    }

    @EventHandler
    void on(PolicyChanged event, @SequenceNumber long sequence, @Timestamp Instant at,
            @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        Update update = new Update()
                .push("changes", new PolicyView.Change(sequence, event.beneficiary(),
                        event.sumInsured() == null ? null : event.sumInsured().amount(), event.effectiveFrom(), at, actor))
                .set("lastSequence", sequence);
        if (event.contactMobile() != null) {
            update.set("contactMobile", event.contactMobile());
        }
        if (event.beneficiary() != null) {
            update.set("beneficiary", event.beneficiary())
                    .set("beneficiaries", List.of(new PolicyView.Beneficiary(event.beneficiary(), null, 100)));
        }
        if (event.sumInsured() != null) {
            update.set("sumInsured", event.sumInsured().amount());
        }
        // decide on the last applied sequence, then write by _id alone: the embedded server answers
        // only single-key _id filters from its index
        BatchedWrites writes = BatchedWrites.current(mongo);
        long last = lastSequence(writes, event.policyId());
        if (last != ABSENT && last < sequence) {
            writes.updateById(PolicyView.class, event.policyId(), update);
            writes.remember(event.policyId(), sequence);
        }
    }

    @EventHandler
    void on(PolicyStarted event, @SequenceNumber long sequence) {
        setStatus(event.policyId(), IN_FORCE, sequence);
    }

    @EventHandler
    void on(PolicyExpired event, @SequenceNumber long sequence) {
        setStatus(event.policyId(), EXPIRED, sequence);
    }

    @EventHandler
    void on(ReinstatementReferred event, @SequenceNumber long sequence) {
        List<String> referrals = new java.util.ArrayList<>();
        if (event.referrals() != null && event.referrals().startsWith("[")) {
            try {
                JSON.readTree(event.referrals()).forEach(r -> referrals.add(r.asText()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // withheld or erased: none shown
            }
        }
        update(event.policyId(), sequence, new Update().set("pendingReinstatement", new PolicyView.PendingReinstatement(
                event.referralId(), referrals, event.requestedBy(), event.at(), "PENDING", null)));
    }

    @EventHandler
    void on(ReinstatementDecided event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("pendingReinstatement.decision",
                event.approved() ? "APPROVED" : "DECLINED").set("pendingReinstatement.reason", event.reason()));
    }

    @EventHandler
    void on(PolicyChangeRequested event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("pendingChange", new PolicyView.PendingChange(
                event.changeId(), event.from() == null ? null : event.from().amount(), event.sumInsured().amount(),
                event.requestedBy(), event.at())));
    }

    @EventHandler
    void on(PolicyChangeApproved event, @SequenceNumber long sequence) {
        Update update = event.paymentReference() == null ? new Update() : new Update().push("payments",
                new PolicyView.Payment(event.premiumDifference().amount().signum() > 0 ? "CHANGE_PREMIUM" : "CHANGE_REFUND",
                        null, null, event.premiumDifference().amount().abs(), null, event.at(), event.paymentReference()));
        update(event.policyId(), sequence, update.set("pendingChange", null)
                .set("sumInsured", event.sumInsured().amount()).set("premium", event.annualPremium().amount())
                .push("changes", new PolicyView.Change(sequence, null, event.sumInsured().amount(),
                        event.effectiveFrom(), event.at(), event.underwriter())));
    }

    @EventHandler
    void on(PolicyChangeRejected event, @SequenceNumber long sequence, @Timestamp Instant at) {
        update(event.policyId(), sequence, new Update().set("pendingChange", null)
                .push("rejectedChanges", new PolicyView.Rejection(event.changeId(), null, event.reason(),
                        event.underwriter(), event.at())));
    }

    @EventHandler
    void on(PolicyRenewed event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update()
                .push("terms", new PolicyView.Term(event.term(), event.startDate(), event.endDate(),
                        event.annualPremium().amount(), event.paymentPlan().name(), event.automatic()))
                .push("payments", new PolicyView.Payment(event.paymentPlan() == QuoteApi.PaymentPlan.MONTHLY
                        ? "INSTALMENT" : "RENEWAL_PREMIUM", null, null, event.firstPremium().amount(), event.startDate(),
                        event.at(), event.paymentReference()))
                .set("endDate", event.endDate()).set("premium", event.annualPremium().amount())
                .set("paymentPlan", event.paymentPlan().name()).set("renewalNoticeSentAt", null)
                .set("nextInstalmentDue", event.nextDueOn()).set("pendingRenewal", null));
    }

    @EventHandler
    void on(RenewalReferred event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("pendingRenewal", new PolicyView.PendingRenewal(
                event.referralId(), event.term(), event.claimsPaid().amount(), event.sumInsured().amount(),
                event.share(), event.requestedBy(), event.at(), "PENDING", null, null, null)));
    }

    @EventHandler
    void on(RenewalReferralDecided event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update()
                .set("pendingRenewal.decision", event.accepted() ? "APPROVED" : "DECLINED")
                .set("pendingRenewal.loadingPercent", event.loadingPercent())
                .set("pendingRenewal.reason", event.reason()).set("pendingRenewal.decidedBy", event.underwriter()));
    }

    @EventHandler
    void on(RenewalNoticeSent event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("renewalNoticeSentAt", event.at()));
    }

    @EventHandler
    void on(AutoRenewalChosen event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("autoRenewal", event.enabled()));
    }

    @EventHandler
    void on(InstalmentPaid event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().push("payments", new PolicyView.Payment("INSTALMENT",
                        event.instalment(), event.instalment(), event.amount().amount(), event.dueOn(), event.at(),
                        event.paymentReference())).set("nextInstalmentDue", event.nextDueOn()));
    }

    @EventHandler
    void on(InstalmentMissed event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("arrears", new PolicyView.Arrears(event.instalment(),
                event.dueOn(), event.amount().amount(), event.reason(), event.graceUntil())).set("nextInstalmentDue", null));
    }

    @EventHandler
    void on(PolicyLapsed event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, new Update().set("status", LAPSED)
                .push("lapsedFrom", event.lastDayOfCover().plusDays(1)));
    }

    @EventHandler
    void on(ArrearsPaid event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, arrearsSettled(event.fromInstalment(), event.toInstalment(), event.amount(),
                event.paymentReference(), event.at(), event.nextDueOn()));
    }

    @EventHandler
    void on(PolicyReinstated event, @SequenceNumber long sequence) {
        update(event.policyId(), sequence, arrearsSettled(event.fromInstalment(), event.toInstalment(), event.amount(),
                event.paymentReference(), event.at(), event.nextDueOn()).set("status", IN_FORCE)
                .set("pendingReinstatement", null)
                .push("reinstatedOn", event.reinstatedOn()));
    }

    private static Update arrearsSettled(int from, int to, org.coverledger.events.common.Money amount, String reference,
                                         Instant at, java.time.LocalDate next) {
        return new Update().push("payments", new PolicyView.Payment("ARREARS", from, to, amount.amount(), null, at,
                reference)).set("arrears", null).set("nextInstalmentDue", next);
    }

    @EventHandler
    void on(PolicyCancelled event, @SequenceNumber long sequence) {
        Update refund = event.refund().amount().signum() > 0 ? new Update().push("payments", new PolicyView.Payment(
                "REFUND", null, null, event.refund().amount(), null, event.at(), event.refundReference())) : new Update();
        update(event.policyId(), sequence, refund.set("status", CANCELLED).set("nextInstalmentDue", null)
                .set("pendingChange", null).set("cancellation",
                new PolicyView.Cancellation(event.requestedOn(), event.withinCoolingOff(), event.lastDayOfCover(),
                        event.premiumPaid().amount(), event.premiumEarned().amount(), event.fee().amount(),
                        event.refund().amount(), event.reason() == null ? null : event.reason().name())));
    }

    private void setStatus(String policyId, String status, long sequence) {
        update(policyId, sequence, new Update().set("status", status));
    }

    private void update(String policyId, long sequence, Update update) {
        BatchedWrites writes = BatchedWrites.current(mongo);
        long last = lastSequence(writes, policyId);
        if (last != ABSENT && last < sequence) {
            writes.updateById(PolicyView.class, policyId, update.set("lastSequence", sequence));
            writes.remember(policyId, sequence);
        }
    }

    /**
     * The view's last applied sequence as of the events handled so far in this batch: read once a
     * batch, for all the batch's policies in one query (by {@code _id}, which the embedded server
     * answers from its index for {@code $in} too).
     */
    private long lastSequence(BatchedWrites writes, String policyId) {
        return writes.remember(policyId, PolicyProjection::policyOf, ids -> {
            Map<String, Long> found = new HashMap<>();
            for (Document view : mongo.getCollection(mongo.getCollectionName(PolicyView.class))
                    .find(Filters.in("_id", ids)).projection(new Document("lastSequence", 1))) {
                found.put(view.getString("_id"), ((Number) view.get("lastSequence")).longValue());
            }
            return found;
        }, ABSENT);
    }

    /** The policy a stored event will ask about: its aggregate, for the events handled here (no deserializing). */
    private static String policyOf(DomainEventMessage<?> event) {
        Class<?> type = event.getPayloadType();
        return type == PolicyIssued.class || type == PolicyChanged.class || type == PolicyStarted.class
                || type == PolicyExpired.class || type == PolicyCancelled.class || type == InstalmentPaid.class
                || type == InstalmentMissed.class || type == PolicyLapsed.class || type == ArrearsPaid.class
                || type == PolicyReinstated.class || type == PolicyRenewed.class || type == RenewalNoticeSent.class
                || type == AutoRenewalChosen.class || type == PolicyChangeRequested.class
                || type == PolicyChangeApproved.class || type == PolicyChangeRejected.class
                || type == ReinstatementReferred.class || type == ReinstatementDecided.class
                || type == RenewalReferred.class || type == RenewalReferralDecided.class
                ? event.getAggregateIdentifier() : null;
    }

    /** Live, the beneficiaries are forgotten at once; rebuilt, the events read as erased anyway. */
    @EventHandler
    void on(PersonalDataErased event) {
        BatchedWrites.current(mongo).flush(); // what this batch changed so far is erased too
        for (PolicyView view : mongo.find(Query.query(where("accountId").is(event.accountId())), PolicyView.class)) {
            List<PolicyView.Change> changes = view.changes().stream()
                    .map(c -> new PolicyView.Change(c.sequence(), c.beneficiary() == null ? null : SubjectKeys.ERASED,
                            c.sumInsured(), c.effectiveFrom(), c.changedAt(), c.changedBy()))
                    .toList();
            List<PolicyView.Rejection> rejections = view.rejectedChanges() == null ? List.of()
                    : view.rejectedChanges().stream().map(r -> new PolicyView.Rejection(r.changeId(), r.sumInsured(),
                            SubjectKeys.ERASED, r.rejectedBy(), r.rejectedAt())).toList();
            List<PolicyView.Beneficiary> heirs = view.beneficiaries() == null ? List.of() : view.beneficiaries().stream()
                    .map(b -> new PolicyView.Beneficiary(SubjectKeys.ERASED, b.relationship(), b.sharePercent())).toList();
            Update erased = new Update();
            if (view.pendingRenewal() != null && view.pendingRenewal().reason() != null) {
                erased.set("pendingRenewal.reason", SubjectKeys.ERASED);
            }
            mongo.updateFirst(Query.query(where("_id").is(view.policyId())), erased
                    .set("beneficiaries", heirs).set("pendingReinstatement", null).set("contactMobile", view.contactMobile() == null ? null : SubjectKeys.ERASED)
                    .set("beneficiary", view.beneficiary() == null ? null : SubjectKeys.ERASED)
                    .set("changes", changes).set("rejectedChanges", rejections), PolicyView.class);
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The beneficiaries of PolicyIssued, opened; none when erased or withheld. */
    static List<PolicyView.Beneficiary> beneficiaries(String sealedJson) {
        if (sealedJson == null || !sealedJson.startsWith("[")) {
            return List.of();
        }
        try {
            List<PolicyView.Beneficiary> found = new java.util.ArrayList<>();
            for (com.fasterxml.jackson.databind.JsonNode b : JSON.readTree(sealedJson)) {
                found.add(new PolicyView.Beneficiary(b.path("name").asText(), b.path("relationship").asText(null),
                        b.path("sharePercent").asInt()));
            }
            return found;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return List.of();
        }
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(PolicyView.class);
        if (holders != null) {
            holders.reset();
        }
    }
}
