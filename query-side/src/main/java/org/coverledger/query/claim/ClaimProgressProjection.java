package org.coverledger.query.claim;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.events.claim.ClaimApi.ClaimApproved;
import org.coverledger.events.claim.ClaimApi.ClaimAssessed;
import org.coverledger.events.claim.ClaimApi.ClaimAssigned;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimPaid;
import org.coverledger.events.claim.ClaimApi.ClaimPayoutFailed;
import org.coverledger.events.claim.ClaimApi.ClaimReopened;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.ClaimWithdrawn;
import org.coverledger.events.claim.ClaimApi.MaterialUploaded;
import org.coverledger.events.claim.ClaimApi.MaterialsProvided;
import org.coverledger.events.claim.ClaimApi.MaterialsReminded;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.PayoutCardChanged;
import org.coverledger.events.claim.ClaimApi.SecondApprovalRefused;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.PersonalDataSeal;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/**
 * Folds claim events into {@link ClaimProgressView}s. Idempotent: an event at or below the view's
 * last sequence changes nothing. An aggregate's events reach one thread in order, so reading the
 * view and then writing it by {@code _id} is safe. The first action of staff (for the SLA) is
 * the first step after submission by someone other than the claimant and the system, not
 * counting the assignment and reminders.
 */
@Component
@ProcessingGroup("claims")
public class ClaimProgressProjection {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NOT_AN_ACTION = List.of("ASSIGNED", "MATERIALS_REMINDED");

    private final MongoTemplate mongo;

    public ClaimProgressProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(ClaimSubmitted event, @SequenceNumber long sequence,
            @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        if (mongo.findById(event.claimId(), ClaimProgressView.class) != null) {
            return; // redelivered: must not reset what followed
        }
        String by = actor == null ? event.claimant() : actor;
        Money claimed = event.amountClaimed();
        mongo.insert(new ClaimProgressView(event.claimId(), event.policyId(), event.policyNumber(), event.product(),
                event.accountId(), event.claimant(), ClaimStatus.SUBMITTED.name(), true, event.incidentDate(),
                event.incidentType(), event.description(), claimed == null ? Money.DEFAULT_CURRENCY : claimed.currency(),
                claimed == null ? null : claimed.amount(), event.submittedAt(), null, null, null, event.submittedAt(),
                null, List.of(), null, null, null, null,
                List.of(new ClaimProgressView.Step(sequence, "SUBMITTED", event.submittedAt(), by, List.of(), null)),
                sequence));
    }

    @EventHandler
    void on(ClaimAssigned event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, "ASSIGNED", event.at(), event.assignedBy(), List.of(), null,
                view -> new Update().set("assignee", event.adjuster()));
    }

    @EventHandler
    void on(MaterialsRequested event, @SequenceNumber long sequence) {
        List<ClaimProgressView.Item> items = event.items().stream()
                .map(i -> new ClaimProgressView.Item(i.category() == null ? "OTHER" : i.category().name(),
                        i.description()))
                .toList();
        step(event.claimId(), sequence, "MATERIALS_REQUESTED", event.requestedAt(), event.requestedBy(), items,
                event.note(), view -> status(ClaimStatus.MATERIALS_REQUESTED).set("materialsRequest",
                        new ClaimProgressView.MaterialsRequest(event.requestedAt(), event.requestedBy(), event.dueOn(),
                                event.note(), items, null)));
    }

    @EventHandler
    void on(MaterialUploaded event, @SequenceNumber long sequence) {
        String category = event.category() == null ? "OTHER" : event.category().name();
        step(event.claimId(), sequence, "MATERIAL_UPLOADED", event.at(), event.uploadedBy(),
                List.of(new ClaimProgressView.Item(category, null)), null, view -> {
                    if (view.materials() != null && view.materials().stream()
                            .anyMatch(m -> m.materialId().equals(event.materialId()))) {
                        return new Update();
                    }
                    return new Update().push("materials", new ClaimProgressView.Material(event.materialId(), category,
                            event.contentType(), event.size(), event.sha256(), event.fileName(), event.uploadedBy(),
                            event.at()));
                });
    }

    @EventHandler
    void on(MaterialsProvided event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, "MATERIALS_PROVIDED", event.at(), event.providedBy(), List.of(), null,
                view -> status(ClaimStatus.UNDER_REVIEW));
    }

    @EventHandler
    void on(MaterialsReminded event, @SequenceNumber long sequence,
            @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        step(event.claimId(), sequence, "MATERIALS_REMINDED", event.at(), actorOrSystem(actor), List.of(), null,
                view -> view.materialsRequest() == null ? new Update()
                        : new Update().set("materialsRequest.remindedAt", event.at()));
    }

    @EventHandler
    void on(ClaimAssessed event, @SequenceNumber long sequence) {
        ClaimProgressView.Assessment assessment = new ClaimProgressView.Assessment(
                event.decision() == null ? null : event.decision().name(),
                event.reasonCodes().stream().map(Enum::name).toList(), lines(event.lines()),
                amount(event.claimedTotal()), amount(event.approvedTotal()), amount(event.deductible()),
                amount(event.payable()), event.needsSecondApproval(), List.of(), event.assessedBy(), event.at());
        step(event.claimId(), sequence, "ASSESSED", event.at(), event.assessedBy(), List.of(), event.note(), view -> {
            Update update = new Update().set("assessment", assessment);
            // otherwise ClaimApproved or ClaimClosed follows in the same commit and sets the status
            return event.needsSecondApproval() ? update.set("status", ClaimStatus.AWAITING_SECOND_APPROVAL.name())
                    .set("open", true) : update;
        });
    }

    @EventHandler
    void on(ClaimApproved event, @SequenceNumber long sequence, @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        String by = actor != null ? actor : event.approvers().isEmpty() ? CommandMetadata.SYSTEM_ACTOR
                : event.approvers().get(event.approvers().size() - 1);
        step(event.claimId(), sequence, "APPROVED", event.at(), by, List.of(), null, view -> {
            Update update = status(ClaimStatus.APPROVED);
            if (view.assessment() != null) {
                update.set("assessment.approvers", event.approvers()).set("assessment.payable", amount(event.payable()));
            }
            return update;
        });
    }

    @EventHandler
    void on(SecondApprovalRefused event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, "SECOND_APPROVAL_REFUSED", event.at(), event.refusedBy(), List.of(),
                event.note(), view -> status(ClaimStatus.UNDER_REVIEW));
    }

    @EventHandler
    void on(ClaimPayoutFailed event, @SequenceNumber long sequence,
            @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        step(event.claimId(), sequence, "PAYOUT_FAILED", event.at(), actorOrSystem(actor), List.of(), event.reason(),
                view -> {
                    ClaimProgressView.Payout before = payout(view);
                    Update update = new Update().set("payout", new ClaimProgressView.Payout(
                            Math.max(before.failedAttempts(), event.attempt()), event.reason(), event.at(),
                            event.nextAttemptAt(), before.cardChangedAt(), before.paid(), before.paidAt(),
                            before.gatewayReference()));
                    // with a next attempt the claim stays APPROVED: the payout is being retried
                    return event.nextAttemptAt() == null ? update.set("status", ClaimStatus.PAYOUT_FAILED.name())
                            .set("open", true) : update;
                });
    }

    @EventHandler
    void on(ClaimPaid event, @SequenceNumber long sequence, @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        step(event.claimId(), sequence, "PAID", event.at(), actorOrSystem(actor), List.of(), null, view -> {
            ClaimProgressView.Payout before = payout(view);
            return new Update().set("payout", new ClaimProgressView.Payout(before.failedAttempts(),
                    before.lastFailure(), before.lastFailedAt(), null, before.cardChangedAt(),
                    amount(event.amount()), event.at(), event.gatewayReference()));
        });
    }

    @EventHandler
    void on(PayoutCardChanged event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, "PAYOUT_CARD_CHANGED", event.at(), event.changedBy(), List.of(), null,
                view -> {
                    ClaimProgressView.Payout before = payout(view);
                    return new Update().set("payout", new ClaimProgressView.Payout(before.failedAttempts(),
                            before.lastFailure(), before.lastFailedAt(), before.nextAttemptAt(), event.at(),
                            before.paid(), before.paidAt(), before.gatewayReference()));
                });
    }

    @EventHandler
    void on(ClaimWithdrawn event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, "WITHDRAWN", event.at(), event.withdrawnBy(), List.of(), event.reason(),
                view -> new Update());
    }

    @EventHandler
    void on(ClaimClosed event, @SequenceNumber long sequence, @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        step(event.claimId(), sequence, "CLOSED", event.at(), actorOrSystem(actor), List.of(), null,
                view -> status(ClaimStatus.CLOSED).set("outcome", event.outcome() == null ? null : event.outcome().name())
                        .set("closedAt", event.at()));
    }

    @EventHandler
    void on(ClaimReopened event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, "REOPENED", event.at(), event.reopenedBy(), List.of(), event.reason(),
                view -> status(ClaimStatus.UNDER_REVIEW).set("outcome", null).set("closedAt", null));
    }

    /** Live, the customer's personal text is forgotten at once; rebuilt, the events read as erased anyway. */
    @EventHandler
    void on(PersonalDataErased event) {
        for (ClaimProgressView view : mongo.find(Query.query(where("accountId").is(event.accountId())),
                ClaimProgressView.class)) {
            Update update = new Update().set("description", erased(view.description()))
                    .set("timeline", view.timeline().stream().map(s -> new ClaimProgressView.Step(s.sequence(),
                            s.step(), s.at(), s.by(), s.items(), erased(s.note()))).toList())
                    .set("materials", view.materials() == null ? List.of() : view.materials().stream()
                            .map(m -> new ClaimProgressView.Material(m.materialId(), m.category(), m.contentType(),
                                    m.size(), m.sha256(), erased(m.fileName()), m.uploadedBy(), m.at())).toList());
            ClaimProgressView.MaterialsRequest request = view.materialsRequest();
            if (request != null) {
                update.set("materialsRequest.note", erased(request.note()));
            }
            ClaimProgressView.Assessment assessment = view.assessment();
            if (assessment != null && assessment.lines() != null) {
                update.set("assessment.lines", assessment.lines().stream().map(l -> new ClaimProgressView.Line(
                        erased(l.item()), l.claimed(), l.approved(), l.reasonCode())).toList());
            }
            mongo.updateFirst(Query.query(where("_id").is(view.claimId())), update, ClaimProgressView.class);
        }
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(ClaimProgressView.class);
    }

    /**
     * Records a step: the change the step makes to the view, its timeline entry and the first
     * action if it is one; nothing if the view has it already (or the claim is unknown).
     */
    private void step(String claimId, long sequence, String step, Instant at, String by,
                      List<ClaimProgressView.Item> items, String note, Function<ClaimProgressView, Update> change) {
        ClaimProgressView current = mongo.findById(claimId, ClaimProgressView.class);
        if (current == null || current.lastSequence() >= sequence) {
            return; // redelivered
        }
        Update update = change.apply(current)
                .push("timeline", new ClaimProgressView.Step(sequence, step, at, by, items, note))
                .set("lastStepAt", at)
                .set("lastSequence", sequence);
        if (current.firstActionAt() == null && !NOT_AN_ACTION.contains(step) && by != null
                && !by.equals(current.claimant()) && !by.equals(CommandMetadata.SYSTEM_ACTOR)) {
            update.set("firstActionAt", at).set("firstActionBy", by);
        }
        mongo.updateFirst(Query.query(where("_id").is(claimId)), update, ClaimProgressView.class);
    }

    private static Update status(ClaimStatus status) {
        return new Update().set("status", status.name()).set("open", status.isOpen());
    }

    private static ClaimProgressView.Payout payout(ClaimProgressView view) {
        return view.payout() != null ? view.payout()
                : new ClaimProgressView.Payout(0, null, null, null, null, null, null, null);
    }

    private static String actorOrSystem(String actor) {
        return actor == null ? CommandMetadata.SYSTEM_ACTOR : actor;
    }

    private static BigDecimal amount(Money money) {
        return money == null ? null : money.amount();
    }

    private static String erased(String value) {
        return value == null ? null : PersonalDataSeal.ERASED;
    }

    /** The assessment's lines, opened; none when erased or withheld (the reason codes stay on the assessment). */
    static List<ClaimProgressView.Line> lines(String json) {
        if (json == null || !json.startsWith("[")) {
            return List.of();
        }
        try {
            List<ClaimProgressView.Line> lines = new ArrayList<>();
            for (JsonNode line : JSON.readTree(json)) {
                lines.add(new ClaimProgressView.Line(line.path("item").asText(null), decimal(line.path("claimed")),
                        decimal(line.path("approved")), line.path("reasonCode").asText(null)));
            }
            return lines;
        } catch (JsonProcessingException e) {
            return List.of();
        }
    }

    private static BigDecimal decimal(JsonNode money) {
        JsonNode amount = money.isObject() ? money.path("amount") : money;
        return amount.isMissingNode() || amount.isNull() ? null : new BigDecimal(amount.asText());
    }
}
