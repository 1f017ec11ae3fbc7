package org.coverledger.eventstore;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gte;
import static com.mongodb.client.model.Filters.in;
import static com.mongodb.client.model.Filters.lte;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import org.axonframework.common.AxonConfigurationException;
import org.axonframework.eventhandling.DomainEventData;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventEntry;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedDomainEventData;
import org.axonframework.eventhandling.TrackedEventData;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.BatchingEventStorageEngine;
import org.axonframework.eventsourcing.eventstore.EventStoreException;
import org.axonframework.serialization.SerializedObject;
import org.axonframework.serialization.Serializer;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Axon event storage engine on MongoDB that never skips, duplicates or reorders an event,
 * without MongoDB transactions.
 *
 * <p>Every append is <em>one document</em> (a commit) holding all its events, so a reader sees
 * all of a commit or none of it, and a crash mid-append leaves nothing behind. Commits take
 * dense global indexes: a commit's {@code _id} (under MongoDB's unique {@code _id} index) is the
 * index of its first event and {@code last} that of its last; the {@link Appender} writes each
 * commit at the index right after the last one written, so the order has no holes. Optimistic
 * concurrency is a unique index on (aggregate id, first sequence number of the commit): since
 * readers only ever see whole commits, every writer continues a stream at a commit boundary,
 * so two writers racing on one aggregate collide on that key and only one wins.
 *
 * <p>Tracking readers walk the indexes in order. Should an index ever be missing while a later
 * one is visible (only a foreign or faulty writer could cause it), the reader waits for it for
 * a bounded time, then <em>fences</em> it with a void marker, logs and counts it, and moves on;
 * a writer that arrives later fails on the unique {@code _id} instead of landing behind the
 * reader's back. The token is a single position ({@link GlobalSequenceTrackingToken}),
 * whatever the history length.
 *
 * <p>Reads are equality look-ups on unique indexes ({@code _id $in [...]}, or (aggregate id,
 * first sequence)), which the embedded server answers from its index and a real MongoDB from
 * its B-tree.
 */
public class MongoCommitLogEngine extends BatchingEventStorageEngine {

    private static final Logger log = LoggerFactory.getLogger(MongoCommitLogEngine.class);

    public static final String COMMITS = "event_commits";
    public static final String SNAPSHOTS = "event_snapshots";
    static final String AGGREGATE_SEQUENCE_INDEX = "aggregate_commit_sequence";

    private final MongoCollection<Document> commits;
    private final MongoCollection<Document> snapshots;
    private final Appender appender;
    private final Duration gapTimeout;
    private final Clock clock;
    private final Map<Long, Instant> gapsSeen = new ConcurrentHashMap<>();
    private final LongAdder gapsFenced = new LongAdder();

    protected MongoCommitLogEngine(Builder builder) {
        super(builder);
        this.commits = builder.database.getCollection(COMMITS);
        this.snapshots = builder.database.getCollection(SNAPSHOTS);
        this.appender = new Appender(commits, builder.maxCommitsPerWrite);
        this.gapTimeout = builder.gapTimeout;
        this.clock = builder.clock;
        ensureIndexes();
    }

    public static Builder builder() {
        return new Builder();
    }

    private void ensureIndexes() {
        // sparse: void markers carry no aggregate and must not collide with each other
        commits.createIndex(Indexes.ascending("aggregateId", "firstSeq"),
                new IndexOptions().unique(true).sparse(true).name(AGGREGATE_SEQUENCE_INDEX));
    }

    /** Missing indexes given up after the timeout and fenced off. */
    public long gapsFenced() {
        return gapsFenced.sum();
    }

    /** Appends refused because another writer continued the same aggregate first. */
    public long concurrencyConflicts() {
        return appender.conflicts();
    }

    // ---------------------------------------------------------------- appending

    @Override
    protected void appendEvents(List<? extends EventMessage<?>> events, Serializer serializer) {
        if (events.isEmpty()) {
            return;
        }
        Set<String> aggregates = new LinkedHashSet<>();
        for (EventMessage<?> event : events) {
            if (event instanceof DomainEventMessage<?> domain && domain.getType() != null) {
                aggregates.add(domain.getAggregateIdentifier());
            }
        }
        if (aggregates.size() > 1) {
            throw new EventStoreException("A unit of work may append to one aggregate only; it appended to "
                    + aggregates.size() + ". Split the work into one command per aggregate.");
        }
        appender.append(new Appender.Pending(commitDocument(events, serializer), events.size(), events.get(0)));
    }

    /** The commit without its position; the appender gives it its global indexes when it writes it. */
    private static Document commitDocument(List<? extends EventMessage<?>> events, Serializer serializer) {
        List<Document> entries = new ArrayList<>(events.size());
        String aggregateId = null;
        String aggregateType = null;
        long firstSeq = -1;
        long lastSeq = -1;
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
                entry.append("seq", domain.getSequenceNumber());
                aggregateId = domain.getAggregateIdentifier();
                aggregateType = domain.getType();
                firstSeq = firstSeq < 0 ? domain.getSequenceNumber() : firstSeq;
                lastSeq = domain.getSequenceNumber();
            }
            entries.add(entry);
        }
        Document commit = new Document("ts", Date.from(events.get(0).getTimestamp()));
        if (aggregateId != null) {
            commit.append("aggregateId", aggregateId).append("aggregateType", aggregateType)
                    .append("firstSeq", firstSeq).append("lastSeq", lastSeq);
        } else {
            // events of no aggregate are their own stream, so they never collide
            commit.append("aggregateId", "event:" + events.get(0).getIdentifier()).append("firstSeq", 0L)
                    .append("lastSeq", 0L);
        }
        return commit.append("events", entries);
    }

    /** Marks indexes as never to be filled; existing commits and markers are left as they are. */
    private void voidRange(long from, long to) {
        List<Document> markers = LongStream.rangeClosed(from, to)
                .mapToObj(i -> new Document("_id", i).append("last", i).append("void", true))
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

    @Override
    protected List<? extends TrackedEventData<?>> fetchTrackedEvents(TrackingToken lastToken, int batchSize) {
        long expected = lastToken == null ? 0 : ((GlobalSequenceTrackingToken) lastToken).getGlobalIndex() + 1;
        List<TrackedEventData<?>> batch = new ArrayList<>();
        int window = Math.max(batchSize, 64);
        while (batch.size() < batchSize) {
            List<Document> found = commitsFrom(expected, window);
            Long nextVisible = null;
            for (Document commit : found) {
                long id = commit.getLong("_id");
                if (id != expected) {
                    nextVisible = id;
                    break;
                }
                if (!commit.getBoolean("void", false)) {
                    addEvents(commit, batch);
                }
                expected = commit.getLong("last") + 1;
            }
            if (nextVisible == null && !found.isEmpty()) {
                continue; // contiguous so far: read the next window
            }
            if (!batch.isEmpty()) {
                return batch; // deliver what is in order; the gap is looked at next time
            }
            if (nextVisible == null || !gapTimedOut(expected)) {
                return batch; // caught up, or waiting for the index a later commit says is taken
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

    private boolean gapTimedOut(long index) {
        Instant now = clock.instant();
        gapsSeen.keySet().removeIf(seen -> seen < index);
        Instant since = gapsSeen.computeIfAbsent(index, i -> now);
        return !now.isBefore(since.plus(gapTimeout));
    }

    /** Commits and markers whose first index lies in [from, from + window), by _id equality look-up. */
    private List<Document> commitsFrom(long from, int window) {
        List<Long> ids = LongStream.range(from, from + window).boxed().toList();
        List<Document> found = new ArrayList<>();
        commits.find(in("_id", ids)).into(found);
        found.sort(Comparator.comparingLong(d -> d.getLong("_id")));
        return found;
    }

    private static void addEvents(Document commit, List<? super TrackedEventData<?>> into) {
        long index = commit.getLong("_id");
        for (Document entry : commit.getList("events", Document.class)) {
            into.add(new TrackedDomainEventData<>(new GlobalSequenceTrackingToken(index++), domainData(commit, entry)));
        }
    }

    private static DomainEventData<String> domainData(Document commit, Document entry) {
        Instant timestamp = entry.getDate("ts").toInstant().plusNanos(entry.getInteger("tsNanos", 0) % 1_000_000);
        boolean domain = entry.containsKey("seq");
        return new GenericDomainEventEntry<>(
                domain ? commit.getString("aggregateType") : null,
                domain ? commit.getString("aggregateId") : entry.getString("id"),
                domain ? entry.getLong("seq") : 0L,
                entry.getString("id"), timestamp,
                entry.getString("payloadType"), entry.getString("revision"),
                entry.getString("payload"), entry.getString("metaData"));
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

    /** The position just before the first commit at or after the given time (binary search over the indexes). */
    @Override
    public TrackingToken createTokenAt(Instant dateTime) {
        long low = 0;
        long high = appender.headFromStore();
        while (low < high) {
            long mid = (low + high) >>> 1;
            Document commit = firstCommitAtOrAfter(mid, high);
            if (commit == null || !commit.getDate("ts").toInstant().isBefore(dateTime)) {
                high = mid;
            } else {
                low = commit.getLong("last") + 1;
            }
        }
        return low == 0 ? null : new GlobalSequenceTrackingToken(low - 1);
    }

    private Document firstCommitAtOrAfter(long from, long end) {
        for (long start = from; start < end; start += 256) {
            for (Document commit : commitsFrom(start, (int) Math.min(256, end - start))) {
                if (!commit.getBoolean("void", false)) {
                    return commit;
                }
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- aggregates

    @Override
    protected List<? extends DomainEventData<?>> fetchDomainEvents(String aggregateId, long firstSequenceNumber,
                                                                  int batchSize) {
        List<DomainEventData<?>> events = new ArrayList<>();
        Document commit = commitContaining(aggregateId, firstSequenceNumber);
        while (commit != null) {
            for (Document entry : commit.getList("events", Document.class)) {
                if (entry.containsKey("seq") && entry.getLong("seq") >= firstSequenceNumber) {
                    events.add(domainData(commit, entry));
                }
            }
            if (events.size() >= batchSize) {
                break;
            }
            commit = commits.find(streamAt(aggregateId, commit.getLong("lastSeq") + 1)).first();
        }
        return events;
    }

    private Document commitContaining(String aggregateId, long sequence) {
        Document atBoundary = commits.find(streamAt(aggregateId, sequence)).first();
        if (atBoundary != null || sequence == 0) {
            return atBoundary;
        }
        // a sequence inside a commit is rare (streams resume at commit boundaries); this query scans
        return commits.find(and(eq("aggregateId", aggregateId), lte("firstSeq", sequence), gte("lastSeq", sequence)))
                .first();
    }

    /**
     * The commit of an aggregate that starts at a sequence number, as a plain two-field filter:
     * {@code Filters.and} renders {@code $and}, which the embedded server cannot answer from the
     * unique index and scans for.
     */
    private static Document streamAt(String aggregateId, long firstSeq) {
        return new Document("aggregateId", aggregateId).append("firstSeq", firstSeq);
    }

    @Override
    public Optional<Long> lastSequenceNumberFor(String aggregateId) {
        Document last = commits.find(eq("aggregateId", aggregateId)).sort(Sorts.descending("firstSeq")).limit(1)
                .first();
        return Optional.ofNullable(last).map(d -> d.getLong("lastSeq"));
    }

    // ---------------------------------------------------------------- snapshots

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
        // only ever move a snapshot forward; look-ups and writes by _id alone use the index
        Document stored = snapshots.find(eq("_id", snapshot.getAggregateIdentifier())).first();
        if (stored != null && stored.getLong("seq") >= snapshot.getSequenceNumber()) {
            return;
        }
        snapshots.replaceOne(eq("_id", snapshot.getAggregateIdentifier()), document, new ReplaceOptions().upsert(true));
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
        private Clock clock = Clock.systemUTC();

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
