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
 * before 95.00, every number before every text. Converted once, in the background at start. A
 * view's amounts are replaced only while they are still the text that was read, so a projection
 * writing the view meanwhile wins, and a second instance doing the same changes nothing twice.
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

    /** Converts every view's amounts stored as text; returns how many views were converted. */
    long convert() {
        MongoCollection<Document> views = mongo.getCollection(mongo.getCollectionName(PolicyView.class));
        List<Bson> asText = AMOUNTS.stream().map(field -> Filters.type(field, "string")).toList();
        List<String> fields = new ArrayList<>(AMOUNTS);
        fields.add("_id");
        List<UpdateOneModel<Document>> batch = new ArrayList<>(BATCH);
        long converted = 0;
        for (Document view : views.find(Filters.or(asText)).projection(Projections.include(fields)).batchSize(BATCH)) {
            batch.add(conversion(view));
            if (batch.size() == BATCH) {
                converted += views.bulkWrite(batch).getModifiedCount();
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            converted += views.bulkWrite(batch).getModifiedCount();
        }
        notes().updateOne(Filters.eq("_id", DONE), Updates.set("at", new java.util.Date()), new UpdateOptions().upsert(true));
        if (converted > 0) {
            log.info("Converted the amounts of {} policy views from text to decimal numbers", converted);
        }
        return converted;
    }

    /** The update that converts the view's text amounts, as read, if they are still that text. */
    static UpdateOneModel<Document> conversion(Document view) {
        List<Bson> unchanged = new ArrayList<>(List.of(Filters.eq("_id", view.get("_id"))));
        List<Bson> sets = new ArrayList<>();
        for (String field : AMOUNTS) {
            if (view.get(field) instanceof String text) {
                unchanged.add(Filters.eq(field, text));
                sets.add(Updates.set(field, new Decimal128(new BigDecimal(text))));
            }
        }
        return new UpdateOneModel<>(Filters.and(unchanged), Updates.combine(sets));
    }

    private MongoCollection<Document> notes() {
        return mongo.getCollection(mongo.getCollectionName(PolicyHolders.PolicyHolder.class));
    }
}
