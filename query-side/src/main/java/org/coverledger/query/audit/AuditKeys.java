package org.coverledger.query.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.coverledger.query.infra.IdSets;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit entries of each aggregate, request and correlation, kept as one document each
 * ({@value #COLLECTION}: {@code _id} "aggregateId:<id>", "requestId:<id>" or "correlationId:<id>",
 * the entries' ids), so that "the history of this object" and "what this request did", the questions
 * compliance asks most, are a look-up by {@code _id} and then by the entries' {@code _id}s:
 * the embedded MongoDB ignores the trail's other indexes and scans the whole trail for a filter,
 * which at 10^5 entries took seconds per read and stalled every other request behind it
 * (ops/BENCHMARKS.md, load benchmark). Written with the entries (added to a set, so a redelivery
 * changes nothing); a trail recorded before this existed is indexed once, in the background, at
 * start, and read by scanning until then.
 */
@Component
public class AuditKeys implements org.coverledger.query.infra.Generations.Fresh {

    static final String COLLECTION = "audit_keys";

    private final MongoTemplate mongo;
    private final IdSets sets;

    /** The mapped form of a key document, for batched writes. */
    @org.springframework.data.mongodb.core.mapping.Document(COLLECTION)
    record AuditKey(@org.springframework.data.annotation.Id String id, List<String> ids) {
    }

    public AuditKeys(MongoTemplate mongo) {
        this.mongo = mongo;
        this.sets = new IdSets(mongo, AuditKey.class, "ids", KEYS.stream().map(field -> new String[] {field + ":", field})
                .toList());
    }

    /**
     * The filters kept as sets: each names few entries (an aggregate's history, one request's or one
     * correlation's events). An actor's or an event type's entries can be most of the trail, too
     * many for one document; those filters scan.
     */
    static final List<String> KEYS = List.of("aggregateId", "requestId", "correlationId");

    @Override
    public String projection() {
        return "audit";
    }

    /** The new generation's key documents start empty and complete: the rebuild fills them from the first event. */
    @Override
    public void started() {
        sets.reset();
    }

    /** Adds the entry to the documents of its aggregate, request and correlation, with the batch's other writes. */
    void record(AuditEntry entry) {
        add("aggregateId", entry.aggregateId(), entry.eventId());
        add("requestId", entry.requestId(), entry.eventId());
        add("correlationId", entry.correlationId(), entry.eventId());
    }

    private void add(String field, String value, String eventId) {
        if (value != null) {
            sets.add(field + ":" + value, eventId);
        }
    }

    /**
     * The ids of the entries the filter can be answered from by a key document (its aggregate, request
     * or correlation, the first given), or empty: the caller scans.
     */
    Optional<List<String>> entriesFor(java.util.Map<String, String> equal) {
        for (String field : KEYS) {
            if (equal.containsKey(field)) {
                return sets.of(field + ":" + equal.get(field));
            }
        }
        return Optional.empty();
    }

    /** The entries with these ids (a look-up by {@code _id}), in the trail's order. */
    List<AuditEntry> entries(List<String> ids) {
        List<AuditEntry> found = new ArrayList<>(sets.byIds(AuditEntry.class, ids));
        found.sort(ORDER);
        return found;
    }

    /** The trail's order, as the query sorts it: position, time, aggregate, sequence; a missing value first. */
    static final Comparator<AuditEntry> ORDER = Comparator
            .comparing(AuditEntry::position, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(AuditEntry::timestamp, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparing(AuditEntry::aggregateId, Comparator.nullsFirst(Comparator.naturalOrder()))
            .thenComparingLong(AuditEntry::sequence);

    /** Indexes a trail recorded before the key documents existed, once, in the background. */
    @EventListener(ApplicationReadyEvent.class)
    public void indexOlderEntries() {
        sets.indexOnce(mongo.getCollectionName(AuditEntry.class));
    }

    void indexAll() {
        sets.indexAll(mongo.getCollectionName(AuditEntry.class));
    }
}
