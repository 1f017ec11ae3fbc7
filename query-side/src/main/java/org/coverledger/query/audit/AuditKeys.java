package org.coverledger.query.audit;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.query.infra.BatchedWrites;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.mapping.Field;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/**
 * The audit entries of each aggregate, kept as one document per aggregate ({@value #COLLECTION}:
 * {@code _id} "aggregateId:<id>", the entries' ids), so that "the history of this object", the
 * question compliance asks most, is a look-up by {@code _id} and then by the entries' {@code _id}s:
 * the embedded MongoDB ignores the trail's other indexes and scans the whole trail for a filter,
 * which at 10^5 entries took seconds per read and stalled every other request behind it
 * (ops/BENCHMARKS.md, load benchmark). Written with the entries (added to a set, so a redelivery
 * changes nothing); a trail recorded before this existed is indexed once, in the background, at
 * start, and read by scanning until then.
 */
@Component
public class AuditKeys {

    static final String COLLECTION = "audit_keys";
    /** The note, among the key documents themselves, that the trail recorded before them has been indexed. */
    private static final String DONE = "~indexed";
    private static final int BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(AuditKeys.class);

    private final MongoTemplate mongo;
    private volatile boolean complete;

    /** The mapped form of a key document, for batched writes. */
    @org.springframework.data.mongodb.core.mapping.Document(COLLECTION)
    record AuditKey(@org.springframework.data.annotation.Id String id, @Field("ids") List<String> ids) {
    }

    public AuditKeys(MongoTemplate mongo) {
        this.mongo = mongo;
        this.complete = keys().find(Filters.eq("_id", DONE)).first() != null;
    }

    static String aggregateKey(String aggregateId) {
        return "aggregateId:" + aggregateId;
    }

    /** Adds the entry to its aggregate's document, with the batch's other writes. */
    void record(AuditEntry entry) {
        if (entry.aggregateId() != null) {
            BatchedWrites.current(mongo).upsertById(AuditKey.class, aggregateKey(entry.aggregateId()),
                    new Update().addToSet("ids", entry.eventId()));
        }
    }

    /**
     * The ids of the aggregate's entries, or empty while a trail recorded before the key documents
     * existed has not been indexed yet (the caller scans then).
     */
    Optional<List<String>> entriesOf(String aggregateId) {
        if (!complete) {
            return Optional.empty();
        }
        Document key = keys().find(Filters.eq("_id", aggregateKey(aggregateId))).first();
        return Optional.of(key == null ? List.of() : key.getList("ids", String.class, List.of()));
    }

    /** The entries with these ids (a look-up by {@code _id}), in the trail's order. */
    List<AuditEntry> entries(List<String> ids) {
        List<AuditEntry> found = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += BATCH) {
            found.addAll(mongo.find(Query.query(where("_id").in(ids.subList(i, Math.min(ids.size(), i + BATCH)))),
                    AuditEntry.class));
        }
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
        if (complete) {
            return;
        }
        Thread indexer = new Thread(this::indexAll, "audit-keys-index");
        indexer.setDaemon(true);
        indexer.start();
    }

    void indexAll() {
        try {
            long indexed = 0;
            List<UpdateOneModel<Document>> batch = new ArrayList<>(BATCH);
            for (Document entry : mongo.getCollection(mongo.getCollectionName(AuditEntry.class)).find()
                    .projection(Projections.include("_id", "aggregateId")).batchSize(BATCH)) {
                String aggregateId = entry.getString("aggregateId");
                if (aggregateId == null) {
                    continue;
                }
                batch.add(new UpdateOneModel<>(Filters.eq("_id", aggregateKey(aggregateId)),
                        Updates.addToSet("ids", entry.getString("_id")), new UpdateOptions().upsert(true)));
                if (batch.size() == BATCH) {
                    keys().bulkWrite(batch);
                    indexed += batch.size();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                keys().bulkWrite(batch);
                indexed += batch.size();
            }
            keys().updateOne(Filters.eq("_id", DONE), Updates.set("at", new java.util.Date()), new UpdateOptions().upsert(true));
            complete = true;
            log.info("Indexed {} audit entries by aggregate", indexed);
        } catch (RuntimeException e) {
            log.warn("The audit entries could not be indexed by aggregate ({}); reads by aggregate scan until the next "
                    + "start", e.getMessage());
        }
    }

    private MongoCollection<Document> keys() {
        return mongo.getCollection(COLLECTION);
    }
}
