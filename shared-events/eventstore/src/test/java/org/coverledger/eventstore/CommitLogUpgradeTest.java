package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import java.util.List;
import java.util.UUID;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A store written by the engine before format 2, with the void marker its reader wrote inside a
 * commit after resuming from a token there: the check names the skipped event, the upgrade moves
 * the marker aside and gives every commit its keys, and every event is then delivered.
 */
class CommitLogUpgradeTest {

    record Noted(String text) {
    }

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase database;

    @BeforeEach
    void start() {
        server = new MongoServer(H2Backend.inMemory());
        client = MongoClients.create(server.bindAndGetConnectionString());
        database = client.getDatabase("upgrade-test");
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void markers_inside_commits_are_reported_moved_aside_and_the_events_delivered() {
        MongoCollection<Document> commits = database.getCollection(MongoCommitLogEngine.COMMITS);
        commits.insertOne(oldCommit(0, "a", 0, "a0", "a1", "a2"));
        commits.insertOne(oldCommit(3, "b", 0, "b0"));
        // the old reader, resumed at a0's token, fenced indexes 1 and 2 inside the first commit
        commits.insertOne(new Document("_id", 1L).append("last", 1L).append("void", true));
        commits.insertOne(new Document("_id", 2L).append("last", 2L).append("void", true));
        // and a genuine gap fenced at 4, before the commit at 5
        commits.insertOne(new Document("_id", 4L).append("last", 4L).append("void", true));
        commits.insertOne(oldCommit(5, "c", 0, "c0"));

        CommitLogCheck.Report before = CommitLogCheck.check(database);
        assertThat(before.voidMarkers()).extracting(CommitLogCheck.VoidMarker::index).containsExactly(1L, 2L, 4L);
        assertThat(before.skippedEvents()).extracting(CommitLogCheck.SkippedEvent::index).containsExactly(1L, 2L);
        assertThat(before.skippedEvents()).extracting(CommitLogCheck.SkippedEvent::aggregateId).containsOnly("a");
        assertThat(before.skippedEvents().get(0).removedAt()).isNull();

        MongoCommitLogEngine engine = engine();
        List<String> all = engine.readEvents(null, false).map(EventMessage::getPayload)
                .map(payload -> ((Noted) payload).text()).toList();
        assertThat(all).containsExactly("a0", "a1", "a2", "b0", "c0");
        assertThat(engine.readEvents("a").asStream().map(DomainEventMessage::getSequenceNumber).toList())
                .containsExactly(0L, 1L, 2L);
        assertThat(engine.lastSequenceNumberFor("a")).contains(2L);

        CommitLogCheck.Report after = CommitLogCheck.check(database);
        assertThat(after.voidMarkers()).extracting(CommitLogCheck.VoidMarker::index).containsExactly(4L);
        assertThat(after.skippedEvents()).extracting(CommitLogCheck.SkippedEvent::index).containsExactly(1L, 2L);
        assertThat(after.skippedEvents()).allSatisfy(skipped -> assertThat(skipped.removedAt()).isNotNull());
        assertThat(after.eventsWereSkipped()).isTrue();

        // the upgraded store keeps its rules: a stale writer inside the old commit is refused
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> engine.appendEvents(
                        new org.axonframework.eventhandling.GenericDomainEventMessage<>("Thing", "a", 2, new Noted("x"))))
                .isInstanceOf(org.axonframework.modelling.command.ConcurrencyException.class);
        // a second start finds the format recorded and changes nothing
        engine();
        assertThat(CommitLogCheck.check(database)).isEqualTo(after);
    }

    private MongoCommitLogEngine engine() {
        return MongoCommitLogEngine.builder().database(database).eventSerializer(EventSerialization.serializer())
                .snapshotSerializer(EventSerialization.serializer()).build();
    }

    /** A commit as the engine wrote it before format 2: the aggregate on the commit, no index lists. */
    private static Document oldCommit(long first, String aggregate, long firstSeq, String... texts) {
        List<Document> events = new java.util.ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            events.add(new Document("id", UUID.randomUUID().toString()).append("ts", new Date())
                    .append("tsNanos", 0).append("payloadType", Noted.class.getName()).append("revision", null)
                    .append("payload", "{\"text\":\"" + texts[i] + "\"}").append("metaData", "{}")
                    .append("seq", firstSeq + i));
        }
        return new Document("_id", first).append("last", first + texts.length - 1).append("ts", new Date())
                .append("aggregateId", aggregate).append("aggregateType", "Thing").append("firstSeq", firstSeq)
                .append("lastSeq", firstSeq + texts.length - 1).append("events", events);
    }
}
