package org.coverledger.query.policy;

import java.util.List;
import java.util.Optional;

import org.coverledger.query.infra.IdSets;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Each policyholder's policy ids ({@value #COLLECTION}, one document per holder), kept by the
 * policy projection with its views, so that a customer's own list reads their views by
 * {@code _id} instead of scanning every view: the embedded MongoDB scanned for any filter but
 * {@code _id} when this was written, which at 10^5 events took 1.6 s per list under load
 * (ops/BENCHMARKS.md); it now keeps non-unique indexes too, and a look-up by {@code _id} is
 * still the cheapest read on any MongoDB. Views
 * recorded before this existed are indexed once, in the background, at start; the list scans
 * until then.
 */
@Component
public class PolicyHolders {

    static final String COLLECTION = "policy_holders";
    /** Keys are prefixed, so that no login can meet the note that older views were indexed. */
    private static final String HOLDER = "holder:";

    private final MongoTemplate mongo;
    private final IdSets sets;

    /** The mapped form of a holder's document, for batched writes. */
    @org.springframework.data.mongodb.core.mapping.Document(COLLECTION)
    record PolicyHolder(@org.springframework.data.annotation.Id String holder, List<String> policyIds) {
    }

    public PolicyHolders(MongoTemplate mongo) {
        this.mongo = mongo;
        this.sets = new IdSets(mongo, PolicyHolder.class, "policyIds", List.<String[]>of(new String[] {HOLDER, "policyholder"}));
    }

    /** Adds the policy to its holder's document, with the batch's other writes (a set: a redelivery adds nothing). */
    void record(String holder, String policyId) {
        if (holder != null) {
            sets.add(HOLDER + holder, policyId);
        }
    }

    /** The holder's policy ids, or empty while views recorded before the index have not been indexed yet. */
    Optional<List<String>> policiesOf(String holder) {
        return sets.of(HOLDER + holder);
    }

    /** The views with these ids, by {@code _id}. */
    List<PolicyView> views(List<String> ids) {
        return sets.byIds(PolicyView.class, ids);
    }

    /** After a rebuild's reset: the index is rebuilt with the views, so it is complete from the first event on. */
    void reset() {
        sets.reset();
    }

    @EventListener(ApplicationReadyEvent.class)
    public void indexOlderViews() {
        sets.indexOnce(mongo.getCollectionName(PolicyView.class));
    }

    void indexAll() {
        sets.indexAll(mongo.getCollectionName(PolicyView.class));
    }
}
