package org.coverledger.eventstore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.messaging.StreamableMessageSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event store as the message source of processors in a process that reads what other
 * processes write (the query side), so that a change shows within milliseconds.
 *
 * <p>Axon's {@code EmbeddedEventStore} cannot tell a pooled processor when events arrive (its
 * streams do not take an availability callback), so each processor's coordinator looks again
 * every 500 ms, on top of the store's own fetch delay: that was the half second between a
 * command's acknowledgement and its projection. Here one watcher thread per process asks the
 * store whether any commit holds an index past the highest one seen (one equality look-up on
 * the unique index of global indexes, reading positions only) every {@code interval}, and wakes
 * every open stream's processor at once when one does. Streams read the events themselves, in
 * batches, only when there is something new for them, so idle processors cost nothing and a
 * processor catching up reads at the engine's speed.
 */
public final class CommitLogTail implements StreamableMessageSource<TrackedEventMessage<?>>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommitLogTail.class);
    private static final int READ_AHEAD = 512;
    private static final long GAP_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final MongoCommitLogEngine engine;
    private final long intervalNanos;
    private final Set<Runnable> callbacks = ConcurrentHashMap.newKeySet();
    private final Object progress = new Object();
    private final Thread watcher;
    private volatile long stored;
    private volatile boolean running = true;

    public CommitLogTail(MongoCommitLogEngine engine, Duration interval) {
        this.engine = engine;
        this.intervalNanos = interval.toNanos();
        TrackingToken head = engine.createHeadToken();
        this.stored = head == null ? -1 : head.position().orElse(-1);
        this.watcher = new Thread(this::watch, "event-store-tail");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** The highest global index known to be stored. */
    public long storedPosition() {
        return stored;
    }

    private void watch() {
        while (running) {
            try {
                long last = engine.lastIndexFrom(stored + 1);
                if (last > stored) {
                    stored = last;
                    synchronized (progress) {
                        progress.notifyAll();
                    }
                    callbacks.forEach(Runnable::run);
                    continue; // more may be there already
                }
            } catch (RuntimeException e) {
                log.warn("Could not look for new events; looking again shortly", e);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(intervalNanos);
        }
    }

    @Override
    public BlockingStream<TrackedEventMessage<?>> openStream(TrackingToken trackingToken) {
        return new Tail(trackingToken);
    }

    @Override
    public TrackingToken createTailToken() {
        return engine.createTailToken();
    }

    @Override
    public TrackingToken createHeadToken() {
        return engine.createHeadToken();
    }

    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        return engine.createTokenAt(dateTime);
    }

    @Override
    public void close() {
        running = false;
        watcher.interrupt();
    }

    /** One processor's stream: reads ahead from its position whenever the store holds more. */
    private final class Tail implements BlockingStream<TrackedEventMessage<?>> {

        private final Deque<TrackedEventMessage<?>> buffer = new ArrayDeque<>();
        private TrackingToken readUpTo;
        private Runnable callback;

        Tail(TrackingToken from) {
            this.readUpTo = from;
        }

        private long position() {
            return readUpTo == null ? -1 : readUpTo.position().orElse(-1);
        }

        /** True when an event is buffered; reads from the store only when it holds more than was read. */
        private boolean fill() {
            if (!buffer.isEmpty()) {
                return true;
            }
            if (position() >= stored) {
                return false;
            }
            try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(readUpTo, false)) {
                events.limit(READ_AHEAD).forEach(buffer::add);
            }
            if (!buffer.isEmpty()) {
                readUpTo = buffer.peekLast().trackingToken();
            }
            return !buffer.isEmpty();
        }

        @Override
        public Optional<TrackedEventMessage<?>> peek() {
            return fill() ? Optional.of(buffer.peekFirst()) : Optional.empty();
        }

        @Override
        public boolean hasNextAvailable(int timeout, TimeUnit unit) {
            long deadline = System.nanoTime() + unit.toNanos(timeout);
            while (true) {
                long storedBefore = stored;
                if (fill()) {
                    return true;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                synchronized (progress) {
                    if (stored != storedBefore) {
                        continue; // the watcher saw more while this stream looked
                    }
                    // caught up: wait for the watcher; behind but nothing readable in order (a gap
                    // the engine waits at before fencing it): look again shortly
                    long wait = position() >= storedBefore ? left : Math.min(left, GAP_RECHECK_NANOS);
                    try {
                        TimeUnit.NANOSECONDS.timedWait(progress, wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                }
            }
        }

        @Override
        public TrackedEventMessage<?> nextAvailable() throws InterruptedException {
            while (!hasNextAvailable(1, TimeUnit.SECONDS)) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
            }
            return buffer.pollFirst();
        }

        @Override
        public boolean setOnAvailableCallback(Runnable callback) {
            if (this.callback != null) {
                callbacks.remove(this.callback);
            }
            this.callback = callback;
            callbacks.add(callback);
            return true;
        }

        @Override
        public void close() {
            if (callback != null) {
                callbacks.remove(callback);
            }
            buffer.clear();
        }
    }
}
