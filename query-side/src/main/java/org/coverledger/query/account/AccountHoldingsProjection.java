package org.coverledger.query.account;

import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.List;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.bson.Document;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * What a customer holds, by account, for the "my assets" overview: the ids of their policies and
 * claims (so that the overview reads the views by {@code _id}, never by scanning for the account),
 * the way from a policy number to its account ({@value #LOOKUP}, by {@code _id}), and the last
 * {@value #ACTIVITY} events of the account, its policies and claims for service staff (type, time,
 * actor: nothing personal), kept sorted by time (segments deliver them out of order). Every write
 * is idempotent (sets; an event id checked before it is pushed, and an old event pushed again
 * sorts below the newest kept and is cut off), so a redelivered event changes nothing.
 */
@Component
@ProcessingGroup("accounts")
public class AccountHoldingsProjection {

    static final String HOLDINGS = "account_holdings";
    static final String LOOKUP = "account_lookup";
    static final int ACTIVITY = 20;

    /** The collections mapped, for batched writes. */
    @org.springframework.data.mongodb.core.mapping.Document(HOLDINGS)
    record HoldingsDocument(@org.springframework.data.annotation.Id String accountId) {
    }

    @org.springframework.data.mongodb.core.mapping.Document(LOOKUP)
    record LookupDocument(@org.springframework.data.annotation.Id String key) {
    }

    private final MongoTemplate mongo;

    public AccountHoldingsProjection(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventHandler
    void on(Object payload, DomainEventMessage<?> event) {
        String accountId = accountOf(event);
        if (accountId == null) {
            return;
        }
        // written with the batch (BatchedWrites: one bulk write per collection before the token), not one
        // disk commit per event; each update is idempotent, so a batch handled again changes nothing
        org.coverledger.query.infra.BatchedWrites writes = org.coverledger.query.infra.BatchedWrites.current(mongo);
        if (payload instanceof PolicyIssued issued) {
            writes.upsertById(HoldingsDocument.class, accountId,
                    new org.springframework.data.mongodb.core.query.Update().addToSet("policyIds", issued.policyId()));
            if (issued.policyNumber() != null) {
                writes.upsertById(LookupDocument.class, policyNumberKey(issued.policyNumber()),
                        new org.springframework.data.mongodb.core.query.Update().set("accountId", accountId));
            }
        } else if (payload instanceof ClaimSubmitted submitted) {
            writes.upsertById(HoldingsDocument.class, accountId,
                    new org.springframework.data.mongodb.core.query.Update().addToSet("claimIds", submitted.claimId()));
        }
        Document entry = new Document("eventId", event.getIdentifier()).append("type", event.getPayloadType().getSimpleName())
                .append("aggregateType", event.getType()).append("aggregateId", event.getAggregateIdentifier())
                .append("at", java.util.Date.from(event.getTimestamp()))
                .append("actor", event.getMetaData().get(CommandMetadata.ACTOR));
        // pushed only while the account's kept activity does not hold the event (a redelivery changes nothing:
        // the condition beside the _id is read by the _id index, on the embedded server too); the document
        // is made first if the account has none yet
        writes.upsertById(HoldingsDocument.class, accountId,
                new org.springframework.data.mongodb.core.query.Update().setOnInsert("activity", List.of()));
        writes.updateOne(HoldingsDocument.class, org.springframework.data.mongodb.core.query.Query.query(
                org.springframework.data.mongodb.core.query.Criteria.where("_id").is(accountId)
                        .and("activity.eventId").ne(event.getIdentifier())),
                new org.springframework.data.mongodb.core.query.Update().push("activity")
                        .sort(org.springframework.data.domain.Sort.by("at")).slice(-ACTIVITY).each(entry));
    }

    /** The account an event of a policy, claim or account is about; null for events of no customer. */
    static String accountOf(DomainEventMessage<?> event) {
        if ("Account".equals(event.getType())) {
            return event.getAggregateIdentifier();
        }
        if (!"Policy".equals(event.getType()) && !"Claim".equals(event.getType())) {
            return null;
        }
        Object payload = event.getPayload();
        if (payload != null && payload.getClass().isRecord()) {
            for (RecordComponent component : payload.getClass().getRecordComponents()) {
                if (component.getName().equals("accountId") && component.getType() == String.class) {
                    try {
                        return (String) component.getAccessor().invoke(payload);
                    } catch (ReflectiveOperationException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    static String policyNumberKey(String policyNumber) {
        return "policyNumber:" + policyNumber;
    }

    private MongoCollection<Document> holdings() {
        return mongo.getCollection(HOLDINGS);
    }

    /** The account's holdings: policy and claim ids and recent activity (empty lists when it holds nothing). */
    Holdings of(String accountId) {
        Document found = holdings().find(Filters.eq("_id", accountId)).first();
        if (found == null) {
            return new Holdings(List.of(), List.of(), List.of());
        }
        List<Activity> activity = found.getList("activity", Document.class, List.of()).stream()
                .map(d -> new Activity(d.getString("type"), d.getString("aggregateType"), d.getString("aggregateId"),
                        d.getDate("at") == null ? null : d.getDate("at").toInstant(), d.getString("actor")))
                .toList();
        return new Holdings(found.getList("policyIds", String.class, List.of()),
                found.getList("claimIds", String.class, List.of()), activity);
    }

    /** The account holding a policy number, if any. */
    java.util.Optional<String> accountOfPolicyNumber(String policyNumber) {
        Document found = mongo.getCollection(LOOKUP).find(Filters.eq("_id", policyNumberKey(policyNumber))).first();
        return java.util.Optional.ofNullable(found).map(d -> d.getString("accountId"));
    }

    record Holdings(List<String> policyIds, List<String> claimIds, List<Activity> activity) {
    }

    /** One event of the account, its policies or claims: what, when, by whom (a login). */
    public record Activity(String type, String aggregateType, String aggregateId, Instant at, String actor) {
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(HOLDINGS);
        mongo.dropCollection(LOOKUP);
    }
}
