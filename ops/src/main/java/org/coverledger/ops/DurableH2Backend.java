package org.coverledger.ops;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * The H2 backend of mongo-java-server, changed in two ways for the embedded default.
 * <p>
 * Durable: the H2 backend commits once a second on its own, so an acknowledged write could be
 * lost to a kill. This backend commits before a write is acknowledged. Concurrent writers share
 * one commit (group commit): a writer whose change a later commit already covered does not
 * commit again. A read commits what it may have seen before it answers (see
 * {@link #commitWhatWasRead()}).
 * <p>
 * Ordered index keys: the H2 backend keeps each unique index in an H2 map whose keys (a
 * {@link KeyValue}, not {@link Comparable}) H2 orders by Java-serializing both sides of every
 * comparison, about 0.1-0.3 ms of CPU per look-up at 100,000 keys and the largest cost of every
 * insert and every look-up by {@code _id}. Here the index maps order their keys with MongoDB's
 * own value order instead (stored bytes unchanged). Index maps written by the plain H2 backend are
 * copied once into maps under a new name when a database opens; the old map is removed only after
 * the copy, so a crash during the copy leaves the old map to copy again.
 */
public class DurableH2Backend extends H2Backend {

    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findandmodify", "createindexes",
            "dropindexes", "drop", "dropdatabase", "create", "renamecollection");
    static final String ORDERED_INDEX_SUFFIX = ".ordered";
    /**
     * Commands that change a collection's indexes or the collections themselves. mongo-java-server
     * keeps a collection's indexes in a plain list that a query walks, so an index created while a
     * query runs on the same collection fails that query (ConcurrentModificationException: two
     * processes starting on a fresh store, one building indexes while the other reads, failed a
     * start). They run alone; every other command shares the lock, uncontended.
     */
    private static final Set<String> SCHEMA_CHANGES = Set.of("createindexes", "dropindexes", "deleteindexes", "drop",
            "dropdatabase", "create", "renamecollection");
    private final java.util.concurrent.locks.ReentrantReadWriteLock schema =
            new java.util.concurrent.locks.ReentrantReadWriteLock();

    private final Object commitLock = new Object();
    private final AtomicLong writesFinished = new AtomicLong();
    private long writesCommitted;

    public DurableH2Backend(String fileName) {
        super(fileName);
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        String name = command.toLowerCase();
        java.util.concurrent.locks.Lock lock = SCHEMA_CHANGES.contains(name) ? schema.writeLock() : schema.readLock();
        Document response;
        lock.lock();
        try {
            response = super.handleCommand(channel, databaseName, command, query);
        } finally {
            lock.unlock();
        }
        if (WRITES.contains(name)) {
            commitThrough(writesFinished.incrementAndGet());
        } else {
            commitWhatWasRead();
        }
        return response;
    }

    /**
     * A read answers only with what is on disk: a reader may have seen a write still being
     * applied (not yet acknowledged), and a kill before its commit would take away what a
     * tracking reader already processed. So whatever is in memory when a read ends is committed
     * before the read answers, as a majority read concern on a replica set would answer only
     * with what survives a failover. At rest there is nothing to commit and this costs nothing.
     */
    private void commitWhatWasRead() {
        if (!getMvStore().hasUnsavedChanges()) {
            return;
        }
        synchronized (commitLock) {
            long upTo = writesFinished.get();
            if (getMvStore().hasUnsavedChanges()) {
                commit();
            }
            writesCommitted = Math.max(writesCommitted, upTo);
        }
    }

    private void commitThrough(long write) {
        synchronized (commitLock) {
            if (writesCommitted >= write) {
                return;
            }
            long upTo = writesFinished.get();
            commit();
            writesCommitted = upTo;
        }
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        // called from H2Backend's constructor too: the database may use only what H2Backend set up
        return new OrderedKeyDatabase(databaseName);
    }

    private final class OrderedKeyDatabase extends H2Database {

        OrderedKeyDatabase(String databaseName) {
            super(databaseName, getMvStore(), getCursorRegistry());
        }

        @Override
        protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys,
                boolean sparse) {
            return new OrderedKeyIndex(openIndexMap(legacyIndexMapName(collectionName, indexName)), indexName, keys,
                    sparse);
        }

        @Override
        protected void dropIndex(MongoCollection<Object> collection, String indexName) {
            super.dropIndex(collection, indexName);
            getMvStore().removeMap(legacyIndexMapName(collection.getCollectionName(), indexName) + ORDERED_INDEX_SUFFIX);
        }

        /** The name H2Database gives an index's map. */
        private String legacyIndexMapName(String collectionName, String indexName) {
            return getFullCollectionNamespace(collectionName) + "._index_" + indexName;
        }

        private MVMap<KeyValue, Object> openIndexMap(String legacyName) {
            MVStore store = getMvStore();
            MVMap<KeyValue, Object> map = store.openMap(legacyName + ORDERED_INDEX_SUFFIX,
                    new MVMap.Builder<KeyValue, Object>().keyType(OrderedKeyType.INSTANCE));
            if (store.hasMap(legacyName)) {
                MVMap<KeyValue, Object> legacy = store.openMap(legacyName);
                map.clear(); // a copy cut short by a crash starts again
                legacy.forEach(map::put);
                store.removeMap(legacy);
            }
            return map;
        }
    }

    /** A unique index over an H2 map, as the H2 backend's own, with ordered keys. */
    static final class OrderedKeyIndex extends AbstractUniqueIndex<Object> {

        private final MVMap<KeyValue, Object> map;

        OrderedKeyIndex(MVMap<KeyValue, Object> map, String name, List<IndexKey> keys, boolean sparse) {
            super(name, keys, sparse);
            this.map = map;
        }

        @Override
        protected Object removeDocument(KeyValue keyValue) {
            return map.remove(keyValue);
        }

        @Override
        protected boolean putKeyPosition(KeyValue keyValue, Object position) {
            return map.putIfAbsent(keyValue, Missing.ofNullable(position)) == null;
        }

        @Override
        protected Iterable<java.util.Map.Entry<KeyValue, Object>> getIterable() {
            return map.entrySet();
        }

        @Override
        protected Object getPosition(KeyValue keyValue) {
            return map.get(keyValue);
        }

        @Override
        public long getCount() {
            return map.sizeAsLong();
        }

        @Override
        public boolean isEmpty() {
            return map.isEmpty();
        }

        @Override
        public long getDataSize() {
            return getCount();
        }
    }

    /**
     * Index keys compared value by value in MongoDB's order (the order mongo-java-server sorts
     * by), stored as the H2 backend stores them.
     */
    static final class OrderedKeyType extends BasicDataType<KeyValue> {

        static final OrderedKeyType INSTANCE = new OrderedKeyType();
        private static final int ESTIMATED_MEMORY = 96;

        private final ObjectDataType storage = new ObjectDataType();

        @Override
        public int compare(KeyValue a, KeyValue b) {
            int common = Math.min(a.size(), b.size());
            for (int i = 0; i < common; i++) {
                int order = compareValues(a.get(i), b.get(i));
                if (order != 0) {
                    return order;
                }
            }
            return Integer.compare(a.size(), b.size());
        }

        /**
         * MongoDB's order; numbers exactly (mongo-java-server's comparator compares a long with
         * a double as two longs, so 1 and 1.5 would be one key).
         */
        private static int compareValues(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y && !(a instanceof Decimal128)
                    && !(b instanceof Decimal128)) {
                boolean integralX = isIntegral(x);
                boolean integralY = isIntegral(y);
                if (integralX && integralY) {
                    return Long.compare(x.longValue(), y.longValue());
                }
                int order = Double.compare(x.doubleValue(), y.doubleValue());
                if (order != 0 || integralX == integralY) {
                    return order;
                }
                return exact(x).compareTo(exact(y)); // a long beyond a double's precision
            }
            return ValueComparator.asc().compare(a, b);
        }

        private static boolean isIntegral(Number number) {
            return number instanceof Long || number instanceof Integer || number instanceof Short
                    || number instanceof Byte;
        }

        private static BigDecimal exact(Number number) {
            return isIntegral(number) ? BigDecimal.valueOf(number.longValue()) : new BigDecimal(number.doubleValue());
        }

        @Override
        public int getMemory(KeyValue key) {
            return ESTIMATED_MEMORY;
        }

        @Override
        public void write(WriteBuffer buffer, KeyValue key) {
            storage.write(buffer, key);
        }

        @Override
        public KeyValue read(ByteBuffer buffer) {
            return (KeyValue) storage.read(buffer);
        }

        @Override
        public KeyValue[] createStorage(int size) {
            return new KeyValue[size];
        }
    }
}
