package org.coverledger.query.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.ReplayStatus;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Given an event, one audit entry with who, from where and the payload sealed as stored; a
 * redelivery adds nothing and is counted; after an erasure the sealed payload opens as erased.
 */
class AuditTrailProjectionTest {

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final SubjectKeys keys = new SubjectKeys(mongo.template().getDb(), SubjectKeys.randomMasterKey());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AuditTrailProjection projection = new AuditTrailProjection(mongo.template(), meters, keys);

    @AfterEach
    void stop() {
        mongo.close();
    }

    private static GenericDomainEventMessage<AccountRegistered> registered() {
        return new GenericDomainEventMessage<>("Account", "acc-1", 0, new AccountRegistered("acc-1", "acc-1",
                "Wang Fang", "110105198807150026", "13912340000", "wang.fang@example.com"),
                MetaData.with(CommandMetadata.ACTOR, "acc-1").and(CommandMetadata.REQUEST_ID, "req-7")
                        .and(CommandMetadata.CLIENT_IP, "203.0.113.9"));
    }

    @Test
    void one_entry_per_event_with_the_personal_data_sealed_and_a_redelivery_adds_nothing() {
        GenericDomainEventMessage<AccountRegistered> event = registered();
        projection.on(event, ReplayStatus.REGULAR);
        projection.on(event, ReplayStatus.REGULAR);

        assertThat(mongo.template().findAll(AuditEntry.class)).hasSize(1);
        AuditEntry entry = mongo.template().findById(event.getIdentifier(), AuditEntry.class);
        assertThat(entry.eventType()).isEqualTo("AccountRegistered");
        assertThat(entry.aggregateId()).isEqualTo("acc-1");
        assertThat(entry.requestId()).isEqualTo("req-7");
        assertThat(entry.clientIp()).isEqualTo("203.0.113.9");
        Map<String, Object> payload = entry.payload();
        assertThat(payload.get("name").toString()).as("sealed as stored").startsWith("pd1:acc-1:").doesNotContain("Wang");
        assertThat(keys.open(payload.get("name").toString())).isEqualTo("Wang Fang");
        assertThat(meters.get("coverledger.projection.redeliveries").counter().count()).isEqualTo(1);

        keys.erase("acc-1");
        assertThat(keys.open(payload.get("name").toString())).isEqualTo(SubjectKeys.ERASED);
    }

    @Test
    void an_entry_carries_its_events_global_position_and_entries_recorded_before_get_theirs_once_on_start() {
        GenericDomainEventMessage<AccountRegistered> event = registered();
        projection.on(new org.axonframework.eventhandling.GenericTrackedDomainEventMessage<>(
                new org.axonframework.eventhandling.GlobalSequenceTrackingToken(41), event), ReplayStatus.REGULAR);
        assertThat(mongo.template().findById(event.getIdentifier(), AuditEntry.class).position()).isEqualTo(41L);

        // an entry of an older version, without position, and the commit of its event (third of three)
        var trail = mongo.template().getCollection("audit_trail");
        trail.insertOne(new org.bson.Document("_id", "old-event").append("eventType", "AccountRegistered"));
        mongo.template().getCollection(org.coverledger.eventstore.MongoCommitLogEngine.COMMITS).insertOne(
                new org.bson.Document("_id", 7L).append("last", 9L).append("ids", java.util.List.of("a", "b", "old-event"))
                        .append("events", java.util.List.of(new org.bson.Document("id", "a"),
                                new org.bson.Document("id", "b"), new org.bson.Document("id", "old-event"))));
        new AuditPositions(mongo.template());
        assertThat(trail.find(new org.bson.Document("_id", "old-event")).first().getLong("position")).isEqualTo(9L);
        trail.updateOne(new org.bson.Document("_id", "old-event"), new org.bson.Document("$unset",
                new org.bson.Document("position", "")));
        new AuditPositions(mongo.template());
        assertThat(trail.find(new org.bson.Document("_id", "old-event")).first().get("position"))
                .as("done once, recorded in audit_meta").isNull();
    }

    @Test
    void an_event_read_from_the_store_is_recorded_with_the_very_ciphertexts_stored_so_a_rebuild_records_the_same() {
        org.coverledger.eventstore.MongoCommitLogEngine engine = org.coverledger.eventstore.MongoEventStore.engine(
                mongo.template().getDb(), keys, java.time.Duration.ofMillis(200));
        engine.appendEvents(registered());
        AuditTrailProjection fromStore = new AuditTrailProjection(mongo.template(), meters, keys, engine);
        org.bson.Document stored = mongo.template().getDb().getCollection("event_commits").find().first();
        String storedName = org.bson.Document.parse(stored.getList("events", org.bson.Document.class).get(0)
                .getString("payload")).getString("name");
        assertThat(storedName).startsWith("pd1:acc-1:");

        java.util.List<Map<String, Object>> recorded = new java.util.ArrayList<>();
        for (int read = 0; read < 2; read++) { // the live projection, then a rebuild
            try (var events = engine.readEvents(null, false)) {
                recorded.add(fromStore.entryOf(events.findFirst().orElseThrow()).payload());
            }
        }
        assertThat(recorded.get(0).get("name")).isEqualTo(storedName);
        assertThat(recorded.get(1)).isEqualTo(recorded.get(0));
        // written out again (an event that did not come from the store) it is sealed anew: another ciphertext
        assertThat(fromStore.entryOf(registered()).payload().get("name")).isNotEqualTo(storedName);
    }
}
