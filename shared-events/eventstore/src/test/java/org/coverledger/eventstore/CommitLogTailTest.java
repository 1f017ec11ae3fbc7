package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The tail as a processor uses it, with the writes coming from another engine (another process). */
class CommitLogTailTest {

    record Noted(String text) {
    }

    private MongoServer server;
    private MongoClient client;
    private MongoCommitLogEngine writer;
    private CommitLogTail tail;

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        MongoDatabase database = client.getDatabase("tail-test");
        writer = engine(database);
        tail = new CommitLogTail(engine(database), Duration.ofMillis(20));
    }

    private static MongoCommitLogEngine engine(MongoDatabase database) {
        return MongoCommitLogEngine.builder().database(database).eventSerializer(EventSerialization.serializer())
                .snapshotSerializer(EventSerialization.serializer()).build();
    }

    @AfterEach
    void stop() {
        tail.close();
        client.close();
        server.shutdownNow();
    }

    private void write(String aggregate, int from, int count) {
        List<GenericDomainEventMessage<Noted>> events = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            events.add(new GenericDomainEventMessage<>("Thing", aggregate, i, new Noted(aggregate + i)));
        }
        writer.appendEvents(events);
    }

    private static String text(TrackedEventMessage<?> event) {
        return ((Noted) event.getPayload()).text();
    }

    @Test
    void a_waiting_processor_is_woken_when_another_process_commits() throws Exception {
        BlockingStream<TrackedEventMessage<?>> stream = tail.openStream(null);
        AtomicInteger woken = new AtomicInteger();
        assertThat(stream.setOnAvailableCallback(woken::incrementAndGet)).isTrue();
        assertThat(stream.hasNextAvailable()).isFalse();

        write("a", 0, 2);
        await().atMost(Duration.ofSeconds(5)).until(() -> woken.get() > 0);
        assertThat(text(stream.nextAvailable())).isEqualTo("a0");
        assertThat(text(stream.nextAvailable())).isEqualTo("a1");
        assertThat(stream.hasNextAvailable()).isFalse();

        // a blocking wait returns as soon as the next commit is seen
        Thread later = new Thread(() -> {
            sleep(200);
            write("b", 0, 1);
        });
        later.start();
        assertThat(stream.hasNextAvailable(10, TimeUnit.SECONDS)).isTrue();
        assertThat(text(stream.peek().orElseThrow())).isEqualTo("b0");
        later.join();
        stream.close();
        int before = woken.get();
        write("c", 0, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> tail.storedPosition() == 3);
        assertThat(woken.get()).as("a closed stream is not woken").isEqualTo(before);
    }

    @Test
    void a_stream_from_an_old_position_reads_everything_in_order_in_batches() throws Exception {
        for (int i = 0; i < 30; i++) {
            write("agg" + i, 0, 50); // 1,500 events, more than one read-ahead
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> tail.storedPosition() == 1499);
        BlockingStream<TrackedEventMessage<?>> stream = tail.openStream(null);
        List<Long> positions = new ArrayList<>();
        while (stream.hasNextAvailable()) {
            positions.add(stream.nextAvailable().trackingToken().position().orElseThrow());
        }
        assertThat(positions).hasSize(1500);
        for (int i = 0; i < positions.size(); i++) {
            assertThat(positions.get(i)).isEqualTo(i);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
