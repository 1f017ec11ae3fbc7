package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Date;
import java.util.List;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.bson.Document;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.RequestedItem;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Events stored by an older version are read through the upcasters, by aggregates and by processors alike. */
class UpcastingTest {

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase database;

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        database = client.getDatabase("upcasting-test");
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void materials_requested_revision_1_reads_as_revision_2() {
        SubjectKeys keys = new SubjectKeys(database, SubjectKeys.randomMasterKey());
        // exactly what revision 1 stored (the requester under "adjuster"), in the store's first format
        String revision1 = """
                {"claimId":"clm-1","items":["invoice"],"note":"please","adjuster":"adam",\
                "requestedAt":"2026-03-10T02:00:00Z"}""";
        database.getCollection(MongoCommitLogEngine.COMMITS).insertOne(new Document("_id", 0L).append("last", 0L)
                .append("ts", Date.from(Instant.parse("2026-03-10T02:00:00Z")))
                .append("aggregateId", "clm-1").append("aggregateType", "Claim").append("firstSeq", 1L)
                .append("lastSeq", 1L)
                .append("events", List.of(new Document("id", "evt-1")
                        .append("ts", Date.from(Instant.parse("2026-03-10T02:00:00Z"))).append("tsNanos", 0)
                        .append("seq", 1L)
                        .append("payloadType", MaterialsRequested.class.getName()).append("revision", "1")
                        .append("payload", revision1).append("metaData", "{\"actor\":\"adam\"}"))));
        MongoCommitLogEngine engine = MongoEventStore.engine(database, keys, Duration.ofSeconds(1));

        List<? extends DomainEventMessage<?>> loaded = engine.readEvents("clm-1", 1).asStream().toList();
        assertThat(loaded).singleElement().extracting(DomainEventMessage::getPayload)
                .isEqualTo(new MaterialsRequested("clm-1", null,
                        List.of(new RequestedItem(MaterialCategory.OTHER, "invoice")), "please", "adam",
                        Instant.parse("2026-03-10T02:00:00Z"), null));

        // an event older than its data subject is copied (audit trail, dead letters) without its personal data
        String copied = EventSerialization.serializer(keys).serialize(loaded.get(0).getPayload(), String.class).getData();
        assertThat(copied).contains("\"note\":\"[withheld]\"").doesNotContain("please");

        List<? extends TrackedEventMessage<?>> tracked = engine.readEvents(null, false).toList();
        assertThat(((MaterialsRequested) tracked.get(0).getPayload()).requestedBy()).isEqualTo("adam");
        assertThat(tracked.get(0).getMetaData()).containsEntry("actor", "adam");
    }

    @Test
    void policy_issued_revision_1_from_before_quotes_reads_as_revision_2_with_no_plan_quote_or_terms() {
        SubjectKeys keys = new SubjectKeys(database, SubjectKeys.randomMasterKey());
        // what revision 1 stored: a policy issued from a request that named its own premium
        String revision1 = """
                {"policyId":"pol-1","policyNumber":"PN1","accountId":"acc-1","policyholder":"alice","product":"HEALTH",\
                "sumInsured":{"amount":"500000.00","currency":"CNY"},"premium":{"amount":"1200.00","currency":"CNY"},\
                "startDate":"2026-01-01","endDate":"2046-12-31"}""";
        database.getCollection(MongoCommitLogEngine.COMMITS).insertOne(new Document("_id", 0L).append("last", 0L)
                .append("ts", Date.from(Instant.parse("2026-03-10T02:00:00Z")))
                .append("aggregateId", "pol-1").append("aggregateType", "Policy").append("firstSeq", 0L)
                .append("lastSeq", 0L)
                .append("events", List.of(new Document("id", "evt-1")
                        .append("ts", Date.from(Instant.parse("2026-03-10T02:00:00Z"))).append("tsNanos", 0)
                        .append("seq", 0L)
                        .append("payloadType", PolicyIssued.class.getName()).append("revision", "1")
                        .append("payload", revision1).append("metaData", "{\"actor\":\"alice\"}"))));
        MongoCommitLogEngine engine = MongoEventStore.engine(database, keys, Duration.ofSeconds(1));

        assertThat(engine.readEvents("pol-1", 0).asStream().toList()).singleElement()
                .extracting(DomainEventMessage::getPayload)
                .isEqualTo(new PolicyIssued("pol-1", "PN1", "acc-1", "alice", Product.HEALTH, Money.cny("500000.00"),
                        Money.cny("1200.00"), LocalDate.parse("2026-01-01"), LocalDate.parse("2046-12-31"), null, null,
                        null, null, null, null));
    }
}
