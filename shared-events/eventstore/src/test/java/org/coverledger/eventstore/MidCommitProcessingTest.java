package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Predicate;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real Axon processors (pooled streaming, batch size 1, so a token is stored after every event)
 * with tokens in MongoDB, reading the store through {@link CommitLogTail} as the query side does,
 * on commits of several events: whenever work stops between two events of
 * one commit (a restart, a failing handler retried, a segment handed to another process), the
 * processor goes on with the rest of that commit. Nothing skipped, nothing twice, no void marker.
 */
class MidCommitProcessingTest {

    record Noted(String text) {
    }

    private MongoServer server;
    private MongoClient client;
    private MongoDatabase database;
    private final List<PooledStreamingEventProcessor> processors = new CopyOnWriteArrayList<>();
    private final List<ScheduledExecutorService> executors = new CopyOnWriteArrayList<>();
    private final List<CommitLogTail> tails = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = new MongoServer(H2Backend.inMemory());
        client = MongoClients.create(server.bindAndGetConnectionString());
        database = client.getDatabase("mid-commit");
    }

    @AfterEach
    void stop() {
        processors.forEach(PooledStreamingEventProcessor::shutDown);
        executors.forEach(ScheduledExecutorService::shutdownNow);
        tails.forEach(CommitLogTail::close);
        client.close();
        server.shutdownNow();
    }

    /** One "process": its own engine on the shared database, tailed as the query side tails it. */
    private Process process() {
        MongoCommitLogEngine engine = MongoCommitLogEngine.builder().database(database)
                .eventSerializer(EventSerialization.serializer()).snapshotSerializer(EventSerialization.serializer())
                .gapTimeout(Duration.ofMillis(200)).build();
        CommitLogTail tail = new CommitLogTail(engine, Duration.ofMillis(20));
        tails.add(tail);
        return new Process(engine, tail);
    }

    private record Process(MongoCommitLogEngine engine, CommitLogTail tail) {
        void publish(EventMessage<?>... events) {
            engine.appendEvents(events);
        }
    }

    private void writeCommits(Process process) {
        process.publish(event("a", 0), event("a", 1), event("a", 2));
        process.publish(event("b", 0));
    }

    private static EventMessage<?> event(String aggregate, long seq) {
        return new GenericDomainEventMessage<>("Thing", aggregate, seq, new Noted(aggregate + seq));
    }

    private PooledStreamingEventProcessor processor(Process process, String node, List<String> handled,
                                                    Predicate<String> failOn) {
        TokenStore tokens = MongoEventStore.tokenStore(database, node);
        ScheduledExecutorService coordinator = Executors.newSingleThreadScheduledExecutor();
        ScheduledExecutorService workers = Executors.newScheduledThreadPool(2);
        executors.add(coordinator);
        executors.add(workers);
        EventMessageHandler handler = event -> {
            String text = ((Noted) event.getPayload()).text();
            if (failOn.test(text)) {
                throw new IllegalStateException("handler fails on " + text);
            }
            handled.add(text);
            return null;
        };
        PooledStreamingEventProcessor processor = PooledStreamingEventProcessor.builder()
                .name("projection")
                .eventHandlerInvoker(SimpleEventHandlerInvoker.builder().eventHandlers(handler)
                        .listenerInvocationErrorHandler(PropagatingErrorHandler.instance()).build())
                .errorHandler(PropagatingErrorHandler.instance())
                .messageSource(process.tail()).tokenStore(tokens).transactionManager(NoTransactionManager.instance())
                .coordinatorExecutor(coordinator).workerExecutor(workers)
                .initialSegmentCount(1).batchSize(1).tokenClaimInterval(100)
                .build();
        processors.add(processor);
        return processor;
    }

    /** The position stored for the segment, read once no processor holds it. */
    private long storedPosition() {
        TokenStore tokens = MongoEventStore.tokenStore(database, "reader");
        TrackingToken token = tokens.fetchToken("projection", 0);
        tokens.releaseClaim("projection", 0);
        return token.position().orElseThrow();
    }

    private long voidMarkers() {
        return database.getCollection(MongoCommitLogEngine.COMMITS).countDocuments(new Document("void", true));
    }

    /** Refuses one event every time, noting each refusal. */
    private static Predicate<String> refusing(String text, List<String> refusals) {
        return seen -> {
            if (seen.equals(text)) {
                refusals.add(seen);
                return true;
            }
            return false;
        };
    }

    @Test
    void a_restart_from_a_token_inside_a_commit_goes_on_with_the_rest_of_it() {
        Process first = process();
        writeCommits(first);
        List<String> handled = new CopyOnWriteArrayList<>();
        List<String> refused = new CopyOnWriteArrayList<>();
        PooledStreamingEventProcessor before = processor(first, "before", handled, refusing("a1", refused));
        before.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> !refused.isEmpty());
        before.shutDown();
        assertThat(handled).containsExactly("a0");
        assertThat(storedPosition()).isZero(); // a0's position: inside the first commit

        Process restarted = process();
        processor(restarted, "after", handled, text -> false).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= 4);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 4);
        assertThat(handled).containsExactly("a0", "a1", "a2", "b0");
        assertThat(voidMarkers()).isZero();
    }

    @Test
    void a_handler_failing_on_the_middle_event_of_a_commit_is_retried_from_there() {
        writeCommits(process());
        Process store = process(); // starts behind the head: its reads at a mid-commit token go to the store
        List<String> handled = new CopyOnWriteArrayList<>();
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        processor(store, "node", handled, text -> text.equals("a1") && failedOnce.add(text)).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() >= 4);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 4);
        assertThat(failedOnce).containsExactly("a1");
        assertThat(handled).containsExactly("a0", "a1", "a2", "b0");
        assertThat(voidMarkers()).isZero();
    }

    @Test
    void a_segment_handed_to_another_process_at_a_mid_commit_position_is_finished_there() {
        Process one = process();
        writeCommits(one);
        List<String> handled = new CopyOnWriteArrayList<>();
        List<String> refused = new CopyOnWriteArrayList<>();
        PooledStreamingEventProcessor first = processor(one, "one", handled, refusing("a1", refused));
        first.start();
        await().atMost(Duration.ofSeconds(20)).until(() -> !refused.isEmpty());
        first.releaseSegment(0, 1, java.util.concurrent.TimeUnit.HOURS);
        await().atMost(Duration.ofSeconds(20)).until(() -> first.processingStatus().isEmpty());
        assertThat(handled).containsExactly("a0"); // the segment's token is a0's, inside the first commit
        Process two = process(); // an instance started behind the head: it reads the rest of the commit from the store
        PooledStreamingEventProcessor second = processor(two, "two", handled, text -> false);
        second.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() >= 4);
        // more commits after the hand-over reach the second process too
        two.publish(event("b", 1), event("c", 0));
        await().atMost(Duration.ofSeconds(20)).until(() -> handled.size() >= 6);
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(5)).until(() -> handled.size() == 6);
        assertThat(handled).containsExactly("a0", "a1", "a2", "b0", "b1", "c0");
        assertThat(second.processingStatus()).containsKey(0);
        assertThat(voidMarkers()).isZero();
    }
}
