package org.coverledger.query.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Update;

/**
 * Sets of ids kept per key, one document per key ({@code {_id: key, <field>: [ids]}}), so that a
 * read model's "everything of this key" is a look-up by {@code _id}, then by the ids' {@code _id}s:
 * the embedded MongoDB scanned for any filter but {@code _id} when this was written (it now
 * keeps non-unique indexes too), and a look-up by {@code _id} is still the cheapest read on any
 * MongoDB. A projection adds to a set with its
 * batch (a set: a redelivery adds nothing). A read model recorded before its sets existed is
 * indexed once, in the background; until then {@link #of} answers empty and the caller scans.
 * The note that it was done lies among the sets themselves, so a collection dropped or not
 * restored is indexed again.
 */
public final class IdSets {

    private static final int BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(IdSets.class);

    private final MongoTemplate mongo;
    private final Class<?> mapped;
    private final String collection;
    private final String field;
    private final String done;
    private final List<String[]> keys;
    /** The collections (one per generation of the read model) whose sets are complete. */
    private final java.util.Set<String> completeIn = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, Long> askedAt = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Sets in the collection {@code mapped} is mapped to, the ids in {@code field}, kept for the
     * keys given as pairs of a prefix and the field of the indexed document that holds the key
     * ({@code "aggregateId:", "aggregateId"}). The note of an older read model indexed names the
     * keys, so adding a key indexes it again.
     */
    public IdSets(MongoTemplate mongo, Class<?> mapped, String field, List<String[]> keys) {
        this.mongo = mongo;
        this.mapped = mapped;
        this.collection = mongo.getCollectionName(mapped);
        this.field = field;
        this.keys = keys;
        this.done = "~indexed:" + String.join(",", keys.stream().map(key -> key[0] + key[1]).toList());
        if (sets().find(Filters.eq("_id", done)).first() != null) {
            completeIn.add(sets().getNamespace().getCollectionName());
        }
    }

    /** Adds the id to the key's set, with the batch's other writes. */
    public void add(String key, String id) {
        BatchedWrites.current(mongo).upsertById(mapped, key, new Update().addToSet(field, id));
    }

    /** The key's ids, or empty while the read model recorded before the sets has not been indexed yet. */
    public Optional<List<String>> of(String key) {
        if (!complete()) {
            return Optional.empty();
        }
        Document found = sets().find(Filters.eq("_id", key)).first();
        return Optional.of(found == null ? List.of() : found.getList(field, String.class, List.of()));
    }

    /** The documents of the type with these ids, by {@code _id}, a thousand ids a query. */
    public <T> List<T> byIds(Class<T> type, List<String> ids) {
        List<T> found = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += BATCH) {
            found.addAll(mongo.find(org.springframework.data.mongodb.core.query.Query.query(
                    org.springframework.data.mongodb.core.query.Criteria.where("_id")
                            .in(ids.subList(i, Math.min(ids.size(), i + BATCH)))), type));
        }
        return found;
    }

    /** Drops every set and counts them complete: a rebuild fills them with its read model from the first event. */
    public void reset() {
        mongo.dropCollection(collection);
        markComplete();
    }

    /** Indexes the documents of {@code source} by their keys, once, in the background. */
    public void indexOnce(String source) {
        if (complete()) {
            return;
        }
        Thread indexer = new Thread(() -> indexAll(source), collection + "-index");
        indexer.setDaemon(true);
        indexer.start();
    }

    /** Indexes the documents of {@code source} now: each one's {@code _id} into the set of each of its keys. */
    public void indexAll(String source) {
        try {
            long indexed = 0;
            List<UpdateOneModel<Document>> batch = new ArrayList<>(BATCH);
            List<String> fields = new ArrayList<>(List.of("_id"));
            keys.forEach(key -> fields.add(key[1]));
            for (Document document : mongo.getCollection(source).find().projection(Projections.include(fields))
                    .batchSize(BATCH)) {
                for (String[] key : keys) {
                    String value = document.getString(key[1]);
                    if (value != null) {
                        batch.add(new UpdateOneModel<>(Filters.eq("_id", key[0] + value),
                                Updates.addToSet(field, document.getString("_id")), new UpdateOptions().upsert(true)));
                    }
                }
                if (batch.size() >= BATCH) {
                    sets().bulkWrite(batch);
                    indexed += batch.size();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                sets().bulkWrite(batch);
                indexed += batch.size();
            }
            markComplete();
            log.info("Indexed {} keys of {} into {}", indexed, source, collection);
        } catch (RuntimeException e) {
            log.warn("{} could not be indexed into {} ({}); reads scan until the next start", source, collection,
                    e.getMessage());
        }
    }

    private void markComplete() {
        MongoCollection<Document> sets = sets();
        sets.updateOne(Filters.eq("_id", done), Updates.set("at", new java.util.Date()), new UpdateOptions().upsert(true));
        completeIn.add(sets.getNamespace().getCollectionName());
    }

    /**
     * Whether the sets of the generation in force on this thread are complete (a rebuild's new
     * generation is from its reset; the live one once an older read model has been indexed).
     */
    private boolean complete() {
        MongoCollection<Document> sets = sets();
        String name = sets.getNamespace().getCollectionName();
        if (completeIn.contains(name)) {
            return true;
        }
        // a generation made complete elsewhere (a rebuild on another instance): asked again at most every 5 s
        Long asked = askedAt.get(name);
        if (asked == null || System.nanoTime() - asked > 5_000_000_000L) {
            askedAt.put(name, System.nanoTime());
            if (sets.find(Filters.eq("_id", done)).first() != null) {
                completeIn.add(name);
                return true;
            }
        }
        return false;
    }

    private MongoCollection<Document> sets() {
        return mongo.getCollection(collection);
    }
}
