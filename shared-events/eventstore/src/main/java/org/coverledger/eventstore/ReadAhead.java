package org.coverledger.eventstore;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoCursor;
import org.bson.Document;

/**
 * The documents of a query, read by a thread of their own a few batches ahead of the caller: the
 * driver's fetching and decoding of the next batch overlaps the caller's work on this one (hashing,
 * for the chain's and the tree's checks), where a plain cursor asks for the next batch only once
 * this one is used up and the two take turns. The cursor is only ever touched by the reading
 * thread, which closes it when it is done or {@link #close closed}.
 */
final class ReadAhead implements Iterator<Document>, AutoCloseable {

    private static final int BATCH = 1000;
    private static final List<Document> END = List.of();

    private final BlockingQueue<List<Document>> batches = new ArrayBlockingQueue<>(4);
    private final Thread reader;
    private volatile boolean closed;
    private volatile RuntimeException failure;
    private List<Document> current = new ArrayList<>();
    private int next;
    private boolean ended;

    ReadAhead(FindIterable<Document> query) {
        reader = new Thread(() -> read(query), "coverledger-read-ahead");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(FindIterable<Document> query) {
        try (MongoCursor<Document> cursor = query.batchSize(BATCH).iterator()) {
            List<Document> batch = new ArrayList<>(BATCH);
            while (!closed && cursor.hasNext()) {
                batch.add(cursor.next());
                if (batch.size() == BATCH) {
                    batches.put(batch);
                    batch = new ArrayList<>(BATCH);
                }
            }
            if (!batch.isEmpty() && !closed) {
                batches.put(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return; // closed: nobody reads on
        } catch (RuntimeException e) {
            failure = e;
        }
        try {
            batches.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean hasNext() {
        while (!ended && next == current.size()) {
            try {
                current = batches.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading ahead", e);
            }
            next = 0;
            if (current == END) {
                ended = true;
                if (failure != null) {
                    throw failure;
                }
            }
        }
        return !ended;
    }

    @Override
    public Document next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return current.get(next++);
    }

    /** Stops the reading thread (it closes the cursor); what it read and nobody took is dropped. */
    @Override
    public void close() {
        closed = true;
        reader.interrupt();
    }
}
