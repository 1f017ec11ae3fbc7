package org.coverledger.eventstore;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.LongStream;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.WriteError;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.InsertManyOptions;
import org.axonframework.eventsourcing.eventstore.EventStoreException;
import org.bson.Document;

/**
 * Writes commits at the head of the global order. Appends from concurrent threads queue up and
 * one writer thread inserts all that wait in one ordered {@code insertMany}, at the next free
 * global indexes. No index is ever reserved ahead of its write, so the order has no holes:
 * <ul>
 *   <li>each commit takes exactly the index after the last one written; if another process
 *       took it first, the unique {@code _id} refuses the insert and the writer moves to the
 *       new head and tries again;</li>
 *   <li>each commit lists its indexes in {@code idx} under a unique index, so no two commits
 *       can overlap whatever their sizes;</li>
 *   <li>the insert is ordered, so a refused commit (a concurrency conflict) stops the batch
 *       there: the commits before it are stored, it fails, and those after it are written at
 *       the index it would have had.</li>
 * </ul>
 * A crash leaves a prefix of the batch: whole commits, still without holes.
 */
final class Appender {

    /** A commit waiting to be written; {@code done} completes with the global index of its last event. */
    record Pending(Document commit, int size, CompletableFuture<Long> done) {
        Pending(Document commit, int size) {
            this(commit, size, new CompletableFuture<>());
        }
    }

    private final MongoCollection<Document> commits;
    private final int maxBatch;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final LongAdder conflicts = new LongAdder();
    private final LongAdder batches = new LongAdder();
    /** Told the number of commits of every insert sent (the metrics' batch-size histogram). */
    private volatile java.util.function.IntConsumer batchSizes = size -> { };
    private final LongAdder commitsWritten = new LongAdder();
    private final LongAdder eventsWritten = new LongAdder();
    /**
     * An index known to be the end of a commit or marker stored (everything before it is stored, as
     * the order has no holes): where {@link #headFromStore} starts walking, so that only the first
     * call pays the embedded server's scan for the last commit. -1: none known yet.
     */
    private final java.util.concurrent.atomic.AtomicLong knownEnd = new java.util.concurrent.atomic.AtomicLong(-1);
    private long nextIndex = -1; // writer thread only
    private byte[] lastChain; // writer thread only: the chain value of the last commit before nextIndex
    private Thread writer;

    private final boolean sealing;

    Appender(MongoCollection<Document> commits, int maxBatch) {
        this(commits, maxBatch, true);
    }

    Appender(MongoCollection<Document> commits, int maxBatch, boolean sealing) {
        this.commits = commits;
        this.maxBatch = maxBatch;
        this.sealing = sealing;
    }

    long conflicts() {
        return conflicts.sum();
    }

    /** Inserts sent ({@code insertMany}, each one disk commit). */
    void onBatch(java.util.function.IntConsumer listener) {
        this.batchSizes = listener;
    }

    long batches() {
        return batches.sum();
    }

    /** Commits stored. */
    long commitsWritten() {
        return commitsWritten.sum();
    }

    /** Events stored. */
    long eventsWritten() {
        return eventsWritten.sum();
    }

    /**
     * Stores the commit, or throws why not: a {@link MongoWriteException} with the duplicate key
     * for a conflict, an {@code EventStoreException} for an unknown outcome. Returns once the
     * commit is acknowledged.
     */
    long append(Pending pending) {
        startWriter();
        queue.add(pending);
        try {
            return pending.done().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw e;
        }
    }

    private synchronized void startWriter() {
        if (writer == null) {
            writer = new Thread(this::writeForever, "event-store-appender");
            writer.setDaemon(true);
            writer.start();
        }
    }

    private void writeForever() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, maxBatch - 1);
                write(batch);
            } catch (InterruptedException e) {
                batch.forEach(p -> p.done().completeExceptionally(new EventStoreException("The appender stopped")));
                return;
            } catch (RuntimeException e) {
                // whatever was not completed has an unknown outcome; the head is read again next time
                nextIndex = -1;
                EventStoreException failure = new EventStoreException("Could not store the events; the outcome is unknown", e);
                batch.forEach(p -> p.done().completeExceptionally(failure));
            }
            batch.clear();
        }
    }

    private void write(List<Pending> batch) {
        List<Pending> todo = new ArrayList<>(batch);
        while (!todo.isEmpty()) {
            if (nextIndex < 0) {
                locateHead();
            }
            List<Document> documents = new ArrayList<>(todo.size());
            long index = nextIndex;
            byte[] chain = lastChain;
            for (Pending pending : todo) {
                Document commit = pending.commit();
                commit.put("_id", index);
                commit.put("last", index + pending.size() - 1);
                commit.put("idx", LongStream.range(index, index + pending.size()).boxed().toList());
                if (sealing) {
                    chain = CommitChain.link(chain, commit); // sealed in the same document: stored whole or not at all
                    commit.put(CommitChain.FIELD, CommitChain.hex(chain));
                }
                documents.add(commit);
                index += pending.size();
            }
            batches.increment();
            batchSizes.accept(documents.size());
            try {
                commits.insertMany(documents, new InsertManyOptions().ordered(true));
                nextIndex = index;
                lastChain = chain;
                knownEnd.accumulateAndGet(index, Math::max);
                todo.forEach(this::written);
                return;
            } catch (MongoBulkWriteException e) {
                BulkWriteError error = e.getWriteErrors().get(0);
                int refused = error.getIndex();
                todo.subList(0, refused).forEach(this::written);
                if (refused > 0) {
                    lastChain = CommitChain.stored(documents.get(refused - 1));
                }
                Pending failed = todo.get(refused);
                long failedAt = failed.commit().getLong("_id");
                if (ErrorCategory.fromErrorCode(error.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    throw new MongoException("insert refused: " + error.getMessage());
                }
                if (isConflict(error)) {
                    conflicts.increment();
                    failed.done().completeExceptionally(new MongoWriteException(
                            new WriteError(error.getCode(), error.getMessage(), error.getDetails()),
                            e.getServerAddress(), e.getErrorLabels()));
                    nextIndex = failedAt; // not taken: the next commit gets it
                    todo = new ArrayList<>(todo.subList(refused + 1, todo.size()));
                } else {
                    // another writer took this index: continue after what is there now
                    byte[][] chainSeen = {lastChain};
                    nextIndex = headFrom(failedAt, chainSeen);
                    lastChain = chainSeen[0];
                    todo = new ArrayList<>(todo.subList(refused, todo.size()));
                }
            }
        }
    }

    private void written(Pending pending) {
        commitsWritten.increment();
        eventsWritten.add(pending.size());
        pending.done().complete(pending.commit().getLong("last"));
    }

    /**
     * A commit refused for what it holds (an aggregate sequence or an event identifier already
     * stored) rather than for where it was to go (an index another writer took first).
     */
    private static boolean isConflict(BulkWriteError error) {
        String message = error.getMessage();
        return message.contains(MongoCommitLogEngine.STREAM_INDEX) || message.contains(MongoCommitLogEngine.EVENT_ID_INDEX);
    }

    /**
     * Where the writer continues: the index after the last commit stored and the chain value of
     * the last commit (not a void marker) before it.
     */
    private void locateHead() {
        long end = CommitChain.end(commits);
        byte[][] chainSeen = {CommitChain.chainBefore(commits, end)};
        nextIndex = headFrom(end, chainSeen);
        lastChain = chainSeen[0];
    }

    /** The first free index at or after {@code from}, following the commits written from there. */
    private long headFrom(long from) {
        return headFrom(from, null);
    }

    /**
     * As {@link #headFrom(long)}; {@code chainSeen[0]}, if given, moves on to the chain value of
     * each commit passed (a commit another writer stored without one is linked as it is).
     */
    private long headFrom(long from, byte[][] chainSeen) {
        return CommitChain.walk(commits, from, Long.MAX_VALUE - 1, commit -> {
            if (chainSeen != null && !CommitChain.isVoid(commit)) {
                byte[] stored = CommitChain.stored(commit);
                chainSeen[0] = stored != null ? stored : CommitChain.link(chainSeen[0], commit);
            }
        });
    }

    /**
     * The index after the last commit stored. The first call finds the last commit by a sort (which
     * the embedded server answers by scanning the whole collection: seconds at 10^5 commits, under
     * the collection's lock, so every reader waited); later calls walk on from the end found
     * before, by look-ups on {@code _id}. An end known before is checked to still end a stored
     * commit (one look-up on the unique {@code idx} index), so a store emptied under a running
     * process (tests, a restore) is found by the sort again.
     */
    long headFromStore() {
        long known = knownEnd.get();
        long end;
        if (known > 0 && commits.find(new Document("idx", known - 1)).projection(new Document("_id", 1)).first() != null) {
            end = headFrom(known);
        } else {
            end = headFrom(CommitChain.end(commits));
        }
        if (known >= 0 && end < known) {
            knownEnd.compareAndSet(known, end); // emptied and written again: what is there now
        } else {
            knownEnd.accumulateAndGet(end, Math::max);
        }
        return end;
    }
}
