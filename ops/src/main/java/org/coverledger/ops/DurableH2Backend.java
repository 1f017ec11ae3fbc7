package org.coverledger.ops;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;
import org.h2.mvstore.type.ObjectDataType;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.ValueComparator;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Decimal128;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;
import io.netty.channel.Channel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The H2 backend of mongo-java-server, changed in four ways for the embedded default (and
 * aggregations that begin with a {@code $match} read their input by the indexes too).
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
 * <p>
 * Index look-ups for queries with more than an index's keys: mongo-java-server reads by a unique
 * index only when the query names exactly the index's keys, so {@code {_id: x, state: "DUE"}} or
 * {@code {$and: [{_id: x}, {count: {$lt: 3}}]}} (how the Java driver writes {@code Filters.and})
 * scanned the whole collection: every conditional update, every token claim, and so a cost that
 * grew with the store. Here such a query reads by the index the documents its keys' equalities
 * select and matches the whole query on those alone, as MongoDB's planner does. A scan that is
 * left, over more than {@value #LARGE_SCAN} documents, is logged once per collection and query
 * shape, so that a read model that will not scale on the embedded server shows itself.
 * <p>
 * Non-unique indexes: mongo-java-server keeps none (it notes them and scans), so every look-up by
 * a non-unique field and every range query read the whole collection. Here each is kept in an H2
 * map beside the collection's ({@link SecondaryIndex}), written in the same commit as the
 * documents, and a query whose equalities pin a prefix of its keys, perhaps with a range on the
 * next key, reads only the entries in those bounds.
 * <p>
 * Beside those, a command holds the store version it started on
 * ({@link MVStore#registerVersionUsage}), as H2's own transactions do: H2 frees a chunk once no
 * version in use needs it, and a read still walking an older root (a count over a non-unique
 * index's range while writers commit and the background writer compacts) then failed with
 * "Chunk ... not found" (h2database issues 2118 and 4383). Seen once here, on the timetable's
 * count of due steps while 10^6 events were folded.
 */
public class DurableH2Backend extends H2Backend {

    private static final Logger log = LoggerFactory.getLogger(DurableH2Backend.class);
    static final int LARGE_SCAN = 10_000;
    private static final int SHAPES_KEPT = 1_000;

    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findandmodify", "createindexes",
            "dropindexes", "drop", "dropdatabase", "create", "renamecollection");
    static final String ORDERED_INDEX_SUFFIX = ".ordered";
    static final String SECONDARY_INDEX_SUFFIX = ".secondary";
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

    private final AtomicLong fullScans = new AtomicLong();
    private final java.util.concurrent.atomic.LongAdder documentsRead = new java.util.concurrent.atomic.LongAdder();
    private final Set<String> largeScansLogged = ConcurrentHashMap.newKeySet();
    private final Object commitLock = new Object();
    private final AtomicLong writesFinished = new AtomicLong();
    private long writesCommitted;

    /**
     * H2's unsaved-memory limit ({@code autoCommitBufferSize}), in KB: 1 MB instead of the 19 MB H2
     * takes when the heap is large. The limit also sets how much live data H2's background
     * compaction moves in one step, holding the store's lock while it reads the pages, which the
     * next commit then writes: a quarter of the limit a pass (three passes a second) while the
     * store is busy, the whole limit when it is idle. On the folded 10^6 store, 19 MB made that a
     * step of about 5 MB, and the call whose commit came after it waited: at 1 client p99 was
     * 1.2-3.4x that of a 10^4 store while p50 did not move. A step of 256 KB took p99 there down
     * to 0.4-0.7x of what it was (ops/BENCHMARKS.md, 2026-12-07). Bulk writes commit every 1 MB
     * of unsaved pages instead of every 19 MB; that was not slower (insertMany of 1000 documents).
     * The price: under sustained writes compaction falls behind and the file grows to several
     * times its live data, which {@code ops/compact} ({@link CompactStore}) gives back.
     */
    static final int UNSAVED_MEMORY_KB = 1024;

    /**
     * H2's own page cache stays at its default size (16 MB). A quarter of the heap (1 GB here)
     * folded 10^6 events a third slower: 163 positions/s for the analytics projection against 247
     * with 16 MB and 242 with 64 MB, from the same store, one after the other (ops/BENCHMARKS.md,
     * 2026-12-06 night).
     */
    public DurableH2Backend(String fileName) {
        super(open(fileName));
    }

    private static MVStore open(String fileName) {
        log.info("opening MVStore in '{}'", fileName);
        return new MVStore.Builder().fileName(fileName).autoCommitBufferSize(UNSAVED_MEMORY_KB).open();
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        String name = command.toLowerCase();
        java.util.concurrent.locks.Lock lock = SCHEMA_CHANGES.contains(name) ? schema.writeLock() : schema.readLock();
        Document response;
        lock.lock();
        // the pages of the version this command starts on stay readable until it ends (see below)
        MVStore.TxCounter version = getMvStore().registerVersionUsage();
        try {
            leadingMatch.set(name.equals("aggregate") ? LeadingMatch.of(databaseName, query) : null);
            response = super.handleCommand(channel, databaseName, command, query);
        } finally {
            getMvStore().deregisterVersionUsage(version);
            leadingMatch.remove();
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

    /**
     * An aggregation's first stage when it is a {@code $match} (how the driver's
     * {@code countDocuments} and most reports begin): mongo-java-server feeds every aggregation
     * the whole collection and matches after, so each count of a page's total read everything.
     * The collection reads the aggregation's input by this query instead, through its indexes
     * ({@link IndexedCollection#queryAllAsStream}); the {@code $match} stage still runs on what
     * that returns, so the answer is the same.
     */
    private record LeadingMatch(String namespace, Document query) {
        static LeadingMatch of(String databaseName, Document command) {
            if (command.get("aggregate") instanceof String collection && command.get("pipeline") instanceof List<?> stages
                    && !stages.isEmpty() && stages.get(0) instanceof Document first && first.size() == 1
                    && first.get("$match") instanceof Document match && !match.isEmpty()) {
                return new LeadingMatch(databaseName + "." + collection, match);
            }
            return null;
        }
    }

    private static final ThreadLocal<LeadingMatch> leadingMatch = new ThreadLocal<>();

    /** How many queries read a whole collection, since this backend started. */
    public long fullScans() {
        return fullScans.get();
    }

    /** How many documents queries read by position (by an index), since this backend started. */
    long documentsRead() {
        return documentsRead.sum();
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

        /** A non-unique index (mongo-java-server would keep none): {@link SecondaryIndex}. */
        @Override
        protected Index<Object> openOrCreateSecondaryIndex(String collectionName, String indexName, List<IndexKey> keys,
                boolean sparse) {
            String mapName = legacyIndexMapName(collectionName, indexName) + SECONDARY_INDEX_SUFFIX;
            return new SecondaryIndex(getMvStore(), getMvStore().openMap(mapName,
                    new MVMap.Builder<KeyValue, Boolean>().keyType(OrderedKeyType.INSTANCE)), indexName, keys, sparse);
        }

        @Override
        protected void dropIndex(MongoCollection<Object> collection, String indexName) {
            super.dropIndex(collection, indexName);
            getMvStore().removeMap(legacyIndexMapName(collection.getCollectionName(), indexName) + ORDERED_INDEX_SUFFIX);
        }

        /** A collection as H2Database opens it (the same maps), with {@link IndexedCollection}'s reads. */
        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            String namespace = getFullCollectionNamespace(collectionName);
            return new IndexedCollection(this, collectionName, options, getMvStore().openMap("databases." + namespace,
                    new MVMap.Builder<Object, Document>().valueType(DocumentType.INSTANCE)),
                    getMvStore().openMap("meta." + namespace));
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
        /** The tag of a compact key (neither ObjectDataType nor {@link Bson} writes it first). */
        private static final byte COMPACT = (byte) 0xF6;
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
        static int compareValues(Object a, Object b) {
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

        /**
         * A key of plain values (strings, numbers, booleans, object ids, dates, nulls: nearly all)
         * as a tag, a count and each value's type and bytes; any other as BSON
         * ({@code {k: [values]}}); one BSON cannot hold Java-serialized as before.
         */
        @Override
        public void write(WriteBuffer buffer, KeyValue key) {
            if (key.stream().allMatch(OrderedKeyType::isCompact)) {
                buffer.put(COMPACT).putVarInt(key.size());
                key.forEach(value -> writeCompact(buffer, value));
                return;
            }
            Document holder = new Document("k", key.stream().toList());
            if (!Bson.write(buffer, holder)) {
                storage.write(buffer, key);
            }
        }

        @Override
        public KeyValue read(ByteBuffer buffer) {
            if (buffer.get(buffer.position()) == COMPACT) {
                buffer.get();
                Object[] values = new Object[DataUtils.readVarInt(buffer)];
                for (int i = 0; i < values.length; i++) {
                    values[i] = readCompact(buffer);
                }
                return new KeyValue(values);
            }
            Document holder = Bson.read(buffer);
            return holder == null ? (KeyValue) storage.read(buffer) : new KeyValue((List<?>) holder.get("k"));
        }

        private static boolean isCompact(Object value) {
            return value == null || value instanceof String || value instanceof Integer || value instanceof Long
                    || value instanceof Double || value instanceof Boolean || value instanceof ObjectId
                    || value instanceof java.time.Instant;
        }

        private static void writeCompact(WriteBuffer buffer, Object value) {
            if (value == null) {
                buffer.put((byte) 0);
            } else if (value instanceof String text) {
                buffer.put((byte) 1).putVarInt(text.length()).putStringData(text, text.length());
            } else if (value instanceof Integer number) {
                buffer.put((byte) 2).putInt(number);
            } else if (value instanceof Long number) {
                buffer.put((byte) 3).putLong(number);
            } else if (value instanceof Double number) {
                buffer.put((byte) 4).putLong(Double.doubleToRawLongBits(number));
            } else if (value instanceof Boolean yes) {
                buffer.put((byte) (yes ? 5 : 6));
            } else if (value instanceof ObjectId id) {
                buffer.put((byte) 7).put(id.toByteArray());
            } else {
                java.time.Instant at = (java.time.Instant) value;
                buffer.put((byte) 8).putLong(at.getEpochSecond()).putInt(at.getNano());
            }
        }

        private static Object readCompact(ByteBuffer buffer) {
            byte type = buffer.get();
            return switch (type) {
                case 0 -> null;
                case 1 -> DataUtils.readString(buffer, DataUtils.readVarInt(buffer));
                case 2 -> buffer.getInt();
                case 3 -> buffer.getLong();
                case 4 -> Double.longBitsToDouble(buffer.getLong());
                case 5 -> Boolean.TRUE;
                case 6 -> Boolean.FALSE;
                case 7 -> {
                    byte[] id = new byte[12];
                    buffer.get(id);
                    yield new ObjectId(id);
                }
                case 8 -> java.time.Instant.ofEpochSecond(buffer.getLong(), buffer.getInt());
                default -> throw new IllegalStateException("An index key of an unknown type " + type);
            };
        }

        @Override
        public KeyValue[] createStorage(int size) {
            return new KeyValue[size];
        }
    }

    /**
     * Stored values as BSON behind a tag byte that H2's {@link ObjectDataType} never writes first
     * (its tags end at 119), instead of that type's Java serialization of every document and
     * index key of a page on every commit, and back on every page read: about half the embedded
     * server's CPU (JFR, ops/BENCHMARKS.md). A value written before, or one BSON cannot hold
     * (nothing that arrives over the wire), reads and writes as before, so a file of an earlier
     * version needs no migration: each page is rewritten as BSON the next time it changes.
     */
    static final class Bson {

        static final byte TAG = (byte) 0xF5;

        private Bson() {
        }

        /** Writes the document as BSON; false (nothing written) when BSON cannot hold it. */
        static boolean write(WriteBuffer buffer, Document document) {
            io.netty.buffer.ByteBuf bson = io.netty.buffer.Unpooled.buffer(256);
            try {
                de.bwaldvogel.mongo.wire.bson.BsonEncoder.encodeDocument(document, bson);
                buffer.put(TAG).put(bson.array(), bson.arrayOffset() + bson.readerIndex(), bson.readableBytes());
                return true;
            } catch (RuntimeException notBson) {
                return false;
            } finally {
                bson.release();
            }
        }

        /** The BSON document at the buffer's position, or null (nothing read) when it holds another format. */
        static Document read(ByteBuffer buffer) {
            int start = buffer.position();
            if (buffer.get(start) != TAG) {
                return null;
            }
            int length = Integer.reverseBytes(buffer.getInt(start + 1)); // BSON's length, little-endian
            ByteBuffer bson = buffer.duplicate();
            bson.position(start + 1).limit(start + 1 + length);
            Document document = de.bwaldvogel.mongo.wire.bson.BsonDecoder.decodeBson(
                    io.netty.buffer.Unpooled.wrappedBuffer(bson));
            buffer.position(start + 1 + length);
            return document;
        }
    }

    /** A collection's documents, stored as BSON ({@link Bson}). */
    static final class DocumentType extends BasicDataType<Document> {

        static final DocumentType INSTANCE = new DocumentType();

        private final ObjectDataType storage = new ObjectDataType();

        @Override
        public int getMemory(Document document) {
            return 64 + estimate(document);
        }

        /** About what a value takes on the heap, for H2's page cache, without serializing it. */
        private static int estimate(Object value) {
            if (value instanceof java.util.Map<?, ?> map) {
                int size = 48;
                for (Map.Entry<?, ?> entry : map.entrySet()) {
                    size += 48 + 2 * String.valueOf(entry.getKey()).length() + estimate(entry.getValue());
                }
                return size;
            }
            if (value instanceof java.util.Collection<?> list) {
                int size = 32;
                for (Object each : list) {
                    size += 8 + estimate(each);
                }
                return size;
            }
            if (value instanceof String text) {
                return 40 + 2 * text.length();
            }
            if (value instanceof de.bwaldvogel.mongo.bson.BinData binary) {
                return 32 + binary.getData().length;
            }
            return 24;
        }

        @Override
        public void write(WriteBuffer buffer, Document document) {
            if (!Bson.write(buffer, document)) {
                storage.write(buffer, document);
            }
        }

        @Override
        public Document read(ByteBuffer buffer) {
            Document document = Bson.read(buffer);
            return document != null ? document : (Document) storage.read(buffer);
        }

        @Override
        public Document[] createStorage(int size) {
            return new Document[size];
        }
    }

    /**
     * An H2 collection that reads by an index whenever the query's equalities pin a unique index's
     * keys, else by the non-unique index whose keys they pin the most of (a range on the next key
     * counting half), else everything.
     */
    private final class IndexedCollection extends H2Collection {

        IndexedCollection(OrderedKeyDatabase database, String name, CollectionOptions options,
                MVMap<Object, Document> documents, MVMap<String, Object> meta) {
            super(database, name, options, documents, meta, getCursorRegistry());
        }

        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                Document fields) {
            List<Index<Object>> indexes = getIndexes();
            if (indexes.stream().noneMatch(index -> index.canHandle(query))) {
                Map<String, Object> conditions = new LinkedHashMap<>();
                conjuncts(query, conditions);
                for (Index<Object> index : indexes) {
                    Document keys = new Document();
                    for (IndexKey key : index.getKeys()) {
                        if (conditions.containsKey(key.getKey())) {
                            keys.put(key.getKey(), conditions.get(key.getKey()));
                        }
                    }
                    // the documents that match the whole query are among those the keys select
                    if (keys.size() == index.getKeys().size() && index.canHandle(keys)) {
                        return matchDocuments(query, index.getPositions(keys), orderBy, skip, limit, batchSize, fields);
                    }
                }
                SecondaryIndex.Bounds best = null;
                for (Index<Object> index : indexes) {
                    if (index instanceof SecondaryIndex secondary) {
                        SecondaryIndex.Bounds bounds = secondary.bounds(conditions);
                        if (bounds != null && (best == null || bounds.selectivity() > best.selectivity())) {
                            best = bounds;
                        }
                    }
                }
                if (best != null) {
                    QueryResult inOrder = inIndexOrder(query, best, orderBy, skip, limit, batchSize, fields);
                    if (inOrder != null) {
                        return inOrder;
                    }
                    return matchDocuments(query, best.positions(), orderBy, skip, limit, batchSize, fields);
                }
            }
            return super.queryDocuments(query, orderBy, skip, limit, batchSize, fields);
        }

        /**
         * A page sorted the way the index orders its bounds ({@code state = DUE, dueAt <= now} sorted
         * by {@code dueAt}; an actor's audit entries sorted by position): read in index order and
         * stopped once {@code skip + limit} documents matched, instead of loading every document
         * in the bounds and sorting them. The sort keys must be the index's keys after the pinned
         * ones, ascending; further sort keys count only after {@code _id} (the order of entries
         * with equal keys) or after a key a unique index holds. Null when that does not hold, or
         * when a document's sort value is not one plain value (an array, a sub-document, null or
         * missing, which MongoDB orders otherwise), or when the read would start from a lower bound
         * on an index that has held an array (MongoDB sorts an array by its least element, which
         * may lie below the bound): the caller loads and sorts.
         */
        private QueryResult inIndexOrder(Document query, SecondaryIndex.Bounds bounds, Document orderBy, int skip,
                int limit, int batchSize, Document fields) {
            if (limit <= 0 || orderBy == null || orderBy.isEmpty()
                    || (bounds.from() != null && bounds.index().multikey())) {
                return null;
            }
            List<String> rest = bounds.index().getKeys().stream().skip(bounds.equal().size()).map(IndexKey::getKey)
                    .toList();
            List<String> sortKeys = new java.util.ArrayList<>();
            for (Map.Entry<String, Object> key : orderBy.entrySet()) {
                if (!(key.getValue() instanceof Number direction) || direction.doubleValue() != 1) {
                    return null;
                }
                sortKeys.add(key.getKey());
            }
            int covered = 0;
            while (covered < sortKeys.size() && covered < rest.size() && sortKeys.get(covered).equals(rest.get(covered))) {
                covered++;
            }
            if (covered < Math.min(sortKeys.size(), rest.size())) {
                return null;
            }
            List<String> checked = new java.util.ArrayList<>(sortKeys.subList(0, covered));
            if (covered < sortKeys.size()) { // sort keys beyond the index's: only after a unique one
                boolean unique = checked.stream().anyMatch(this::uniquelyIndexed);
                if (!unique && covered == rest.size() && sortKeys.get(covered).equals(getIdField())) {
                    checked.add(getIdField());
                    unique = true;
                }
                if (!unique) {
                    return null;
                }
            }
            List<Document> matched = new java.util.ArrayList<>();
            java.util.Iterator<Object> positions = bounds.index().orderedPositions(bounds);
            while (matched.size() < (long) skip + limit && positions.hasNext()) {
                Document document = getDocument(positions.next());
                for (String key : checked) {
                    if (!SecondaryIndex.isPlain(de.bwaldvogel.mongo.backend.Utils.getSubdocumentValue(document, key))) {
                        return null;
                    }
                }
                if (documentMatchesQuery(document, query)) {
                    matched.add(document);
                }
            }
            return matchDocumentsFromStream(matched.stream(), query, null, skip, limit, batchSize, fields);
        }

        @Override
        protected Document getDocument(Object position) {
            if (documentsRead != null) { // null in H2Backend's constructor
                documentsRead.increment();
            }
            return super.getDocument(position);
        }

        /** Whether a unique index on this one key alone (the {@code _id}'s too) holds it. */
        private boolean uniquelyIndexed(String key) {
            return getIndexes().stream().anyMatch(index -> !(index instanceof SecondaryIndex)
                    && index.getKeys().size() == 1 && index.getKeys().get(0).getKey().equals(key));
        }

        /**
         * An aggregation's input: the documents its leading {@code $match} selects, read as a
         * query is (by an index where one serves), once per command (a {@code $lookup}'s pipeline
         * on the same collection later reads it whole); else every document.
         */
        @Override
        public java.util.stream.Stream<Document> queryAllAsStream() {
            LeadingMatch match = leadingMatch.get();
            if (match != null && match.namespace().equals(getFullName())) {
                leadingMatch.remove();
                try {
                    QueryResult input;
                    synchronized (this) { // as handleQuery reads: the collection's query matcher is shared
                        input = queryDocuments(match.query(), null, 0, 0, 0, null);
                    }
                    return java.util.stream.StreamSupport.stream(input.spliterator(), false);
                } catch (de.bwaldvogel.mongo.exception.MongoServerException e) {
                    log.debug("An aggregation's $match read as a query failed; reading every document", e);
                }
            }
            return super.queryAllAsStream();
        }

        /** A whole-collection read: counted, and logged once per shape when the collection is large. */
        @Override
        protected QueryResult matchDocuments(Document query, Document orderBy, int skip, int limit, int batchSize,
                Document fields) {
            if (fullScans == null) {
                return super.matchDocuments(query, orderBy, skip, limit, batchSize, fields); // H2Backend's constructor
            }
            fullScans.incrementAndGet();
            int size = count();
            if (size > LARGE_SCAN && largeScansLogged.size() < SHAPES_KEPT) {
                String shape = getFullName() + " " + shape(query) + (orderBy == null || orderBy.isEmpty() ? ""
                        : " sorted by " + orderBy.keySet());
                if (largeScansLogged.add(shape)) {
                    log.warn("A query read all {} documents of {} (no index serves it; logged once per shape): {}",
                            size, getFullName(), shape);
                }
            }
            return super.matchDocuments(query, orderBy, skip, limit, batchSize, fields);
        }
    }

    /**
     * A non-unique index: one entry per document and key value (several for an array), the key
     * being the indexed values followed by the document's position, so entries for one value are
     * adjacent and ordered. The positions a query's bounds select are a superset of its matches:
     * the collection matches the whole query on them.
     */
    static final class SecondaryIndex extends Index<Object> {

        static final String MULTIKEY_SUFFIX = ".multikey";
        private final MVStore store;
        private final MVMap<KeyValue, Boolean> map;
        /**
         * Whether a document ever had more than one entry (an array): then a document may be
         * sorted by an element below a query's lower bound, which a read in index order from that
         * bound never meets. Kept beside the entries, in the same commit; unknown (an index an
         * earlier version built) counts as true.
         */
        private final MVMap<String, Boolean> flags;
        private volatile boolean multikey;

        SecondaryIndex(MVStore store, MVMap<KeyValue, Boolean> map, String name, List<IndexKey> keys, boolean sparse) {
            super(name, keys, sparse);
            this.store = store;
            this.map = map;
            this.flags = store.openMap(map.getName() + MULTIKEY_SUFFIX);
            Boolean known = flags.get("multikey");
            if (known == null) {
                multikey = !map.isEmpty();
                flags.put("multikey", multikey);
            } else {
                multikey = known;
            }
        }

        boolean multikey() {
            return multikey;
        }

        /** A query's bounds on this index: equalities on a prefix of its keys, perhaps a range on the next. */
        record Bounds(SecondaryIndex index, List<Object> equal, Object from, Object to, int selectivity) {

            Iterable<Object> positions() {
                return index.positions(this);
            }
        }

        /** The bounds the query's pinned fields and ranges give, or null when they do not pin the first key. */
        Bounds bounds(Map<String, Object> conditions) {
            List<Object> equal = new java.util.ArrayList<>();
            for (IndexKey key : getKeys()) {
                Object condition = conditions.get(key.getKey());
                if (condition == null) {
                    break;
                }
                if (isPlain(condition)) {
                    equal.add(normalized(condition));
                    continue;
                }
                if (condition instanceof Document range && !range.isEmpty()) {
                    Object from = null;
                    Object to = null;
                    for (Map.Entry<String, Object> operator : range.entrySet()) {
                        if (!isPlain(operator.getValue())) {
                            return equalities(equal);
                        }
                        Object value = normalized(operator.getValue());
                        switch (operator.getKey()) {
                            case "$gt", "$gte" -> from = value;
                            case "$lt", "$lte" -> to = value;
                            default -> {
                                return equalities(equal);
                            }
                        }
                    }
                    return new Bounds(this, equal, from, to, 2 * equal.size() + 1);
                }
                break;
            }
            return equalities(equal);
        }

        /** Bounds of the equalities alone, or null when there are none. */
        private Bounds equalities(List<Object> equal) {
            return equal.isEmpty() ? null : new Bounds(this, equal, null, null, 2 * equal.size());
        }

        /** A query's value as the index holds values (mongo-java-server normalizes them as it takes them). */
        private static Object normalized(Object value) {
            return new KeyValue(value).normalized().get(0);
        }

        /** A value an index entry holds as it is: not null, not an array, not a document. */
        private static boolean isPlain(Object value) {
            return value instanceof String || value instanceof Number || value instanceof java.util.Date
                    || value instanceof java.time.Instant || value instanceof Boolean
                    || value instanceof de.bwaldvogel.mongo.bson.ObjectId;
        }

        /** The positions in the bounds, read as they are asked for (a read with a limit and no sort stops early). */
        Iterable<Object> positions(Bounds bounds) {
            return () -> orderedPositions(bounds);
        }

        /** The positions in the bounds in the index's order, each once (an array's document has an entry per element), read as they are asked for. */
        java.util.Iterator<Object> orderedPositions(Bounds bounds) {
            List<Object> lower = new java.util.ArrayList<>(bounds.equal());
            if (bounds.from() != null) {
                lower.add(bounds.from());
            }
            org.h2.mvstore.Cursor<KeyValue, Boolean> cursor = map.cursor(new KeyValue(lower));
            int prefix = bounds.equal().size();
            java.util.Set<Object> seen = new java.util.HashSet<>();
            return new java.util.Iterator<>() {
                private Object next = advance();

                private Object advance() {
                    while (cursor.hasNext()) {
                        KeyValue entry = cursor.next();
                        for (int i = 0; i < prefix; i++) {
                            if (OrderedKeyType.compareValues(entry.get(i), bounds.equal().get(i)) != 0) {
                                return null;
                            }
                        }
                        if (bounds.to() != null && OrderedKeyType.compareValues(entry.get(prefix), bounds.to()) > 0) {
                            return null;
                        }
                        Object position = entry.get(entry.size() - 1);
                        if (seen.add(position)) {
                            return position;
                        }
                    }
                    return null;
                }

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public Object next() {
                    if (next == null) {
                        throw new java.util.NoSuchElementException();
                    }
                    Object current = next;
                    next = advance();
                    return current;
                }
            };
        }

        private java.util.Set<KeyValue> entries(Document document, Object position) {
            java.util.Set<KeyValue> entries = new java.util.LinkedHashSet<>();
            if (isSparse() && keys().stream().allMatch(key -> de.bwaldvogel.mongo.backend.Utils.getSubdocumentValue(
                    document, key) instanceof Missing)) {
                return entries;
            }
            for (KeyValue values : getKeyValues(document)) {
                List<Object> entry = new java.util.ArrayList<>(values.size() + 1);
                values.forEach(entry::add);
                entry.add(position);
                entries.add(new KeyValue(entry));
            }
            return entries;
        }

        /** The position the H2 collection gives a document: its {@code _id}. */
        private static Object positionOf(Document document) {
            return Missing.ofNullable(document.get("_id"));
        }

        @Override
        public Object getPosition(Document document) {
            return null; // the unique indexes find a document
        }

        @Override
        public void checkAdd(Document document, MongoCollection<Object> collection) {
        }

        @Override
        public void add(Document document, Object position, MongoCollection<Object> collection) {
            java.util.Set<KeyValue> entries = entries(document, position);
            if (entries.size() > 1 && !multikey) {
                multikey = true;
                flags.put("multikey", true);
            }
            entries.forEach(entry -> map.put(entry, Boolean.TRUE));
        }

        @Override
        public Object remove(Document document) {
            Object position = positionOf(document);
            entries(document, position).forEach(map::remove);
            return position;
        }

        @Override
        public boolean canHandle(Document query) {
            return false; // chosen by IndexedCollection, after the unique indexes
        }

        @Override
        public Iterable<Object> getPositions(Document query) {
            Map<String, Object> conditions = new LinkedHashMap<>();
            conjuncts(query, conditions);
            Bounds bounds = bounds(conditions);
            if (bounds == null) {
                throw new IllegalArgumentException("The index " + getName() + " does not serve " + shape(query));
            }
            return positions(bounds);
        }

        @Override
        public long getCount() {
            return map.sizeAsLong();
        }

        @Override
        public long getDataSize() {
            return getCount();
        }

        @Override
        public void checkUpdate(Document oldDocument, Document newDocument, MongoCollection<Object> collection) {
        }

        @Override
        public void updateInPlace(Document oldDocument, Document newDocument, Object position,
                MongoCollection<Object> collection) {
            if (!nullAwareEqualsKeys(oldDocument, newDocument)) {
                entries(oldDocument, position).forEach(map::remove);
                add(newDocument, position, collection);
            }
        }

        @Override
        public void drop() {
            store.removeMap(map);
            store.removeMap(flags);
        }
    }

    /**
     * The fields a query pins, top level or in a top-level {@code $and} (at any depth): the first
     * condition met for each. Any one of a conjunction's conditions selects a superset of its
     * matches, so a value that is an operator only stops the index from being used.
     */
    static void conjuncts(Document query, Map<String, Object> into) {
        query.forEach((key, value) -> {
            if (key.equals("$and") && value instanceof List<?> all) {
                for (Object each : all) {
                    if (each instanceof Document conjunct) {
                        conjuncts(conjunct, into);
                    }
                }
            } else if (!key.startsWith("$")) {
                into.putIfAbsent(key, value);
            }
        });
    }

    /** A query's fields and operators, without its values (nothing of a document's content in a log). */
    static String shape(Object query) {
        if (query instanceof Document document) {
            StringBuilder shape = new StringBuilder("{");
            document.forEach((key, value) -> shape.append(shape.length() > 1 ? ", " : "").append(key).append(": ")
                    .append(shape(value)));
            return shape.append('}').toString();
        }
        if (query instanceof List<?> list && list.stream().noneMatch(Document.class::isInstance)) {
            return "[" + list.size() + " values]";
        }
        if (query instanceof List<?> list) {
            StringBuilder shape = new StringBuilder("[");
            list.forEach(each -> shape.append(shape.length() > 1 ? ", " : "").append(shape(each)));
            return shape.append(']').toString();
        }
        return "?";
    }
}
