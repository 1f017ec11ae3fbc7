package org.coverledger.eventstore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import org.axonframework.common.stream.BlockingStream;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
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
 * streams take no availability callback), so each processor's coordinator looked again every
 * 500 ms, on top of the store's own fetch delay: that was the half second between a command's
 * acknowledgement and its projection. Here one reader thread per process follows the head: every
 * {@code interval} it asks the store for the next index (one equality look-up on a unique index,
 * which is all an idle process costs), reads what has arrived into a shared cache of recent
 * events, and wakes every open stream's processor at once. Streams at the head take their events
 * from that cache, so several projections cost one read; a stream further behind (a rebuild)
 * reads from the store itself, in batches, at the engine's speed.
 */
public final class CommitLogTail implements StreamableMessageSource<TrackedEventMessage<?>>, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CommitLogTail.class);
    private static final int READ_AHEAD = 512;
    private static final int CACHED = 10_000;
    private static final long GAP_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final MongoCommitLogEngine engine;
    private final long intervalNanos;
    private final Set<Runnable> callbacks = ConcurrentHashMap.newKeySet();
    private final Object progress = new Object();
    /** Recent events by global position: every event after {@link #cachedFrom} up to {@link #stored}. */
    private final ConcurrentSkipListMap<Long, TrackedEventMessage<?>> recent = new ConcurrentSkipListMap<>();
    private final Thread reader;
    private volatile long cachedFrom;
    private volatile long stored;
    private volatile boolean running = true;

    public CommitLogTail(MongoCommitLogEngine engine, Duration interval) {
        this.engine = engine;
        this.intervalNanos = interval.toNanos();
        TrackingToken head = engine.createHeadToken();
        this.stored = head == null ? -1 : head.position().orElse(-1);
        this.cachedFrom = stored;
        this.reader = new Thread(this::follow, "event-store-tail");
        reader.setDaemon(true);
        reader.start();
    }

    /** The position of the last event read from the store. */
    public long storedPosition() {
        return stored;
    }

    /**
     * Looks for new events now rather than at the next interval: for a reader who knows a
     * position has been written (a query waiting to read its own writes).
     */
    public void lookNow() {
        LockSupport.unpark(reader);
    }

    private void follow() {
        while (running) {
            long pause = intervalNanos;
            try {
                if (readNew() > 0) {
                    continue; // more may be there already
                }
            } catch (RuntimeException e) {
                log.warn("Could not read new events; trying again in a second: {}", e.toString());
                pause = TimeUnit.SECONDS.toNanos(1); // the store is away: no log line every interval
            }
            LockSupport.parkNanos(pause);
        }
    }

    private int readNew() {
        int read = 0;
        TrackingToken from = stored < 0 ? null : new GlobalSequenceTrackingToken(stored);
        long last = stored;
        for (TrackedEventMessage<?> event : readAhead(from)) {
            last = event.trackingToken().position().orElseThrow();
            recent.put(last, event);
            read++;
        }
        if (read > 0) {
            stored = last;
            // positions are dense (but for fenced gaps), so this keeps about CACHED events; size() would count them all
            while (last - recent.firstKey() >= CACHED) {
                long oldest = recent.firstKey();
                cachedFrom = oldest; // first, so that a stream reading the cache sees it lost this one
                recent.remove(oldest);
            }
            synchronized (progress) {
                progress.notifyAll();
            }
            callbacks.forEach(Runnable::run);
        }
        return read;
    }

    /** Up to {@value #READ_AHEAD} events from the store after the token, in order. */
    private List<TrackedEventMessage<?>> readAhead(TrackingToken after) {
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(after, false)) {
            return events.limit(READ_AHEAD).collect(java.util.stream.Collectors.toList());
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
        reader.interrupt();
    }

    /** One processor's stream: from the shared cache at the head, from the store when further behind. */
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

        /** True when an event is buffered; takes it from the cache or, behind the cache, from the store. */
        private boolean fill() {
            if (!buffer.isEmpty()) {
                return true;
            }
            long position = position();
            if (position >= stored) {
                return false;
            }
            if (position >= cachedFrom) {
                for (TrackedEventMessage<?> event : recent.tailMap(position, false).values()) {
                    buffer.add(event);
                    if (buffer.size() >= READ_AHEAD) {
                        break;
                    }
                }
            }
            // behind the cache, or the cache moved past this stream while it was read
            if (buffer.isEmpty() || position < cachedFrom) {
                buffer.clear();
                buffer.addAll(readAhead(readUpTo));
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
                        continue; // the reader brought more while this stream looked
                    }
                    // caught up: wait for the reader; behind but nothing readable in order (a gap
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
