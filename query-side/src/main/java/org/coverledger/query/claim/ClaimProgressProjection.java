package org.coverledger.query.claim;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.time.Instant;
import java.util.List;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.SequenceNumber;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.CommandMetadata;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/** Folds claim events into {@link ClaimProgressView}s; idempotent by aggregate sequence. */
@Component
@ProcessingGroup("claims")
public class ClaimProgressProjection {

    private final MongoTemplate mongo;

    public ClaimProgressProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(ClaimSubmitted event, @SequenceNumber long sequence, @MetaDataValue(CommandMetadata.ACTOR) String actor) {
        if (mongo.findById(event.claimId(), ClaimProgressView.class) != null) {
            return;
        }
        mongo.insert(new ClaimProgressView(event.claimId(), event.policyId(), event.claimant(),
                ClaimStatus.SUBMITTED.name(), event.incidentDate(), event.amountClaimed().amount(),
                event.amountClaimed().currency(),
                List.of(new ClaimProgressView.Step(sequence, ClaimStatus.SUBMITTED.name(), event.submittedAt(), actor,
                        List.of(), null)),
                sequence));
    }

    @EventHandler
    void on(MaterialsRequested event, @SequenceNumber long sequence) {
        step(event.claimId(), sequence, ClaimStatus.MATERIALS_REQUESTED, event.requestedAt(), event.requestedBy(),
                event.items(), event.note());
    }

    private void step(String claimId, long sequence, ClaimStatus status, Instant at, String by, List<String> items,
                      String note) {
        ClaimProgressView current = mongo.findById(claimId, ClaimProgressView.class);
        if (current == null || current.lastSequence() >= sequence) {
            return; // redelivered
        }
        mongo.updateFirst(Query.query(where("_id").is(claimId)),
                new Update().push("timeline", new ClaimProgressView.Step(sequence, status.name(), at, by, items, note))
                        .set("status", status.name())
                        .set("lastSequence", sequence),
                ClaimProgressView.class);
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(ClaimProgressView.class);
    }
}
