package org.coverledger.query.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bson.Document;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.ProjectionTestMongo;
import org.coverledger.query.infra.ProjectionPositions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.Mockito;

/**
 * The audit entries check on what an older version left behind (an event stored at revision 1
 * and its entry recorded before the upcasters existed) and on entries edited into shapes the
 * mapping cannot read: an old entry is not a change, a broken one is a change found, never an error.
 */
class AuditEntriesCheckTest {

    /** What revision 1 stored, and what the audit projection of that version recorded of it. */
    private static final String REVISION_1 = """
            {"claimId":"clm-1","items":["invoice"],"note":"please","adjuster":"adam",\
            "requestedAt":"2026-03-10T02:00:00Z"}""";

    private ProjectionTestMongo mongo;
    private MongoDatabase database;
    private MongoCollection<Document> trail;
    private AuditEntriesCheck check;
    private Set<String> deadLetters = Set.of();

    @BeforeEach
    void start() {
        mongo = new ProjectionTestMongo();
        database = mongo.template().getDb();
        SubjectKeys keys = new SubjectKeys(database, SubjectKeys.randomMasterKey());
        Date at = Date.from(Instant.parse("2026-03-10T02:00:00Z"));
        database.getCollection(MongoCommitLogEngine.COMMITS).insertOne(new Document("_id", 0L).append("last", 0L)
                .append("ts", at).append("aggregateId", "clm-1").append("aggregateType", "Claim")
                .append("firstSeq", 1L).append("lastSeq", 1L)
                .append("events", List.of(new Document("id", "evt-1").append("ts", at).append("tsNanos", 0)
                        .append("seq", 1L).append("payloadType", MaterialsRequested.class.getName())
                        .append("revision", "1").append("payload", REVISION_1)
                        .append("metaData", "{\"actor\":\"adam\"}"))));
        // the engine upgrades the store on start: the old commit gets its place in the hash chain
        MongoCommitLogEngine engine = MongoEventStore.engine(database, keys, Duration.ofSeconds(1));
        ProjectionPositions positions = Mockito.mock(ProjectionPositions.class);
        Mockito.when(positions.passed("audit")).thenReturn(0L);
        AuditTrailProjection projection = new AuditTrailProjection(mongo.template(), new SimpleMeterRegistry(), keys);
        check = new AuditEntriesCheck(engine, projection, mongo.template(), positions, keys, () -> deadLetters);
        trail = database.getCollection("audit_trail");
        trail.insertOne(new Document("_id", "evt-1").append("position", 0L)
                .append("eventType", "MaterialsRequested").append("revision", "1")
                .append("aggregateType", "Claim").append("aggregateId", "clm-1").append("sequence", 1L)
                .append("timestamp", at).append("actor", "adam")
                .append("payload", Document.parse(REVISION_1)));
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    @Test
    void an_entry_recorded_before_the_upcasters_matches_the_event_as_stored() {
        AuditEntriesCheck.Result result = check.check(0, Long.MAX_VALUE, true);
        assertThat(result.failure()).isNull();
        assertThat(result.valid()).isTrue();
        assertThat(result.checked()).isEqualTo(1);
    }

    @Test
    void an_old_entry_edited_is_still_found() {
        trail.updateOne(Filters.eq("_id", "evt-1"), Updates.set("payload.adjuster", "someone-else"));
        assertThat(check.check(0, Long.MAX_VALUE, true).failure())
                .extracting(AuditEntriesCheck.Failure::kind, AuditEntriesCheck.Failure::field)
                .containsExactly(AuditEntriesCheck.Kind.CHANGED, "payload.adjuster");

        trail.updateOne(Filters.eq("_id", "evt-1"), Updates.combine(Updates.set("payload.adjuster", "adam"),
                Updates.set("revision", "2")));
        assertThat(check.check(0, Long.MAX_VALUE, true).failure())
                .as("an old payload under the new revision is neither the event as stored nor as read now")
                .extracting(AuditEntriesCheck.Failure::kind).isEqualTo(AuditEntriesCheck.Kind.CHANGED);
    }

    @Test
    void an_entry_edited_into_what_cannot_be_read_is_changed_not_an_error() {
        trail.updateOne(Filters.eq("_id", "evt-1"), Updates.set("sequence", "not a number"));
        AuditEntriesCheck.Failure retyped = check.check(0, Long.MAX_VALUE, true).failure();
        assertThat(retyped.kind()).isEqualTo(AuditEntriesCheck.Kind.CHANGED);
        assertThat(retyped.position()).isZero();

        trail.updateOne(Filters.eq("_id", "evt-1"), Updates.combine(Updates.set("sequence", 1L),
                Updates.set("payload.note", "pd1:nobody:bm90LWEtc2VhbGVkLXZhbHVl")));
        AuditEntriesCheck.Failure sealed = check.check(0, Long.MAX_VALUE, true).failure();
        assertThat(sealed.kind()).isEqualTo(AuditEntriesCheck.Kind.CHANGED);
    }

    @Test
    void an_entry_waiting_in_the_dead_letter_queue_is_not_missing() {
        trail.deleteOne(Filters.eq("_id", "evt-1"));
        assertThat(check.check(0, Long.MAX_VALUE, true).failure().kind()).isEqualTo(AuditEntriesCheck.Kind.MISSING);

        deadLetters = Set.of("evt-1");
        AuditEntriesCheck.Result waiting = check.check(0, Long.MAX_VALUE, true);
        assertThat(waiting.valid()).isTrue();
        assertThat(waiting.deadLettered()).isEqualTo(1);
        assertThat(waiting.checked()).isZero();
    }
}
