package org.coverledger.eventstore;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.in;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import com.mongodb.DuplicateKeyException;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.WriteError;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import org.axonframework.common.AxonConfigurationException;
import org.axonframework.common.jdbc.PersistenceExceptionResolver;
import org.axonframework.eventhandling.AbstractEventEntry;
import org.axonframework.eventhandling.DomainEventData;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedDomainEventData;
import org.axonframework.eventhandling.TrackedEventData;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.BatchingEventStorageEngine;
import org.axonframework.eventsourcing.snapshotting.SnapshotFilter;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.bson.BsonDocument;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Axon event storage engine on MongoDB that never skips, duplicates or reorders an event,
 * without MongoDB transactions.
 *
 * <p>Every append is <em>one document</em> (a commit) holding all its events, of one aggregate
 * or several, so a reader sees all of a commit or none of it, and a crash mid-append leaves
 * nothing behind. Every event has a dense global index: a commit's {@code _id} is the index of
 * its first event, {@code last} that of its last, and {@code idx} lists them all under a unique
 * index, so no two commits can ever claim one index and a reader finds the commit that holds any
 * index with one equality look-up. The {@link Appender} writes each commit right after the last
 * one written, so the order has no holes.
 *
 * <p>Three more unique indexes make the rules of an event store hold atomically, in the single
 * insert of a commit rather than by reading first: {@code keys} lists "aggregate#sequence" of
 * every domain event (two writers continuing one aggregate collide on the first sequence number
 * they share, wherever the commits start), {@code ids} lists the event identifiers (unique across
 * the store). Duplicates inside one commit, which an index does not refuse, are refused before
 * the insert. A refusal goes through the builder's {@link PersistenceExceptionResolver} (by
 * default: MongoDB's duplicate-key errors), as Axon's other engines do.
 *
 * <p>Tracking readers walk the indexes in order; a token addresses one event, and reading from
 * it returns the rest of its commit and then what follows. Should an index ever be missing while
 * a later one is visible (only a foreign or faulty writer could cause it), the reader waits for
 * it for a bounded time, then <em>fences</em> it with a void marker, logs and counts it, and
 * moves on; a writer that arrives later fails on the unique index instead of landing behind the
 * reader's back. The token is a single position ({@link GlobalSequenceTrackingToken}), whatever
 * the history length.
 *
 * <p>Reads are equality look-ups on unique indexes, which the embedded server answers from its
 * index and a real MongoDB from its B-tree. Aggregate streams are read commit by commit, each
 * found by the key of the next sequence number, so a stream must be dense from its first event
 * (as Axon's aggregates write them).
 */
public class MongoCommitLogEngine extends BatchingEventStorageEngine {

    private static final Logger log = LoggerFactory.getLogger(MongoCommitLogEngine.class);

    public static final String COMMITS = "event_commits";
    public static final String SNAPSHOTS = "event_snapshots";
    static final String GLOBAL_INDEX = "commit_global_indexes";
    static final String STREAM_INDEX = "commit_aggregate_sequences";
    static final String EVENT_ID_INDEX = "commit_event_ids";
    private static final String LATEST_TIME_INDEX = "commit_latest_time";
    private static final int MAX_WINDOW = 64;
    private static final int GAP_WINDOW = 16;
    private static final long GAP_LOOK_INTERVAL_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);
    /**
     * The unit-of-work resource that holds the global index of the last event the unit of work
     * appended, so that a command's caller can learn where its writes stand ({@code X-Event-Position}).
     */
    public static final String POSITION_RESOURCE = "coverledger.eventstore.position";

    private final MongoCollection<Document> commits;
    private final MongoCollection<Document> snapshots;
    private final Appender appender;
    private final Duration gapTimeout;
    private final Clock clock;
    private final Map<Long, Instant> gapsSeen = new ConcurrentHashMap<>();
    private final LongAdder gapsFenced = new LongAdder();
    private final java.util.concurrent.atomic.AtomicLong lastGapLook = new java.util.concurrent.atomic.AtomicLong(
            System.nanoTime() - GAP_LOOK_INTERVAL_NANOS);

    protected MongoCommitLogEngine(Builder builder) {
        super(builder);
        this.commits = builder.database.getCollection(COMMITS);
        this.snapshots = builder.database.getCollection(SNAPSHOTS);
        this.appender = new Appender(commits, builder.maxCommitsPerWrite, builder.hashChain);
        this.gapTimeout = builder.gapTimeout;
        this.clock = builder.clock;
        boolean upgraded = CommitLogUpgrade.upgrade(builder.database, clock);
        ensureIndexes();
        if (upgraded) {
            CommitLogUpgrade.recordFormat(builder.database, clock);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private void ensureIndexes() {
        // sparse: void markers carry no events, and a unique index counts a missing field as a value
        commits.createIndex(Indexes.ascending("idx"), new IndexOptions().unique(true).name(GLOBAL_INDEX));
        commits.createIndex(Indexes.ascending("keys"), new IndexOptions().unique(true).sparse(true).name(STREAM_INDEX));
        commits.createIndex(Indexes.ascending("ids"), new IndexOptions().unique(true).sparse(true).name(EVENT_ID_INDEX));
        // for createTokenAt on a real MongoDB; the embedded server ignores it and scans
        commits.createIndex(Indexes.ascending("tsMax"), new IndexOptions().name(LATEST_TIME_INDEX));
    }

    /** Missing indexes given up after the timeout and fenced off. */
    public long gapsFenced() {
        return gapsFenced.sum();
    }

    /** Tells the listener the number of commits of every insert this process's appender sends. */
    public void onAppendBatch(java.util.function.IntConsumer listener) {
        appender.onBatch(listener);
    }

    /** Inserts sent by this process's appender (each one ordered {@code insertMany}, one disk commit). */
    public long appendBatches() {
        return appender.batches();
    }

    /** Commits this process stored (one per unit of work that appended). */
    public long appendedCommits() {
        return appender.commitsWritten();
    }

    /** Events this process stored. */
    public long appendedEvents() {
        return appender.eventsWritten();
    }

    /** Appends refused because another writer continued the same aggregate first. */
    public long concurrencyConflicts() {
        return appender.conflicts();
    }

    /** The key of one event in its aggregate's stream; unambiguous because a sequence number has no '#'. */
    static String streamKey(String aggregateId, long sequenceNumber) {
        return aggregateId + "#" + sequenceNumber;
    }

    /** MongoDB's duplicate-key errors, as the driver reports them for one insert or a batch. */
    public static boolean isDuplicateKey(Exception exception) {
        if (exception instanceof MongoWriteException write) {
            return write.getError().getCategory() == ErrorCategory.DUPLICATE_KEY;
        }
        if (exception instanceof MongoBulkWriteException bulk) {
            return bulk.getWriteErrors().stream()
                    .anyMatch(error -> ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.DUPLICATE_KEY);
        }
        return exception instanceof DuplicateKeyException;
    }

    // ---------------------------------------------------------------- appending

    @Override
    protected void appendEvents(List<? extends EventMessage<?>> events, Serializer serializer) {
        if (events.isEmpty()) {
            return;
        }
        try {
            long last = appender.append(new Appender.Pending(commitDocument(events, serializer), events.size()));
            CurrentUnitOfWork.ifStarted(unitOfWork -> unitOfWork.root().resources().merge(POSITION_RESOURCE, last,
                    (earlier, later) -> Math.max((Long) earlier, (Long) later)));
        } catch (MongoException e) {
            handlePersistenceException(e, events.get(0));
        }
    }

    /** The commit without its position; the appender gives it its global indexes when it writes it. */
    private static Document commitDocument(List<? extends EventMessage<?>> events, Serializer serializer) {
        List<Document> entries = new ArrayList<>(events.size());
        List<String> keys = new ArrayList<>();
        List<String> ids = new ArrayList<>(events.size());
        Instant latest = Instant.MIN;
        for (EventMessage<?> event : events) {
            SerializedObject<String> payload = event.serializePayload(serializer, String.class);
            SerializedObject<String> metaData = event.serializeMetaData(serializer, String.class);
            Document entry = new Document("id", event.getIdentifier())
                    .append("ts", Date.from(event.getTimestamp()))
                    .append("tsNanos", event.getTimestamp().getNano())
                    .append("payloadType", payload.getType().getName())
                    .append("revision", payload.getType().getRevision())
                    .append("payload", payload.getData())
                    .append("metaData", metaData.getData());
            if (event instanceof DomainEventMessage<?> domain && domain.getType() != null) {
                entry.append("agg", domain.getAggregateIdentifier()).append("type", domain.getType())
                        .append("seq", domain.getSequenceNumber());
                keys.add(streamKey(domain.getAggregateIdentifier(), domain.getSequenceNumber()));
            }
            ids.add(event.getIdentifier());
            latest = event.getTimestamp().isAfter(latest) ? event.getTimestamp() : latest;
            entries.add(entry);
        }
        refuseDuplicates(keys, "aggregate sequence");
        refuseDuplicates(ids, "event identifier");
        Document commit = new Document("ts", Date.from(events.get(0).getTimestamp()))
                .append("tsMax", Date.from(latest));
        if (!keys.isEmpty()) {
            commit.append("keys", keys);
        }
        return commit.append("ids", ids).append("events", entries);
    }

    /** A unique index does not refuse a value repeated inside one document, so the commit is checked here. */
    private static void refuseDuplicates(List<String> values, String what) {
        Set<String> seen = new HashSet<>();
        for (String value : values) {
            if (!seen.add(value)) {
                throw new MongoWriteException(new WriteError(11000,
                        "E11000 duplicate " + what + " within one commit: " + value, new BsonDocument()),
                        new ServerAddress(), Set.of());
            }
        }
    }

    /** Marks indexes as never to be filled; indexes a commit or marker already holds are left as they are. */
    private void voidRange(long from, long to) {
        Date now = Date.from(clock.instant());
        List<Document> markers = LongStream.rangeClosed(from, to)
                .mapToObj(i -> new Document("_id", i).append("last", i).append("idx", List.of(i))
                        .append("void", true).append("at", now))
                .toList();
        try {
            commits.insertMany(markers, new InsertManyOptions().ordered(false));
        } catch (MongoBulkWriteException e) {
            boolean onlyDuplicates = e.getWriteErrors().stream()
                    .allMatch(error -> ErrorCategory.fromErrorCode(error.getCode()) == ErrorCategory.DUPLICATE_KEY);
            if (!onlyDuplicates) {
                throw e;
            }
        }
    }

    // ---------------------------------------------------------------- tracking

    /**
     * Reads in order from the index after the token. Each unique-index look-up costs the embedded
     * server a few hundred microseconds, so the window of indexes asked for starts at one (a
     * reader at the head mostly finds nothing) and grows while commits follow each other. Looking
     * further ahead for a gap (a later commit while the next index is missing) takes a wider
     * window, done at most once a second unless a gap is already being waited at.
     */
    @Override
    protected List<? extends TrackedEventData<?>> fetchTrackedEvents(TrackingToken lastToken, int batchSize) {
        long expected = lastToken == null ? 0 : ((GlobalSequenceTrackingToken) lastToken).getGlobalIndex() + 1;
        List<TrackedEventData<?>> batch = new ArrayList<>();
        int window = 1;
        while (batch.size() < batchSize) {
            List<Document> found = commitsCovering(expected, window);
            Long nextVisible = null;
            for (Document commit : found) {
                long first = commit.getLong("_id");
                if (first > expected) {
                    nextVisible = first;
                    break;
                }
                if (!commit.getBoolean("void", false)) {
                    addEvents(commit, expected, batch);
                }
                expected = commit.getLong("last") + 1;
            }
            if (nextVisible == null && !found.isEmpty()) {
                window = Math.min(MAX_WINDOW, window * 4); // contiguous so far: read on, further at a time
                continue;
            }
            if (!batch.isEmpty()) {
                return batch; // deliver what is in order; the gap is looked at next time
            }
            if (nextVisible == null) {
                if (window < GAP_WINDOW && gapLookDue(expected)) {
                    window = GAP_WINDOW;
                    continue;
                }
                return batch; // caught up
            }
            if (!gapTimedOut(expected)) {
                return batch; // waiting for the index a later commit says is taken
            }
            long fenceTo = nextVisible - 1;
            log.warn("Event store gap at global index {}..{} not filled within {}; fencing it off and moving on",
                    expected, fenceTo, gapTimeout);
            voidRange(expected, fenceTo);
            gapsFenced.increment();
            gapsSeen.remove(expected);
        }
        return batch;
    }

    /** Whether a reader that found nothing next should look a little further for a gap. */
    private boolean gapLookDue(long expected) {
        if (gapsSeen.containsKey(expected)) {
            return true;
        }
        long now = System.nanoTime();
        long last = lastGapLook.get();
        return now - last >= GAP_LOOK_INTERVAL_NANOS && lastGapLook.compareAndSet(last, now);
    }

    private boolean gapTimedOut(long index) {
        Instant now = clock.instant();
        gapsSeen.keySet().removeIf(seen -> seen < index);
        Instant since = gapsSeen.computeIfAbsent(index, i -> now);
        return !now.isBefore(since.plus(gapTimeout));
    }

    /**
     * The commits and markers holding any index in [from, from + window), in order: the first may
     * start before {@code from} (a token inside a commit). One equality look-up on the unique index.
     */
    private List<Document> commitsCovering(long from, int window) {
        List<Long> indexes = LongStream.range(from, from + window).boxed().toList();
        TreeMap<Long, Document> byFirst = new TreeMap<>();
        for (Document commit : commits.find(in("idx", indexes))) {
            byFirst.put(commit.getLong("_id"), commit);
        }
        return new ArrayList<>(byFirst.values());
    }

    private static void addEvents(Document commit, long from, List<? super TrackedEventData<?>> into) {
        long index = commit.getLong("_id");
        for (Document entry : commit.getList("events", Document.class)) {
            if (index >= from) {
                into.add(tracked(new GlobalSequenceTrackingToken(index), commit, entry));
            }
            index++;
        }
    }

    private static TrackedEventData<?> tracked(TrackingToken token, Document commit, Document entry) {
        DomainEventData<String> data = domainData(commit, entry);
        if (data != null) {
            return new TrackedDomainEventData<>(token, data);
        }
        return new TrackedEntry(token, entry.getString("id"), timestamp(entry), entry.getString("payloadType"),
                entry.getString("revision"), entry.getString("payload"), entry.getString("metaData"));
    }

    /** The entry as a domain event, or null for an event that belongs to no aggregate. */
    private static DomainEventData<String> domainData(Document commit, Document entry) {
        if (!entry.containsKey("seq")) {
            return null;
        }
        String aggregateId = entry.getString("agg");
        String type = entry.getString("type");
        if (aggregateId == null) { // written before commits could hold several aggregates
            aggregateId = commit.getString("aggregateId");
            type = commit.getString("aggregateType");
        }
        return new GenericDomainEventEntry<>(type, aggregateId, entry.getLong("seq"), entry.getString("id"),
                timestamp(entry), entry.getString("payloadType"), entry.getString("revision"),
                entry.getString("payload"), entry.getString("metaData"));
    }

    /** The event's time to the nanosecond: BSON dates hold milliseconds, the rest is kept beside them. */
    static Instant timestamp(Document entry) {
        return entry.getDate("ts").toInstant().plusNanos(entry.getInteger("tsNanos", 0) % 1_000_000);
    }

    /** An event that belongs to no aggregate, at its position. */
    private static final class TrackedEntry extends AbstractEventEntry<String> implements TrackedEventData<String> {

        private final TrackingToken token;

        TrackedEntry(TrackingToken token, String id, Instant timestamp, String payloadType, String revision,
                     String payload, String metaData) {
            super(id, timestamp, payloadType, revision, payload, metaData);
            this.token = token;
        }

        @Override
        public TrackingToken trackingToken() {
            return token;
        }
    }

    @Override
    public TrackingToken createTailToken() {
        return null;
    }

    @Override
    public TrackingToken createHeadToken() {
        long next = appender.headFromStore();
        return next == 0 ? null : new GlobalSequenceTrackingToken(next - 1);
    }

    /**
     * The position just before the first event (in global order) whose time is at or after the
     * given one, whatever order the times were written in; the head if there is none. Rare (a
     * processor's initial position), so a query over the commits' latest times is fine.
     */
    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        Date candidates = Date.from(dateTime.truncatedTo(ChronoUnit.MILLIS));
        for (Document commit : commits.find(gte("tsMax", candidates)).sort(Sorts.ascending("_id"))) {
            if (commit.getBoolean("void", false)) {
                continue;
            }
            long index = commit.getLong("_id");
            for (Document entry : commit.getList("events", Document.class)) {
                if (!timestamp(entry).isBefore(dateTime)) {
                    return index == 0 ? null : new GlobalSequenceTrackingToken(index - 1);
                }
                index++;
            }
        }
        return createHeadToken();
    }

    // ---------------------------------------------------------------- aggregates

    @Override
    protected List<? extends DomainEventData<?>> fetchDomainEvents(String aggregateId, long firstSequenceNumber,
                                                                  int batchSize) {
        List<DomainEventData<?>> events = new ArrayList<>();
        long next = firstSequenceNumber;
        Document commit = commitHolding(aggregateId, next);
        while (commit != null) {
            for (Document entry : commit.getList("events", Document.class)) {
                DomainEventData<String> event = domainData(commit, entry);
                if (event != null && aggregateId.equals(event.getAggregateIdentifier())
                        && event.getSequenceNumber() >= next) {
                    events.add(event);
                }
            }
            if (events.isEmpty() || events.size() >= batchSize) {
                break;
            }
            next = events.get(events.size() - 1).getSequenceNumber() + 1;
            commit = commitHolding(aggregateId, next);
        }
        return events;
    }

    private Document commitHolding(String aggregateId, long sequenceNumber) {
        return commits.find(eq("keys", streamKey(aggregateId, sequenceNumber))).first();
    }

    /**
     * The last sequence number: found by doubling and halving over the stream's keys (each an
     * equality look-up), since a stream is dense; a stream that does not start at 0 is found by
     * its key prefix, which a real MongoDB answers from the index and the embedded server by
     * scanning.
     */
    @Override
    public Optional<Long> lastSequenceNumberFor(String aggregateId) {
        if (commitHolding(aggregateId, 0) == null) {
            Pattern prefix = Pattern.compile("^" + Pattern.quote(aggregateId + "#"));
            long last = -1;
            for (Document commit : commits.find(Filters.regex("keys", prefix))) {
                for (String key : commit.getList("keys", String.class)) {
                    if (key.startsWith(aggregateId + "#")) {
                        last = Math.max(last, Long.parseLong(key.substring(aggregateId.length() + 1)));
                    }
                }
            }
            return last < 0 ? Optional.empty() : Optional.of(last);
        }
        long present = 0;
        long absent = 1;
        while (commitHolding(aggregateId, absent) != null) {
            present = absent;
            absent *= 2;
        }
        while (absent - present > 1) {
            long mid = (present + absent) >>> 1;
            if (commitHolding(aggregateId, mid) != null) {
                present = mid;
            } else {
                absent = mid;
            }
        }
        return Optional.of(present);
    }

    // ---------------------------------------------------------------- snapshots

    /**
     * Keeps one snapshot per aggregate and only ever moves it forward, in one conditional write:
     * the upsert matches only an older snapshot, and finding a newer one it tries to insert a
     * second document under the same {@code _id}, which the unique {@code _id} refuses.
     */
    @Override
    protected void storeSnapshot(DomainEventMessage<?> snapshot, Serializer serializer) {
        SerializedObject<String> payload = snapshot.serializePayload(serializer, String.class);
        SerializedObject<String> metaData = snapshot.serializeMetaData(serializer, String.class);
        Document document = new Document("_id", snapshot.getAggregateIdentifier())
                .append("type", snapshot.getType())
                .append("seq", snapshot.getSequenceNumber())
                .append("id", snapshot.getIdentifier())
                .append("ts", Date.from(snapshot.getTimestamp()))
                .append("payloadType", payload.getType().getName())
                .append("revision", payload.getType().getRevision())
                .append("payload", payload.getData())
                .append("metaData", metaData.getData());
        Document olderOnly = new Document("_id", snapshot.getAggregateIdentifier())
                .append("seq", new Document("$lt", snapshot.getSequenceNumber()));
        try {
            snapshots.replaceOne(olderOnly, document, new ReplaceOptions().upsert(true));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
    }

    @Override
    protected Stream<? extends DomainEventData<?>> readSnapshotData(String aggregateId) {
        Document snapshot = snapshots.find(eq("_id", aggregateId)).first();
        if (snapshot == null) {
            return Stream.empty();
        }
        return Stream.of(new GenericDomainEventEntry<>(snapshot.getString("type"), aggregateId, snapshot.getLong("seq"),
                snapshot.getString("id"), snapshot.getDate("ts").toInstant(), snapshot.getString("payloadType"),
                snapshot.getString("revision"), snapshot.getString("payload"), snapshot.getString("metaData")));
    }

    // ---------------------------------------------------------------- builder

    public static class Builder extends BatchingEventStorageEngine.Builder {

        private MongoDatabase database;
        private Duration gapTimeout = Duration.ofSeconds(10);
        private int maxCommitsPerWrite = 200;
        private boolean hashChain = true;
        private Clock clock = Clock.systemUTC();

        public Builder() {
            persistenceExceptionResolver(MongoCommitLogEngine::isDuplicateKey);
        }

        public Builder database(MongoDatabase database) {
            this.database = database;
            return this;
        }

        /** How long a tracking reader waits for a missing index before fencing it off. */
        public Builder gapTimeout(Duration gapTimeout) {
            this.gapTimeout = gapTimeout;
            return this;
        }

        /** How many waiting commits one insert may carry (appends from concurrent threads are grouped). */
        /**
         * Whether each commit is sealed into the hash chain (the default). Off only to measure what
         * the chain costs (ops/bench --audit): commits written without it fail the chain check as
         * UNSEALED until the next start of an engine with it seals them.
         */
        public Builder hashChain(boolean hashChain) {
            this.hashChain = hashChain;
            return this;
        }

        public Builder maxCommitsPerWrite(int maxCommitsPerWrite) {
            this.maxCommitsPerWrite = maxCommitsPerWrite;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        @Override
        public Builder eventSerializer(Serializer eventSerializer) {
            super.eventSerializer(eventSerializer);
            return this;
        }

        @Override
        public Builder snapshotSerializer(Serializer snapshotSerializer) {
            super.snapshotSerializer(snapshotSerializer);
            return this;
        }

        @Override
        public Builder upcasterChain(org.axonframework.serialization.upcasting.event.EventUpcaster upcasterChain) {
            super.upcasterChain(upcasterChain);
            return this;
        }

        @Override
        public Builder persistenceExceptionResolver(PersistenceExceptionResolver persistenceExceptionResolver) {
            super.persistenceExceptionResolver(persistenceExceptionResolver);
            return this;
        }

        @Override
        public Builder snapshotFilter(SnapshotFilter snapshotFilter) {
            super.snapshotFilter(snapshotFilter);
            return this;
        }

        @Override
        public Builder batchSize(int batchSize) {
            super.batchSize(batchSize);
            return this;
        }

        @Override
        protected void validate() throws AxonConfigurationException {
            super.validate();
            if (database == null) {
                throw new AxonConfigurationException("The MongoDB database is required");
            }
            if (gapTimeout == null || gapTimeout.isNegative()) {
                throw new AxonConfigurationException("The gap timeout must be zero or positive");
            }
        }

        public MongoCommitLogEngine build() {
            validate();
            return new MongoCommitLogEngine(this);
        }
    }
}
