package org.coverledger.query.policy;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.Decimal128;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Policy views written before the sum insured and premium were stored as decimal numbers hold
 * them as text (Spring Data's default for {@link BigDecimal}), and the list sorted text: 1000.00
 * before 95.00, every number before every text. Converted once, in the background at start. An
 * amount is replaced only while it is still the text that was read, so a projection writing it
 * meanwhile wins, and a second instance doing the same changes nothing twice. The note is
 * written only after a pass finds nothing left. An older version run again after it (a
 * rollback) writes text again, which this does not see: rebuild the policies then (README).
 * The note that it was done lies in the same generation's {@value PolicyHolders#COLLECTION}
 * (keys there are prefixed, so no holder meets it); a rebuilt generation is written in decimals
 * from its first event, and its first start after the rebuild finds nothing to convert.
 */
@Component
public class PolicyAmounts {

    static final String DONE = "~amounts:decimal128";
    private static final List<String> AMOUNTS = List.of("sumInsured", "premium", "issuedSumInsured");
    private static final int BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(PolicyAmounts.class);

    private final MongoTemplate mongo;

    public PolicyAmounts(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void convertOlderViews() {
        if (notes().find(Filters.eq("_id", DONE)).first() != null) {
            return;
        }
        Thread converter = new Thread(() -> {
            try {
                convert();
            } catch (RuntimeException e) {
                log.warn("Policy amounts stored as text could not all be converted ({}); tried again at the next start",
                        e.getMessage());
            }
        }, "policy-amounts");
        converter.setDaemon(true);
        converter.start();
    }

    /**
     * Converts every amount stored as text, pass after pass until a pass finds none (an amount a
     * projection wrote meanwhile is left to it), then notes that it was done; returns how many
     * amounts were converted. Both collections are those of the generation live when it began.
     */
    long convert() {
        MongoCollection<Document> views = mongo.getCollection(mongo.getCollectionName(PolicyView.class));
        MongoCollection<Document> notes = notes();
        List<Bson> asText = AMOUNTS.stream().map(field -> Filters.type(field, "string")).toList();
        List<String> fields = new ArrayList<>(AMOUNTS);
        fields.add("_id");
        long converted = 0;
        for (int pass = 1; ; pass++) {
            List<UpdateOneModel<Document>> batch = new ArrayList<>(BATCH);
            long found = 0;
            for (Document view : views.find(Filters.or(asText)).projection(Projections.include(fields)).batchSize(BATCH)) {
                List<UpdateOneModel<Document>> updates = conversions(view);
                found += updates.size();
                batch.addAll(updates);
                if (batch.size() >= BATCH) {
                    converted += views.bulkWrite(batch).getModifiedCount();
                    batch.clear();
                }
            }
            if (!batch.isEmpty()) {
                converted += views.bulkWrite(batch).getModifiedCount();
            }
            if (found == 0) {
                break;
            }
            if (pass == 10) {
                throw new IllegalStateException("policy amounts still stored as text after 10 passes");
            }
        }
        notes.updateOne(Filters.eq("_id", DONE), Updates.set("at", new java.util.Date()), new UpdateOptions().upsert(true));
        if (converted > 0) {
            log.info("Converted {} policy amounts from text to decimal numbers", converted);
        }
        return converted;
    }

    /**
     * The updates that convert the view's text amounts as read, one per amount, each only while
     * that amount is still the text read: a projection's write of one amount in between leaves
     * the others to be converted.
     */
    static List<UpdateOneModel<Document>> conversions(Document view) {
        List<UpdateOneModel<Document>> updates = new ArrayList<>();
        for (String field : AMOUNTS) {
            if (view.get(field) instanceof String text) {
                updates.add(new UpdateOneModel<>(Filters.and(Filters.eq("_id", view.get("_id")), Filters.eq(field, text)),
                        Updates.set(field, new Decimal128(new BigDecimal(text)))));
            }
        }
        return updates;
    }

    private MongoCollection<Document> notes() {
        return mongo.getCollection(mongo.getCollectionName(PolicyHolders.PolicyHolder.class));
    }
}
