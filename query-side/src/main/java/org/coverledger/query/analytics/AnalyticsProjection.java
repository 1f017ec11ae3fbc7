package org.coverledger.query.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOptions;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.bson.Document;
import org.coverledger.query.analytics.AnalyticsFold.Delta;
import org.coverledger.query.analytics.AnalyticsFold.Facts;
import org.coverledger.query.infra.AxonConfiguration;
import org.coverledger.query.infra.BatchedWrites;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps the analysts' figures: every policy and claim event goes through {@link AnalyticsFold},
 * and what it adds is stored pre-aggregated, one document per day recorded and product
 * ({@value #DAYS}: {@code e.<day effective>.<metric>}), so that a report reads small documents
 * whose number grows with the days and products, not with the book. What the fold needs of an
 * aggregate's past is kept beside it ({@value #FACTS}, one document per policy or claim).
 *
 * <p>A document per day rather than per month: the embedded server rewrites a document whole on
 * every update, and a month's document grew to thousands of keys, so a rebuild slowed as the book
 * grew (619 events/s at 10^5 events against 2,652 at 10^4, ops/BENCHMARKS.md).
 *
 * <p>Exactly once without transactions: each day document and each facts document records the
 * global position of the last event it took in, and an event at or before it is passed over. At
 * the end of a batch the day documents are written first, then the facts (each checked to be
 * where the batch read it): a crash in between replays the batch from facts that do not know it,
 * and the days that already hold it pass it over. One segment, so that positions only grow.
 */
@Component
@ProcessingGroup(AxonConfiguration.ANALYTICS)
public class AnalyticsProjection {

    static final String DAYS = "analytics_days";
    /** Where the figures were kept, a document per month, until 2026-12-06 (see {@link #replaceMonthDocuments}). */
    static final String MONTHS = "analytics_months";
    static final String FACTS = "analytics_facts";
    /** Axon's token store (its default collection). */
    static final String TOKENS = "trackingtokens";
    private static final String BATCH = AnalyticsProjection.class.getName();

    private final MongoTemplate mongo;
    private final AnalyticsFold fold;

    public AnalyticsProjection(MongoTemplate mongo, AnalyticsFold fold) {
        this.mongo = mongo;
        this.fold = fold;
    }

    @EventHandler
    void on(Object payload, DomainEventMessage<?> event, TrackingToken token) {
        if (!AnalyticsFold.folds(event.getPayloadType())) {
            return;
        }
        long position = token.position().orElseThrow(() -> new IllegalStateException("a token without a position"));
        Batch batch = batch();
        Facts known = batch.facts(event.getAggregateIdentifier());
        if (known.position >= position) {
            return; // taken in before: a batch replayed after a crash
        }
        Facts facts = known.copy(); // a fold that fails leaves what was known as it was
        List<Delta> deltas = fold.apply(event, position, facts);
        batch.known.put(facts.id, facts);
        batch.deltas.addAll(deltas);
        batch.changed.put(facts.id, facts);
        if (!batch.deferred) {
            batch.write();
        }
    }

    /** The batch on this thread, written before its token is stored; outside a batch, one written at once. */
    private Batch batch() {
        if (!CurrentUnitOfWork.isStarted()) {
            return new Batch(false);
        }
        UnitOfWork<?> root = CurrentUnitOfWork.get().root();
        Batch batch = root.getOrComputeResource(BATCH, key -> new Batch(true));
        if (batch.deferred && !batch.registered) {
            batch.registered = BatchedWrites.current(mongo).beforeFlush(batch::write);
            batch.deferred = batch.registered;
        }
        return batch;
    }

    /** What one batch of events adds and the facts it changed. */
    private final class Batch {
        private final List<Delta> deltas = new ArrayList<>();
        private final Map<String, Facts> changed = new LinkedHashMap<>();
        private final Map<String, Facts> known = new HashMap<>();
        private final Map<String, Long> storedAt = new HashMap<>();
        private boolean deferred;
        private boolean registered;

        Batch(boolean deferred) {
            this.deferred = deferred;
        }

        /**
         * The aggregate's facts as this batch knows them; the position they were stored at is kept
         * for the write. Read through {@link BatchedWrites#remember}: on the first miss, the facts of
         * every aggregate the batch's events name come in one query.
         */
        Facts facts(String aggregateId) {
            return known.computeIfAbsent(aggregateId, id -> {
                Document stored = BatchedWrites.current(mongo).remember(id, AnalyticsProjection::aggregateFolded,
                        ids -> {
                            Map<String, Document> found = new HashMap<>();
                            factsCollection().find(Filters.in("_id", ids)).forEach(d -> found.put(d.getString("_id"), d));
                            return found;
                        }, null);
                Facts facts = stored == null ? new Facts(id) : Facts.of(stored);
                storedAt.put(id, stored == null ? null : facts.position);
                return facts;
            });
        }

        void write() {
            registered = false;
            try {
                if (!deltas.isEmpty()) {
                    writeDays(deltas);
                }
                if (!changed.isEmpty()) {
                    writeFacts(changed.values(), storedAt);
                    changed.values().forEach(f -> storedAt.put(f.id, f.position));
                }
            } finally {
                deltas.clear();
                changed.clear();
            }
        }
    }

    /** Each day document takes the additions of events past its position, in one compare-and-set. */
    private void writeDays(List<Delta> deltas) {
        Map<String, List<Delta>> byDay = new LinkedHashMap<>();
        for (Delta delta : deltas) {
            byDay.computeIfAbsent(dayKey(delta), k -> new ArrayList<>()).add(delta);
        }
        Map<String, Long> positions = new HashMap<>();
        for (Document day : days().find(Filters.in("_id", byDay.keySet())).projection(new Document("pos", 1))) {
            positions.put(day.getString("_id"), ((Number) day.get("pos")).longValue());
        }
        List<com.mongodb.client.model.WriteModel<Document>> writes = new ArrayList<>();
        for (Map.Entry<String, List<Delta>> day : byDay.entrySet()) {
            Long stored = positions.get(day.getKey());
            Document inc = new Document();
            long first = Long.MAX_VALUE;
            long last = -1;
            for (Delta delta : day.getValue()) {
                if (stored != null && delta.position() <= stored) {
                    continue;
                }
                String path = "e." + delta.effective() + "." + delta.metric();
                inc.put(path, ((Number) inc.getOrDefault(path, 0L)).longValue() + delta.value());
                first = Math.min(first, delta.position());
                last = Math.max(last, delta.position());
            }
            if (last < 0) {
                continue;
            }
            Delta any = day.getValue().get(0);
            Document update = new Document("$inc", inc).append("$min", new Document("first", first))
                    .append("$set", new Document("pos", last).append("day", any.recorded().toString())
                            .append("product", any.product()));
            // by _id alone (the embedded MongoDB used to scan, reading every day document whole, for a
            // filter of more than _id); the positions were read by _id just before
            writes.add(new com.mongodb.client.model.UpdateOneModel<>(Filters.eq("_id", day.getKey()), update,
                    new UpdateOptions().upsert(true)));
        }
        if (writes.isEmpty()) {
            return;
        }
        // one bulk write: one commit for the batch's days
        days().bulkWrite(writes, new com.mongodb.client.model.BulkWriteOptions().ordered(false));
    }

    /**
     * The facts, only if each is still at the position this batch read it at: otherwise another
     * instance took the segment over and went on, and this batch must not write older facts over
     * its (the batch fails, and is read again from the token). The embedded MongoDB answers a
     * filter of more than {@code _id} by scanning the collection, so the positions are checked by
     * one read by {@code _id} and the facts then written by {@code _id} alone, in one bulk write
     * (one commit); what could slip between the two is a takeover within milliseconds, where Axon's
     * claim on the segment already guards the batch.
     */
    private void writeFacts(java.util.Collection<Facts> changed, Map<String, Long> readAt) {
        Map<String, Long> now = new HashMap<>();
        List<String> ids = changed.stream().map(f -> f.id).toList();
        for (Document stored : factsCollection().find(Filters.in("_id", ids)).projection(new Document("pos", 1))) {
            now.put(stored.getString("_id"), ((Number) stored.get("pos")).longValue());
        }
        List<com.mongodb.client.model.WriteModel<Document>> writes = new ArrayList<>();
        for (Facts facts : changed) {
            if (!java.util.Objects.equals(now.get(facts.id), readAt.get(facts.id))) {
                throw new IllegalStateException("analytics facts of " + facts.id + " moved while this batch ran: "
                        + "another instance took its segment over");
            }
            writes.add(new com.mongodb.client.model.ReplaceOneModel<>(Filters.eq("_id", facts.id), facts.toDocument(),
                    new ReplaceOptions().upsert(true)));
        }
        factsCollection().bulkWrite(writes, new com.mongodb.client.model.BulkWriteOptions().ordered(false));
    }

    /** The aggregate a stored event will ask the facts of: its own, for the events the fold takes in. */
    private static String aggregateFolded(DomainEventMessage<?> event) {
        return AnalyticsFold.folds(event.getPayloadType()) ? event.getAggregateIdentifier() : null;
    }

    static String dayKey(Delta delta) {
        return delta.recorded() + "|" + delta.product();
    }

    private MongoCollection<Document> days() {
        return mongo.getCollection(DAYS);
    }

    private MongoCollection<Document> factsCollection() {
        return mongo.getCollection(FACTS);
    }

    @ResetHandler
    void reset() {
        mongo.dropCollection(DAYS);
        mongo.dropCollection(FACTS);
    }

    /**
     * A database whose figures are still kept a document per month (written before 2026-12-06)
     * has them folded again from zero: the month documents and the facts are dropped with the
     * processor's token, before the processors start (beans are made before Axon starts them), so
     * it reads the store from the first event.
     */
    @jakarta.annotation.PostConstruct
    void replaceMonthDocuments() {
        if (!mongo.collectionExists(MONTHS)) {
            return;
        }
        mongo.getCollection(TOKENS).deleteMany(Filters.eq("processorName", AxonConfiguration.ANALYTICS));
        mongo.dropCollection(DAYS);
        mongo.dropCollection(FACTS);
        mongo.dropCollection(MONTHS); // last: a crash before it does all this again at the next start
    }
}
