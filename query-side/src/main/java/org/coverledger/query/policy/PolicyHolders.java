package org.coverledger.query.policy;

import static org.springframework.data.mongodb.core.query.Criteria.where;

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
import org.coverledger.query.infra.BatchedWrites;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;
import org.springframework.stereotype.Component;

/**
 * Each policyholder's policy ids ({@value #COLLECTION}, one document per holder), kept by the
 * policy projection with its views, so that a customer's own list reads their views by
 * {@code _id} instead of scanning every view: the embedded MongoDB scans for any filter but
 * {@code _id}, which at 10^5 events took 1.6 s per list under load (ops/BENCHMARKS.md). Views
 * recorded before this existed are indexed once, in the background, at start; the list scans
 * until then.
 */
@Component
public class PolicyHolders {

    static final String COLLECTION = "policy_holders";
    private static final String DONE = "~indexed";
    private static final int BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(PolicyHolders.class);

    private final MongoTemplate mongo;
    private volatile boolean complete;

    /** The mapped form of a holder's document, for batched writes. */
    @org.springframework.data.mongodb.core.mapping.Document(COLLECTION)
    record PolicyHolder(@org.springframework.data.annotation.Id String holder, List<String> policyIds) {
    }

    public PolicyHolders(MongoTemplate mongo) {
        this.mongo = mongo;
        this.complete = holders().find(Filters.eq("_id", DONE)).first() != null;
    }

    /** Adds the policy to its holder's document, with the batch's other writes (a set: a redelivery adds nothing). */
    void record(String holder, String policyId) {
        if (holder != null) {
            BatchedWrites.current(mongo).upsertById(PolicyHolder.class, holder, new Update().addToSet("policyIds", policyId));
        }
    }

    /** The holder's policy ids, or empty while views recorded before the index have not been indexed yet. */
    Optional<List<String>> policiesOf(String holder) {
        if (!complete) {
            return Optional.empty();
        }
        Document found = holders().find(Filters.eq("_id", holder)).first();
        return Optional.of(found == null ? List.of() : found.getList("policyIds", String.class, List.of()));
    }

    /** The views with these ids, by {@code _id}. */
    List<PolicyView> views(List<String> ids) {
        List<PolicyView> found = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += BATCH) {
            found.addAll(mongo.find(Query.query(where("_id").in(ids.subList(i, Math.min(ids.size(), i + BATCH)))),
                    PolicyView.class));
        }
        return found;
    }

    /** After a rebuild's reset: the index is rebuilt with the views, so it is complete from the first event on. */
    void reset() {
        mongo.dropCollection(COLLECTION);
        markComplete();
    }

    @EventListener(ApplicationReadyEvent.class)
    public void indexOlderViews() {
        if (complete) {
            return;
        }
        Thread indexer = new Thread(this::indexAll, "policy-holders-index");
        indexer.setDaemon(true);
        indexer.start();
    }

    void indexAll() {
        try {
            long indexed = 0;
            List<UpdateOneModel<Document>> batch = new ArrayList<>(BATCH);
            for (Document view : mongo.getCollection(mongo.getCollectionName(PolicyView.class)).find()
                    .projection(Projections.include("_id", "policyholder")).batchSize(BATCH)) {
                String holder = view.getString("policyholder");
                if (holder == null) {
                    continue;
                }
                batch.add(new UpdateOneModel<>(Filters.eq("_id", holder), Updates.addToSet("policyIds", view.getString("_id")),
                        new UpdateOptions().upsert(true)));
                if (batch.size() == BATCH) {
                    holders().bulkWrite(batch);
                    indexed += batch.size();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                holders().bulkWrite(batch);
                indexed += batch.size();
            }
            markComplete();
            log.info("Indexed {} policies by holder", indexed);
        } catch (RuntimeException e) {
            log.warn("The policies could not be indexed by holder ({}); customers' lists scan until the next start",
                    e.getMessage());
        }
    }

    private void markComplete() {
        holders().updateOne(Filters.eq("_id", DONE), Updates.set("at", new java.util.Date()), new UpdateOptions().upsert(true));
        complete = true;
    }

    private MongoCollection<Document> holders() {
        return mongo.getCollection(COLLECTION);
    }
}
