package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
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
import org.coverledger.testing.MutableClock;

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
    void the_head_follows_other_writers_by_look_ups_and_never_sorts() {
        List<org.bson.BsonDocument> sorts = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.mongodb.event.CommandListener listener = new com.mongodb.event.CommandListener() {
            @Override
            public void commandStarted(com.mongodb.event.CommandStartedEvent event) {
                if (event.getCommandName().equals("find") && event.getCommand().containsKey("sort")) {
                    sorts.add(event.getCommand());
                }
            }
        };
        try (MongoClient watched = MongoClients.create(com.mongodb.MongoClientSettings.builder()
                .applyConnectionString(new com.mongodb.ConnectionString(server.getConnectionString()))
                .addCommandListener(listener).build())) {
            MongoCommitLogEngine reader = MongoCommitLogEngine.builder().database(watched.getDatabase("engine-test"))
                    .eventSerializer(EventSerialization.serializer()).snapshotSerializer(EventSerialization.serializer())
                    .clock(clock).build();
            engine.appendEvents(event("a", 0, "a0"), event("a", 1, "a1"));
            assertThat(reader.createHeadToken()).isEqualTo(new GlobalSequenceTrackingToken(1));
            assertThat(sorts).as("a sort is a scan, and a sort in memory, of the whole store on the embedded server")
                    .isEmpty();
            engine.appendEvents(event("b", 0, "b0"));
            engine.appendEvents(event("c", 0, "c0"), event("c", 1, "c1"), event("c", 2, "c2"));
            assertThat(reader.createHeadToken()).isEqualTo(new GlobalSequenceTrackingToken(5));
            for (int i = 0; i < 3000; i++) { // more than one window of look-ups
                engine.appendEvents(event("d", i, "d" + i));
            }
            assertThat(reader.createHeadToken()).isEqualTo(new GlobalSequenceTrackingToken(3005));
            assertThat(reader.createHeadToken()).isEqualTo(new GlobalSequenceTrackingToken(3005));
            assertThat(sorts).as("later heads walk on from the one found before").isEmpty();

            // a store emptied under the running process (a test, a restore) is read afresh
            database.getCollection(MongoCommitLogEngine.COMMITS).deleteMany(new org.bson.Document());
            assertThat(reader.createHeadToken()).isNull();
            engine().appendEvents(event("e", 0, "e0"));
            assertThat(reader.createHeadToken()).isEqualTo(new GlobalSequenceTrackingToken(0));
        }
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
        // the loser took no index: the order has no hole for a reader to wait at
        List<TrackedEventMessage<?>> all = track(null);
        assertThat(texts(all)).containsExactly("a0", "winner", "b0");
        assertThat(all).extracting(e -> ((GlobalSequenceTrackingToken) e.trackingToken()).getGlobalIndex())
                .containsExactly(0L, 1L, 2L);
        assertThat(engine.concurrencyConflicts()).isEqualTo(2);
        assertThat(engine.gapsFenced()).isZero();
    }

    @Test
    void a_reader_waits_at_a_missing_index_then_fences_it_so_a_late_writer_cannot_land_behind_it() {
        engine.appendEvents(event("a", 0, "a0"));
        // a foreign writer leaves index 1 empty and writes index 2
        commits().insertOne(foreignCommit(2, "z", "z0"));

        List<TrackedEventMessage<?>> first = track(null);
        assertThat(texts(first)).containsExactly("a0");
        assertThat(track(first.get(0).trackingToken())).isEmpty(); // waiting at index 1
        clock.advance(Duration.ofSeconds(4));
        assertThat(track(first.get(0).trackingToken())).isEmpty();
        clock.advance(Duration.ofSeconds(2));
        List<TrackedEventMessage<?>> rest = track(first.get(0).trackingToken());
        assertThat(texts(rest)).containsExactly("z0");
        assertThat(((GlobalSequenceTrackingToken) rest.get(0).trackingToken()).getGlobalIndex()).isEqualTo(2);
        assertThat(engine.gapsFenced()).isEqualTo(1);

        // the late write into the fenced index is refused, so no reader ever misses it
        assertThatThrownBy(() -> commits().insertOne(foreignCommit(1, "y", "y0")))
                .isInstanceOf(MongoWriteException.class);
        // and our own writers simply continue after everything that is there
        engine.appendEvents(event("b", 0, "b0"));
        assertThat(texts(track(rest.get(0).trackingToken()))).containsExactly("b0");
    }

    @Test
    void a_missing_index_filled_in_time_is_delivered_in_order() {
        engine.appendEvents(event("a", 0, "a0"));
        commits().insertOne(foreignCommit(2, "z", "z0"));
        assertThat(texts(track(null))).containsExactly("a0");
        commits().insertOne(foreignCommit(1, "y", "y0"));
        assertThat(texts(track(null))).containsExactly("a0", "y0", "z0");
    }

    @Test
    void writers_in_two_processes_share_one_order_without_holes() {
        MongoCommitLogEngine other = engine(); // another process's engine on the same store
        engine.appendEvents(event("a", 0, "a0"));
        other.appendEvents(event("b", 0, "b0")); // its first write looks up the head
        engine.appendEvents(event("a", 1, "a1")); // collides on index 1, moves to the head
        other.appendEvents(event("b", 1, "b1"));
        List<TrackedEventMessage<?>> all = track(null);
        assertThat(texts(all)).containsExactly("a0", "b0", "a1", "b1");
        assertThat(all).extracting(e -> ((GlobalSequenceTrackingToken) e.trackingToken()).getGlobalIndex())
                .containsExactly(0L, 1L, 2L, 3L);
    }

    private com.mongodb.client.MongoCollection<Document> commits() {
        return database.getCollection(MongoCommitLogEngine.COMMITS);
    }

    /** A commit as another program could write it into the collection, in the engine's format. */
    private static Document foreignCommit(long index, String aggregate, String text) {
        String id = java.util.UUID.randomUUID().toString();
        return new Document("_id", index).append("last", index).append("idx", List.of(index))
                .append("ts", new java.util.Date()).append("tsMax", new java.util.Date())
                .append("keys", List.of(aggregate + "#0")).append("ids", List.of(id))
                .append("events", List.of(new Document("id", id)
                        .append("ts", new java.util.Date()).append("tsNanos", 0)
                        .append("agg", aggregate).append("type", "Thing").append("seq", 0L)
                        .append("payloadType", Noted.class.getName()).append("revision", null)
                        .append("payload", "{\"text\":\"" + text + "\"}").append("metaData", "{}")));
    }

    @Test
    void a_commit_may_hold_several_aggregates_and_is_stored_or_refused_whole() {
        engine.appendEvents(event("a", 0, "a0"), event("b", 0, "b0"), event("a", 1, "a1"));
        assertThat(texts(engine.readEvents("a").asStream().toList())).containsExactly("a0", "a1");
        assertThat(texts(engine.readEvents("b").asStream().toList())).containsExactly("b0");

        // c is new, but b1 is taken: nothing of the commit is stored and it takes no index
        engine.appendEvents(event("b", 1, "b1 by the winner"));
        assertThatThrownBy(() -> engine.appendEvents(event("c", 0, "c0"), event("b", 1, "b1"), event("b", 2, "b2")))
                .isInstanceOf(AggregateStreamCreationException.class);
        assertThatThrownBy(() -> engine.appendEvents(event("c", 0, "c0"), event("b", 1, "b1 again")))
                .isInstanceOf(AggregateStreamCreationException.class);
        assertThat(engine.readEvents("c").hasNext()).isFalse();
        List<TrackedEventMessage<?>> all = track(null);
        assertThat(texts(all)).containsExactly("a0", "b0", "a1", "b1 by the winner");
        assertThat(all).extracting(e -> ((GlobalSequenceTrackingToken) e.trackingToken()).getGlobalIndex())
                .containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void a_token_inside_a_commit_returns_the_rest_of_that_commit_then_what_follows() {
        engine.appendEvents(event("a", 0, "a0"), event("a", 1, "a1"), event("a", 2, "a2"));
        engine.appendEvents(event("b", 0, "b0"));
        List<TrackedEventMessage<?>> all = track(null);

        assertThat(texts(track(all.get(0).trackingToken()))).containsExactly("a1", "a2", "b0");
        assertThat(texts(track(all.get(1).trackingToken()))).containsExactly("a2", "b0");
        assertThat(texts(track(all.get(2).trackingToken()))).containsExactly("b0");
        // even past the gap timeout nothing is taken for a gap and fenced
        clock.advance(Duration.ofMinutes(1));
        assertThat(texts(track(all.get(0).trackingToken()))).containsExactly("a1", "a2", "b0");
        assertThat(engine.gapsFenced()).isZero();
        assertThat(commits().countDocuments(new Document("void", true))).isZero();
    }

    @Test
    void a_stale_writer_continuing_inside_a_commit_is_refused() {
        engine.appendEvents(event("a", 0, "a0"), event("a", 1, "a1"), event("a", 2, "a2"));
        assertThatThrownBy(() -> engine.appendEvents(event("a", 1, "stale a1"), event("a", 2, "stale a2")))
                .isInstanceOf(ConcurrencyException.class);
        assertThatThrownBy(() -> engine.appendEvents(event("a", 2, "stale a2"), event("a", 3, "a3")))
                .isInstanceOf(ConcurrencyException.class);
        assertThat(texts(engine.readEvents("a").asStream().toList())).containsExactly("a0", "a1", "a2");
        assertThat(texts(track(null))).containsExactly("a0", "a1", "a2");
    }

    @Test
    void a_sequence_number_twice_in_one_commit_is_refused_before_anything_is_written() {
        assertThatThrownBy(() -> engine.appendEvents(event("a", 0, "a0"), event("a", 0, "a0 again")))
                .isInstanceOf(AggregateStreamCreationException.class);
        engine.appendEvents(event("a", 0, "a0"));
        assertThatThrownBy(() -> engine.appendEvents(event("a", 1, "a1"), event("a", 1, "a1 again")))
                .isInstanceOf(ConcurrencyException.class);
        assertThat(texts(track(null))).containsExactly("a0");
    }

    @Test
    void an_event_identifier_is_stored_once_in_the_whole_store() {
        DomainEventMessage<Noted> first = event("a", 0, "a0");
        engine.appendEvents(first);
        DomainEventMessage<Noted> sameId = new GenericDomainEventMessage<>("Thing", "b", 0, new Noted("b0"),
                java.util.Map.of(), first.getIdentifier(), Instant.now());
        assertThatThrownBy(() -> engine.appendEvents(sameId)).isInstanceOf(AggregateStreamCreationException.class);
        var free = GenericEventMessage.asEventMessage(new Noted("free"));
        engine.appendEvents(free);
        assertThatThrownBy(() -> engine.appendEvents(free)).isInstanceOf(ConcurrencyException.class);
        assertThat(texts(track(null))).containsExactly("a0", "free");
    }

    @Test
    void an_event_of_no_aggregate_comes_back_as_a_plain_event() {
        engine.appendEvents(event("a", 0, "a0"), GenericEventMessage.asEventMessage(new Noted("free")));
        List<TrackedEventMessage<?>> all = track(null);
        assertThat(all.get(0)).isInstanceOf(DomainEventMessage.class);
        assertThat(all.get(1)).isNotInstanceOf(DomainEventMessage.class);
        assertThat(texts(engine.readEvents("a").asStream().toList())).containsExactly("a0");
    }

    @Test
    void the_persistence_exception_resolver_decides_what_a_duplicate_is() {
        MongoCommitLogEngine strict = MongoCommitLogEngine.builder().database(database)
                .eventSerializer(EventSerialization.serializer()).snapshotSerializer(EventSerialization.serializer())
                .persistenceExceptionResolver(e -> false).build();
        strict.appendEvents(event("a", 0, "a0"));
        assertThatThrownBy(() -> strict.appendEvents(event("a", 0, "again")))
                .isInstanceOf(EventStoreException.class).isNotInstanceOf(AggregateStreamCreationException.class);
    }

    @Test
    void concurrent_snapshots_never_move_back() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            java.util.List<Integer> order = new java.util.ArrayList<>(java.util.stream.IntStream.range(0, 200).boxed().toList());
            java.util.Collections.shuffle(order, new java.util.Random(7));
            for (int seq : order) {
                done.add(pool.submit(() -> engine.storeSnapshot(event("a", seq, "snap" + seq))));
            }
            for (var future : done) {
                future.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(engine.readSnapshot("a")).get().extracting(DomainEventMessage::getSequenceNumber).isEqualTo(199L);
    }

    @Test
    void a_token_at_a_time_counts_every_event_by_its_exact_time_whatever_their_order() {
        Instant t = Instant.parse("2026-11-24T08:00:00.000000500Z");
        engine.appendEvents(at("a", 0, t.minusNanos(1)), at("a", 1, t.plusSeconds(60)), at("a", 2, t.minusSeconds(1)));
        engine.appendEvents(at("b", 0, t));
        // inside the first commit: the token sits just before a1
        assertThat(engine.createTokenAt(t)).isEqualTo(new GlobalSequenceTrackingToken(0));
        assertThat(texts(track(engine.createTokenAt(t)))).containsExactly("a1", "a2", "b0");
        // an event at the exact time, sub-millisecond part included, is not excluded
        assertThat(engine.createTokenAt(t.plusNanos(1))).isEqualTo(new GlobalSequenceTrackingToken(0));
        assertThat(engine.createTokenAt(t.plusSeconds(61))).isEqualTo(new GlobalSequenceTrackingToken(3));
    }

    private static DomainEventMessage<Noted> at(String aggregate, long seq, Instant time) {
        return new GenericDomainEventMessage<>("Thing", aggregate, seq, new Noted(aggregate + seq), java.util.Map.of(),
                java.util.UUID.randomUUID().toString(), time);
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
}
