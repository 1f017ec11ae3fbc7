package org.coverledger.query.audit;

import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.ReplayStatus;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.messaging.MetaData;
import org.axonframework.serialization.Revision;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.privacy.SubjectKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.coverledger.query.infra.BatchedWrites;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Appends one {@link AuditEntry} per event. The audit trail is append-only: this class only
 * inserts, keyed by event id, so a redelivered event is refused by the store and counted. The
 * entries of a batch of events are inserted together ({@link BatchedWrites}).
 * There is deliberately no reset handler: nothing here ever deletes an entry. A rebuild folds the
 * events into a new, empty generation of the trail while the live one serves, and replaces it only
 * once complete (ProjectionRebuilds).
 */
@Component
@ProcessingGroup("audit")
public class AuditTrailProjection {

    private static final Logger log = LoggerFactory.getLogger(AuditTrailProjection.class);
    private static final TypeReference<Map<String, Object>> AS_MAP = new TypeReference<>() {
    };

    private final MongoTemplate mongo;
    private final ObjectMapper json;
    private static final ObjectMapper PLAIN = new ObjectMapper();
    private final org.axonframework.serialization.Serializer storedAs;
    private AuditKeys auditKeys;

    /** The entries of each aggregate, kept as they are recorded (absent in tests of the trail alone). */
    @org.springframework.beans.factory.annotation.Autowired(required = false)
    void setAuditKeys(AuditKeys auditKeys) {
        this.auditKeys = auditKeys;
    }
    private final Counter redeliveries;

    /**
     * Payloads are kept as the event store keeps them, personal data sealed under its subject's
     * key: the stored JSON of each event read from the store (as upcast), not sealed again, so a
     * rebuild records the very ciphertexts the live projection did (a backup's restore is compared
     * document by document) and an erased subject's values stay the stored, unreadable ones.
     */
    @org.springframework.beans.factory.annotation.Autowired
    public AuditTrailProjection(MongoTemplate mongo, MeterRegistry meters, SubjectKeys keys,
                                org.axonframework.eventsourcing.eventstore.EventStorageEngine store) {
        this(mongo, meters, keys, store instanceof org.axonframework.eventsourcing.eventstore.AbstractEventStorageEngine engine
                ? engine.getEventSerializer() : null);
    }

    /** An event whose payload the given serializer did not read is written out again with the sealing mapper. */
    public AuditTrailProjection(MongoTemplate mongo, MeterRegistry meters, SubjectKeys keys) {
        this(mongo, meters, keys, (org.axonframework.serialization.Serializer) null);
    }

    private AuditTrailProjection(MongoTemplate mongo, MeterRegistry meters, SubjectKeys keys,
                                 org.axonframework.serialization.Serializer storedAs) {
        this.mongo = mongo;
        this.json = EventSerialization.objectMapper(keys);
        this.storedAs = storedAs;
        this.redeliveries = Counter.builder("coverledger.projection.redeliveries")
                .description("Events delivered to a projection that had already recorded them")
                .tag("projection", "audit")
                .register(meters);
    }

    @EventHandler
    void on(EventMessage<?> event, ReplayStatus replay) {
        AuditEntry entry = entryOf(event);
        boolean replaying = replay.isReplay();
        BatchedWrites.current(mongo).insertUnlessPresent(entry, duplicates -> {
            // a rebuild replays what is recorded, so that is expected; anything else is a redelivery
            if (!replaying) {
                redeliveries.increment(duplicates);
                log.warn("{} audit entries already recorded; redelivery ignored", duplicates);
            }
        });
        if (auditKeys != null) {
            auditKeys.record(entry); // after the entry: its collection's bulk write goes out first
        }
    }

    /** The entry an event is recorded as: what the projection stores, and what a verification expects to find. */
    AuditEntry entryOf(EventMessage<?> event) {
        MetaData meta = event.getMetaData();
        Object payload = event.getPayload();
        Revision revision = payload.getClass().getAnnotation(Revision.class);
        String aggregateType = null;
        String aggregateId = null;
        long sequence = 0;
        if (event instanceof DomainEventMessage<?> domain) {
            aggregateType = domain.getType();
            aggregateId = domain.getAggregateIdentifier();
            sequence = domain.getSequenceNumber();
        }
        Long position = event instanceof TrackedEventMessage<?> tracked && tracked.trackingToken() != null
                && tracked.trackingToken().position().isPresent() ? tracked.trackingToken().position().getAsLong() : null;
        return new AuditEntry(event.getIdentifier(), position, event.getPayloadType().getSimpleName(),
                revision == null ? null : revision.value(), aggregateType, aggregateId, sequence, event.getTimestamp(),
                text(meta, CommandMetadata.ACTOR), text(meta, CommandMetadata.ROLES),
                text(meta, CommandMetadata.REQUEST_ID), text(meta, CommandMetadata.CLIENT_IP),
                text(meta, CommandMetadata.CORRELATION_ID), text(meta, CommandMetadata.CAUSATION_ID),
                asStored(event));
    }

    /** The payload as stored (sealed values as they are), or written out again if it was not read from the store. */
    private Map<String, Object> asStored(EventMessage<?> event) {
        if (storedAs != null) {
            try {
                String stored = event.serializePayload(storedAs, String.class).getData();
                return PLAIN.readValue(stored, AS_MAP);
            } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                log.warn("The payload of event {} could not be read as stored ({}); it is written out again, sealed anew",
                        event.getIdentifier(), e.getMessage());
            }
        }
        return json.convertValue(event.getPayload(), AS_MAP);
    }

    ObjectMapper json() {
        return json;
    }

    /** A metadata value as the trail records it: its text, or null. */
    static String text(MetaData meta, String key) {
        Object value = meta.get(key);
        return value == null ? null : value.toString();
    }
}
