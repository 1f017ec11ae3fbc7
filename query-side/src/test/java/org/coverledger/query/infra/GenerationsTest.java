package org.coverledger.query.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import com.mongodb.WriteConcern;
import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.Segment;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.bson.Document;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.SimpleMongoClientDatabaseFactory;

/** The generations of the read models, as the query side's code sees its database through them. */
class GenerationsTest {

    private final ProjectionTestMongo server = new ProjectionTestMongo();
    private final MongoDatabase raw = server.template().getDb();
    private final Generations generations = new Generations(raw);

    @AfterEach
    void stop() {
        server.close();
    }

    private MongoTemplate resolving() {
        com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create(server.connectionString());
        return new MongoTemplate(Generations.wrap(new SimpleMongoClientDatabaseFactory(client, raw.getName()),
                () -> generations));
    }

    @Test
    void a_projections_collections_resolve_to_the_generation_in_force_and_others_keep_their_names() {
        MongoTemplate mongo = resolving();
        mongo.getCollection("policy_views").insertOne(new Document("_id", "in generation 0"));
        raw.getCollection(Generations.COLLECTION).insertOne(new Document("_id", "policies").append("live", 3));
        generations.refresh();

        mongo.getCollection("policy_views").insertOne(new Document("_id", "in generation 3"));
        mongo.getCollection("trackingtokens").insertOne(new Document("_id", "never renamed"));
        assertThat(raw.getCollection("policy_views__g3").countDocuments()).isEqualTo(1);
        assertThat(raw.getCollection("policy_views").countDocuments()).isEqualTo(1);
        assertThat(raw.getCollection("trackingtokens").countDocuments()).isEqualTo(1);
        // a database derived from it (as Spring derives one with a write concern) resolves too
        assertThat(mongo.getDb().withWriteConcern(WriteConcern.MAJORITY).getCollection("policy_views")
                .getNamespace().getCollectionName()).isEqualTo("policy_views__g3");
        // a template's class-mapped and named collections and drops go the same way
        mongo.dropCollection("policy_views");
        assertThat(raw.listCollectionNames().into(new ArrayList<>())).contains("policy_views")
                .doesNotContain("policy_views__g3");

        // a rebuild's thread: its own generation of its own projection, the live one of the others
        int built = generations.in("policies", 4, () -> {
            mongo.getCollection("quote_views").insertOne(new Document("_id", "in generation 4"));
            return generations.current("claims");
        });
        assertThat(built).isZero();
        assertThat(raw.getCollection("quote_views__g4").countDocuments()).isEqualTo(1);
        assertThat(generations.current("policies")).isEqualTo(3);
    }

    @Test
    void a_batch_reads_the_generations_at_its_start_and_a_recent_cut_over_is_told() {
        assertThat(generations.current("audit")).isZero();
        raw.getCollection(Generations.COLLECTION).insertOne(new Document("_id", "audit").append("live", 2)
                .append("cutAt", new Date()));
        generations.bindFresh();
        try {
            assertThat(generations.current("audit")).isEqualTo(2);
            assertThat(generations.cutOverLately()).isTrue();
        } finally {
            generations.unbindBatch();
        }
        raw.getCollection(Generations.COLLECTION).updateOne(new Document("_id", "audit"),
                new Document("$set", new Document("cutAt", new Date(System.currentTimeMillis() - 120_000))));
        generations.refresh();
        assertThat(generations.cutOverLately()).isFalse();
    }

    @Test
    void a_batch_is_refused_when_the_segment_of_its_sequence_is_not_claimed_by_this_instance() {
        List<Document> tokens = new ArrayList<>();
        for (int segment = 0; segment < 4; segment++) {
            tokens.add(new Document("processorName", "policies").append("segment", segment)
                    .append("owner", segment == 2 ? "~cut-over" : "me"));
        }
        raw.getCollection("trackingtokens").insertMany(tokens);
        Segment[] segments = Segment.computeSegments(0, 1, 2, 3);
        int checked = 0;
        for (int i = 0; i < 200; i++) {
            String aggregate = "policy-" + i;
            int of = -1;
            for (Segment segment : segments) {
                if (segment.matches(java.util.Objects.hashCode(aggregate))) {
                    of = segment.getSegmentId();
                }
            }
            if (of == 2) {
                assertThatThrownBy(() -> generations.checkClaimed("policies", "me", aggregate))
                        .isInstanceOf(UnableToClaimTokenException.class).hasMessageContaining("Segment 2");
                checked++;
            } else {
                generations.checkClaimed("policies", "me", aggregate);
            }
        }
        assertThat(checked).as("some sequences fall in the fenced segment").isPositive();
    }
}
