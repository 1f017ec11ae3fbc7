package org.coverledger.ops.eventstore;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.eventstore.MongoEventStore;

/**
 * A writer load on the event store: threads append commits of 1 to 3 events to random
 * aggregates from a small pool, each thread trusting a shared, possibly stale, view of where
 * each aggregate's stream ends, so that writers deliberately collide. Every acknowledged event
 * is reported through {@link Listener}; run as a process it prints {@code ACK <eventId>} lines.
 */
public final class AppendLoad {

    public record Appended(String eventId, String aggregateId, long sequence) {
    }

    public interface Listener {
        void acknowledged(List<Appended> events);

        default void rejected(List<Appended> events) {
        }
    }

    private final MongoCommitLogEngine engine;
    private final String aggregatePrefix;
    private final int aggregates;
    private final Map<String, Long> knownNext = new ConcurrentHashMap<>();
    public final AtomicLong conflicts = new AtomicLong();
    public final AtomicLong failures = new AtomicLong();

    public AppendLoad(MongoCommitLogEngine engine, String aggregatePrefix, int aggregates) {
        this.engine = engine;
        this.aggregatePrefix = aggregatePrefix;
        this.aggregates = aggregates;
    }

    /** Appends until {@code events} events are acknowledged in all, or a store error ends a thread. */
    public void run(int threads, int events, long seed, Listener listener) throws InterruptedException {
        AtomicInteger remaining = new AtomicInteger(events);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            Thread worker = new Thread(() -> work(random, remaining, listener), "append-load-" + t);
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    private void work(Random random, AtomicInteger remaining, Listener listener) {
        while (remaining.get() > 0) {
            String aggregate = aggregatePrefix + random.nextInt(aggregates);
            long next = knownNext.getOrDefault(aggregate, 0L);
            int size = 1 + random.nextInt(3);
            List<DomainEventMessage<?>> commit = new ArrayList<>();
            List<Appended> appended = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                DomainEventMessage<?> event = new GenericDomainEventMessage<>("LoadTest", aggregate, next + i,
                        new LoadEvent(aggregate, next + i));
                commit.add(event);
                appended.add(new Appended(event.getIdentifier(), aggregate, next + i));
            }
            try {
                engine.appendEvents(commit);
                knownNext.merge(aggregate, next + size, Math::max);
                remaining.addAndGet(-size);
                listener.acknowledged(appended);
            } catch (ConcurrencyException | AggregateStreamCreationException e) {
                conflicts.incrementAndGet();
                listener.rejected(appended);
                knownNext.put(aggregate, endOfStream(aggregate, next));
            } catch (RuntimeException e) {
                failures.incrementAndGet();
                listener.rejected(appended);
                return; // the store is gone (e.g. killed): stop this writer
            }
        }
    }

    private long endOfStream(String aggregate, long from) {
        long end = from;
        var stream = engine.readEvents(aggregate, from);
        while (stream.hasNext()) {
            end = stream.next().getSequenceNumber() + 1;
        }
        return Math.max(end, from);
    }

    public record LoadEvent(String aggregateId, long sequence) {
    }

    /** {@code AppendLoad <mongo-uri> <threads> <events> <seed> <aggregate-prefix> <aggregates>} */
    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        try (MongoClient client = MongoClients.create(args[0])) {
            MongoCommitLogEngine engine = MongoEventStore.engine(client.getDatabase("coverledger"),
                    new SubjectKeys(client.getDatabase("coverledger"), SubjectKeys.randomMasterKey()), Duration.ofSeconds(2));
            AppendLoad load = new AppendLoad(engine, args[4], Integer.parseInt(args[5]));
            load.run(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Long.parseLong(args[3]), events -> {
                synchronized (out) {
                    for (Appended e : events) {
                        out.println("ACK " + e.eventId() + " " + e.aggregateId() + " " + e.sequence());
                    }
                    out.flush();
                }
            });
            out.println("DONE conflicts=" + load.conflicts.get());
            out.flush();
        }
    }
}
