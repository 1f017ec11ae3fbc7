package org.coverledger.query.infra;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.concurrent.atomic.AtomicLong;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.messaging.Message;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.BulkOperationException;
import org.springframework.data.mongodb.core.BulkOperations;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.data.mongodb.core.query.Update;

/**
 * The writes a projection makes while it handles one batch of events, sent to MongoDB as one
 * bulk write per collection when the batch ends, instead of one write (and, on the embedded
 * server, one disk commit) per event. What the projection needs to decide within the batch (a
 * view's last applied sequence) it keeps in {@link #remember}, read from MongoDB once a batch, for
 * all the batch's views in one read.
 *
 * <p>The writes go out before the batch's token is stored
 * ({@link org.coverledger.eventstore.FlushingTokenStore}), so a crash in between replays the
 * batch: projections stay idempotent, the token never runs ahead of the read model. Outside a
 * batch (a handler called directly) every write goes out at once.
 *
 * <p>A write that fails at the flush fails outside the handler that made it, where Axon's
 * dead-letter queue cannot park that one event, and the batch would be retried for ever. So
 * after a failed flush every write goes out at once, inside its handler, for
 * {@link #DEGRADED_FOR}: the retried batch then parks the failing event and carries on.
 */
public final class BatchedWrites {

    private static final String RESOURCE = BatchedWrites.class.getName();
    static final Duration DEGRADED_FOR = Duration.ofMinutes(1);
    private static final AtomicLong lastFailedFlush = new AtomicLong(System.nanoTime() - DEGRADED_FOR.toNanos());

    private record Pending(Class<?> type, BulkOperations.BulkMode mode, List<Consumer<BulkOperations>> writes,
                           IntConsumer onDuplicates) {
    }

    private static final Logger log = LoggerFactory.getLogger(BatchedWrites.class);

    private final MongoTemplate mongo;
    private final boolean immediate;
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Map<String, Object> remembered = new HashMap<>();
    private final List<Runnable> beforeFlush = new ArrayList<>();

    private BatchedWrites(MongoTemplate mongo, boolean immediate) {
        this.mongo = mongo;
        this.immediate = immediate;
    }

    /** The writes of the batch being handled on this thread. */
    public static BatchedWrites current(MongoTemplate mongo) {
        if (!CurrentUnitOfWork.isStarted() || degraded()) {
            return new BatchedWrites(mongo, true);
        }
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        return batch.getOrComputeResource(RESOURCE, key -> {
            BatchedWrites writes = new BatchedWrites(mongo, false);
            batch.onPrepareCommit(unitOfWork -> writes.flush());
            return writes;
        });
    }

    private static boolean degraded() {
        return System.nanoTime() - lastFailedFlush.get() < DEGRADED_FOR.toNanos();
    }

    /** Sends what the batch on this thread has queued, if any; before its token is stored. */
    public static void flushCurrent() {
        if (CurrentUnitOfWork.isStarted()) {
            BatchedWrites writes = CurrentUnitOfWork.get().root().getResource(RESOURCE);
            if (writes != null) {
                writes.flush();
            }
        }
    }

    /**
     * A value kept for the rest of the batch under the key; on the first miss, the values of every
     * key the batch's events will ask for are loaded in one read ({@code loadAll}, which leaves
     * out the keys it finds nothing for: they are remembered as {@code absent}). {@code keyOf}
     * names an event's key, or null for events that ask for none; it sees the events as stored,
     * and should decide by their type and aggregate, which need no deserializing.
     */
    public <T> T remember(String key, Function<DomainEventMessage<?>, String> keyOf,
                          Function<Set<String>, Map<String, T>> loadAll, T absent) {
        if (immediate) {
            return loadAll.apply(Set.of(key)).getOrDefault(key, absent);
        }
        if (!remembered.containsKey(key)) {
            Set<String> keys = new LinkedHashSet<>();
            keys.add(key);
            if (CurrentUnitOfWork.get().root() instanceof BatchingUnitOfWork<?> batch) {
                for (Message<?> message : batch.getMessages()) {
                    String other = message instanceof DomainEventMessage<?> event ? keyOf.apply(event) : null;
                    if (other != null && !remembered.containsKey(other)) {
                        keys.add(other);
                    }
                }
            }
            Map<String, T> loaded = loadAll.apply(keys);
            keys.forEach(k -> remembered.put(k, loaded.getOrDefault(k, absent)));
        }
        @SuppressWarnings("unchecked")
        T value = (T) remembered.get(key);
        return value;
    }

    /** Replaces what is remembered under the key (after queuing a write that changes it). */
    public void remember(String key, Object value) {
        remembered.put(key, value);
    }

    public void insert(Object entity) {
        queue(entity.getClass(), BulkOperations.BulkMode.ORDERED, ops -> ops.insert(entity), null);
    }

    /** An insert of which a duplicate key is expected now and then (a redelivery); duplicates are counted. */
    public void insertUnlessPresent(Object entity, IntConsumer onDuplicates) {
        queue(entity.getClass(), BulkOperations.BulkMode.UNORDERED, ops -> ops.insert(entity), onDuplicates);
    }

    public void updateById(Class<?> type, String id, Update update) {
        updateOne(type, Query.query(where("_id").is(id)), update);
    }

    /** Updates the one document the query finds, if it finds one (a condition beside the _id makes an update idempotent). */
    public void updateOne(Class<?> type, Query query, Update update) {
        queue(type, BulkOperations.BulkMode.ORDERED, ops -> ops.updateOne(query, update), null);
    }

    /** Updates the document, creating it if it is not there. */
    public void upsertById(Class<?> type, String id, Update update) {
        queue(type, BulkOperations.BulkMode.ORDERED, ops -> ops.upsert(Query.query(where("_id").is(id)), update), null);
    }

    private void failed() {
        pending.clear();
        if (!immediate) {
            lastFailedFlush.set(System.nanoTime());
            log.warn("A batch of read-model writes failed; writing event by event for {} so that the failing event "
                    + "can be dead-lettered", DEGRADED_FOR);
        }
    }

    private void queue(Class<?> type, BulkOperations.BulkMode mode, Consumer<BulkOperations> write,
                       IntConsumer onDuplicates) {
        String key = type.getName() + "/" + mode;
        pending.computeIfAbsent(key, k -> new Pending(type, mode, new ArrayList<>(), onDuplicates)).writes().add(write);
        if (immediate) {
            flush();
        }
    }

    /**
     * Work to do first when the batch's writes go out, before its token is stored: a projection
     * that keeps its own account of the batch writes it then. False, with nothing kept, when
     * writes go out at once (no batch, or after a failed flush): the caller writes now.
     */
    public boolean beforeFlush(Runnable work) {
        if (immediate) {
            return false;
        }
        beforeFlush.add(work);
        return true;
    }

    /** Sends every queued write, one bulk write per collection and mode, in the order first queued. */
    public void flush() {
        try {
            for (Runnable work : beforeFlush) {
                work.run();
            }
        } catch (RuntimeException e) {
            beforeFlush.clear();
            failed();
            throw e;
        }
        beforeFlush.clear();
        for (Pending batch : pending.values()) {
            BulkOperations bulk = mongo.bulkOps(batch.mode(), batch.type());
            batch.writes().forEach(write -> write.accept(bulk));
            try {
                bulk.execute();
            } catch (BulkOperationException e) {
                boolean onlyDuplicates = batch.onDuplicates() != null
                        && e.getErrors().stream().allMatch(error -> error.getCode() == 11000);
                if (!onlyDuplicates) {
                    failed();
                    throw e;
                }
                batch.onDuplicates().accept(e.getErrors().size());
            } catch (RuntimeException e) {
                failed();
                throw e;
            }
        }
        pending.clear();
    }
}
