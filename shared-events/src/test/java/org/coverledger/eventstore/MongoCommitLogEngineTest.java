package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStoreException;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The engine against a real MongoDB wire protocol server (mongo-java-server) through the real driver. */
class MongoCommitLogEngineTest {

    record Noted(String text) {
    }

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase database;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-24T00:00:00Z"));
    private MongoCommitLogEngine engine;

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        database = client.getDatabase("engine-test");
        engine = engine();
    }

    private MongoCommitLogEngine engine() {
        return MongoCommitLogEngine.builder().database(database).eventSerializer(EventSerialization.serializer())
                .snapshotSerializer(EventSerialization.serializer()).gapTimeout(Duration.ofSeconds(5)).clock(clock)
                .batchSize(10).build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    static DomainEventMessage<Noted> event(String aggregate, long seq, String text) {
        return new GenericDomainEventMessage<>("Thing", aggregate, seq, new Noted(text));
    }

    private List<TrackedEventMessage<?>> track(TrackingToken from) {
        return engine.readEvents(from, false).collect(Collectors.toList());
    }

    private static List<String> texts(List<? extends org.axonframework.eventhandling.EventMessage<?>> events) {
        return events.stream().map(e -> ((Noted) e.getPayload()).text()).toList();
    }

    @Test
    void an_aggregate_reads_back_its_commits_in_sequence() {
        engine.appendEvents(event("a", 0, "a0"), event("a", 1, "a1"));
        engine.appendEvents(event("b", 0, "b0"));
        engine.appendEvents(event("a", 2, "a2"));
        for (int i = 3; i < 25; i++) {
            engine.appendEvents(event("a", i, "a" + i)); // more than one batch of 10
        }

        List<? extends DomainEventMessage<?>> a = engine.readEvents("a").asStream().toList();
        assertThat(a).extracting(DomainEventMessage::getSequenceNumber).containsExactlyElementsOf(
                java.util.stream.LongStream.range(0, 25).boxed().toList());
        assertThat(texts(engine.readEvents("a", 2).asStream().toList())).startsWith("a2", "a3");
        assertThat(texts(engine.readEvents("a", 1).asStream().toList())).startsWith("a1", "a2");
        assertThat(engine.lastSequenceNumberFor("a")).contains(24L);
        assertThat(engine.lastSequenceNumberFor("nobody")).isEmpty();
        assertThat(engine.readEvents("nobody").hasNext()).isFalse();
    }

    @Test
    void a_tracking_reader_sees_every_event_once_in_global_order_with_dense_positions() {
        engine.appendEvents(event("a", 0, "a0"), event("a", 1, "a1"));
        engine.appendEvents(GenericEventMessage.asEventMessage(new Noted("free")));
        engine.appendEvents(event("b", 0, "b0"));

        List<TrackedEventMessage<?>> all = track(null);
        assertThat(texts(all)).containsExactly("a0", "a1", "free", "b0");
        assertThat(all).extracting(e -> ((GlobalSequenceTrackingToken) e.trackingToken()).getGlobalIndex())
                .containsExactly(0L, 1L, 2L, 3L);
        assertThat(texts(track(all.get(1).trackingToken()))).containsExactly("free", "b0");
        assertThat(engine.createHeadToken()).isEqualTo(new GlobalSequenceTrackingToken(3));
        assertThat(engine.createTailToken()).isNull();
    }

    @Test
    void two_writers_on_one_aggregate_never_both_win_and_the_loser_leaves_no_gap() {
        engine.appendEvents(event("a", 0, "a0"));
        engine.appendEvents(event("a", 1, "winner"));
        assertThatThrownBy(() -> engine.appendEvents(event("a", 1, "loser"), event("a", 2, "loser too")))
                .isInstanceOf(ConcurrencyException.class);
        assertThatThrownBy(() -> engine.appendEvents(event("a", 0, "again")))
                .isInstanceOf(AggregateStreamCreationException.class);
        engine.appendEvents(event("b", 0, "b0"));

        assertThat(texts(engine.readEvents("a").asStream().toList())).containsExactly("a0", "winner");
        // the loser's reserved indexes were voided, so the reader passes them without waiting
        assertThat(texts(track(null))).containsExactly("a0", "winner", "b0");
        assertThat(engine.concurrencyConflicts()).isEqualTo(2);
        assertThat(engine.gapsFenced()).isZero();
    }

    @Test
    void a_reader_waits_at_a_gap_then_fences_it_so_a_late_writer_cannot_land_behind_it() {
        engine.appendEvents(event("a", 0, "a0"));
        // a writer reserves index 1..2 and stalls (or dies) before writing its commit
        database.getCollection(MongoCommitLogEngine.COUNTERS)
                .updateOne(Filters.eq("_id", "global"), Updates.inc("next", 2L));
        engine.appendEvents(event("b", 0, "b0"));

        List<TrackedEventMessage<?>> first = track(null);
        assertThat(texts(first)).containsExactly("a0");
        assertThat(track(first.get(0).trackingToken())).isEmpty(); // waiting at the gap
        clock.advance(Duration.ofSeconds(4));
        assertThat(track(first.get(0).trackingToken())).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        List<TrackedEventMessage<?>> rest = track(first.get(0).trackingToken());
        assertThat(texts(rest)).containsExactly("b0");
        assertThat(((GlobalSequenceTrackingToken) rest.get(0).trackingToken()).getGlobalIndex()).isEqualTo(3);
        assertThat(engine.gapsFenced()).isEqualTo(1);

        // the stalled writer finally writes: refused, so no reader ever misses an acknowledged event
        assertThatThrownBy(() -> database.getCollection(MongoCommitLogEngine.COMMITS)
                .insertOne(new Document("_id", 1L).append("last", 2L).append("aggregateId", "c").append("firstSeq", 0L)))
                .isInstanceOf(MongoWriteException.class);
    }

    @Test
    void a_slow_writer_that_fills_its_gap_in_time_is_delivered_in_order() {
        engine.appendEvents(event("a", 0, "a0"));
        database.getCollection(MongoCommitLogEngine.COUNTERS)
                .updateOne(Filters.eq("_id", "global"), Updates.inc("next", 1L));
        engine.appendEvents(event("b", 0, "b0"));
        assertThat(texts(track(null))).containsExactly("a0");

        // a second engine on the same store plays the slow writer: it appends into index 1
        database.getCollection(MongoCommitLogEngine.COUNTERS)
                .updateOne(Filters.eq("_id", "global"), Updates.inc("next", -2L));
        engine().appendEvents(event("c", 0, "c0"));
        database.getCollection(MongoCommitLogEngine.COUNTERS)
                .updateOne(Filters.eq("_id", "global"), Updates.inc("next", 1L));

        assertThat(texts(track(null))).containsExactly("a0", "c0", "b0");
    }

    @Test
    void a_unit_of_work_touching_two_aggregates_is_refused_whole() {
        assertThatThrownBy(() -> engine.appendEvents(event("a", 0, "a0"), event("b", 0, "b0")))
                .isInstanceOf(EventStoreException.class);
        assertThat(track(null)).isEmpty();
        assertThat(engine.readEvents("a").hasNext()).isFalse();
    }

    @Test
    void snapshots_only_move_forward() {
        engine.storeSnapshot(event("a", 5, "snap5"));
        engine.storeSnapshot(event("a", 3, "snap3"));
        assertThat(engine.readSnapshot("a")).get().extracting(DomainEventMessage::getSequenceNumber).isEqualTo(5L);
        engine.storeSnapshot(event("a", 8, "snap8"));
        assertThat(engine.readSnapshot("a")).get().extracting(e -> ((Noted) e.getPayload()).text()).isEqualTo("snap8");
        assertThat(engine.readSnapshot("b")).isEmpty();
    }

    @Test
    void a_token_at_a_time_starts_just_before_the_first_commit_at_or_after_it() {
        Instant t0 = Instant.parse("2026-11-24T08:00:00Z");
        for (int i = 0; i < 10; i++) {
            engine.appendEvents(new GenericDomainEventMessage<>("Thing", "a", i, new Noted("a" + i),
                    java.util.Map.of(), java.util.UUID.randomUUID().toString(), t0.plus(Duration.ofMinutes(i))));
        }
        assertThat(engine.createTokenAt(t0.minus(Duration.ofHours(1)))).isNull();
        assertThat(engine.createTokenAt(t0)).isNull();
        assertThat(engine.createTokenAt(t0.plus(Duration.ofMinutes(5)))).isEqualTo(new GlobalSequenceTrackingToken(4));
        assertThat(engine.createTokenAt(t0.plus(Duration.ofSeconds(301)))).isEqualTo(new GlobalSequenceTrackingToken(5));
        assertThat(engine.createTokenAt(t0.plus(Duration.ofHours(1)))).isEqualTo(new GlobalSequenceTrackingToken(9));
        assertThat(texts(track(engine.createTokenAt(t0.plus(Duration.ofMinutes(8)))))).containsExactly("a8", "a9");
    }

    @Test
    void the_token_stays_one_number_however_long_the_history() {
        for (int i = 0; i < 300; i++) {
            engine.appendEvents(event("a", i, "a" + i));
        }
        List<TrackedEventMessage<?>> all = track(null);
        assertThat(all).hasSize(300);
        byte[] token = EventSerialization.serializer().serialize(all.get(299).trackingToken(), byte[].class).getData();
        assertThat(token.length).isLessThan(64);
    }

    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            now = new AtomicReference<>(start);
        }

        void advance(Duration by) {
            now.updateAndGet(i -> i.plus(by));
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
