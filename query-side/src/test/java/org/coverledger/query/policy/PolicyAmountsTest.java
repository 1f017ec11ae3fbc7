package org.coverledger.query.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.Role;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.mongodb.core.MongoTemplate;

/**
 * Views an older version wrote with their amounts as text are converted to decimal numbers once:
 * the same values, the list then sorted as numbers, nothing converted twice, and a view whose
 * amount a projection wrote after it was read keeps the projection's.
 */
class PolicyAmountsTest {

    private final ProjectionTestMongo server = new ProjectionTestMongo();
    private final MongoTemplate mongo = server.template();

    @AfterEach
    void stop() {
        server.close();
    }

    private MongoCollection<Document> views() {
        return mongo.getCollection(mongo.getCollectionName(PolicyView.class));
    }

    @Test
    void views_with_amounts_as_text_are_converted_once_and_then_sort_as_numbers() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        PolicyProjection projection = new PolicyProjection(mongo);
        String[] premiums = {"95.00", "1000.00", "120.50", "9.90"};
        for (int i = 0; i < premiums.length; i++) {
            projection.on(new PolicyIssued("pol-" + i, String.format("PN20261206%010X", i), "acc-a", "acc-a",
                    Product.HEALTH, new Money(new BigDecimal((i + 1) + "0000.00"), "CNY"),
                    new Money(new BigDecimal(premiums[i]), "CNY"), LocalDate.parse("2027-01-01"),
                    LocalDate.parse("2027-12-31"), null, null, null, null, null, null), 0,
                    Instant.parse("2026-12-01T00:00:00Z").plusSeconds(i));
        }
        // as the older version stored them: text (all but pol-3, written since)
        for (int i = 0; i < 3; i++) {
            views().updateOne(new Document("_id", "pol-" + i), new Document("$set", new Document("premium", premiums[i])
                    .append("sumInsured", (i + 1) + "0000.00").append("issuedSumInsured", (i + 1) + "0000.00")));
        }
        PolicyAmounts amounts = new PolicyAmounts(mongo);
        assertThat(amounts.convert()).as("three amounts of three views").isEqualTo(9);
        for (int i = 0; i < premiums.length; i++) {
            Document view = views().find(new Document("_id", "pol-" + i)).first();
            assertThat(view.get("premium")).isEqualTo(new Decimal128(new BigDecimal(premiums[i])));
            assertThat(view.get("sumInsured")).isEqualTo(new Decimal128(new BigDecimal((i + 1) + "0000.00")));
            assertThat(view.get("issuedSumInsured")).isEqualTo(view.get("sumInsured"));
            assertThat(view.get("lastSequence")).as("nothing else changed").isEqualTo(0L);
        }
        Caller staff = new Caller("uma", java.util.Set.of(Role.UNDERWRITER));
        List<String> sorted = new PolicyQueryController(mongo, null, "Asia/Shanghai", Clock.systemUTC(), null,
                new PolicyHolders(mongo)).list(null, null, null, null, null, null, null, null, null, "-premium", 0, 10,
                staff).items().stream().map(p -> p.premium().toPlainString()).toList();
        assertThat(sorted).containsExactly("1000.00", "120.50", "95.00", "9.90");
        assertThat(amounts.convert()).as("nothing left").isZero();
        assertThat(mongo.getCollection(PolicyHolders.COLLECTION).find(new Document("_id", PolicyAmounts.DONE)).first())
                .as("the note that it was done").isNotNull();
    }

    @Test
    void an_amount_written_after_it_was_read_is_kept_and_the_others_converted() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        MongoCollection<Document> views = views();
        views.insertOne(new Document("_id", "pol-9").append("premium", "100.00").append("sumInsured", "5000.00"));
        Document read = views.find(new Document("_id", "pol-9")).first();
        // the projection writes the premium between the conversion's read and its write
        views.updateOne(new Document("_id", "pol-9"), new Document("$set",
                new Document("premium", new Decimal128(new BigDecimal("150.00")))));
        views.bulkWrite(PolicyAmounts.conversions(read));
        Document view = views.find(new Document("_id", "pol-9")).first();
        assertThat(view.get("premium")).as("the projection's").isEqualTo(new Decimal128(new BigDecimal("150.00")));
        assertThat(view.get("sumInsured")).as("converted all the same")
                .isEqualTo(new Decimal128(new BigDecimal("5000.00")));
    }

    @Test
    void the_note_is_written_only_once_nothing_is_left() throws Exception {
        ProjectionTestMongo.batchedWritesAsNew();
        MongoCollection<Document> views = views();
        views.insertOne(new Document("_id", "pol-8").append("premium", "100.00"));
        MongoCollection<Document> notes = mongo.getCollection(PolicyHolders.COLLECTION);
        // a projection of an older instance writes text again while the first pass writes
        MongoTemplate racing = new MongoTemplate(mongo.getMongoDatabaseFactory()) {
            @Override
            @SuppressWarnings("unchecked")
            public MongoCollection<Document> getCollection(String name) {
                MongoCollection<Document> collection = super.getCollection(name);
                boolean[] raced = {false};
                return (MongoCollection<Document>) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                        new Class<?>[] {MongoCollection.class}, (proxy, method, args) -> {
                            if (method.getName().equals("bulkWrite") && !raced[0]) {
                                raced[0] = true;
                                collection.insertOne(new Document("_id", "pol-7").append("sumInsured", "7.00"));
                            }
                            try {
                                return method.invoke(collection, args);
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
        assertThat(new PolicyAmounts(racing).convert()).isEqualTo(2);
        assertThat(views.countDocuments(new Document("$or", List.of(new Document("premium", new Document("$type", "string")),
                new Document("sumInsured", new Document("$type", "string")))))).isZero();
        assertThat(notes.find(new Document("_id", PolicyAmounts.DONE)).first()).isNotNull();
    }
}
