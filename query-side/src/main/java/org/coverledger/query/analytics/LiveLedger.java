package org.coverledger.query.analytics;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.springframework.data.mongodb.core.MongoTemplate;

/**
 * The figures as they stand now, kept between reports: each report reads only the day documents
 * changed since the last one, instead of every day document of the book (at 3 x 10^5 events that
 * made a report's p50 948 ms against 126 ms at 10^4, ops/BENCHMARKS.md).
 *
 * <p>Which documents changed: every day document carries {@code pos}, the global position of the
 * last event it took in. Before each read this notes how far the analytics projection has got
 * ({@code passed}: every day of every event up to there is written, because a batch's days are
 * written before its token and the position moves only after that). The next read asks for the
 * documents past that position: every document changed since is among them, even one whose batch
 * was half written during the last read (a batch's days go out in one unordered bulk write). A
 * document read again is taken away as it was and added as it is now, so reading one twice
 * changes nothing.
 *
 * <p>Everything is read again when the day documents are another collection (a blue/green
 * rebuild cut over to its generation), when the projection's position went back (its token was
 * reset), or when the collection holds fewer documents than were read (it was emptied); and at
 * every report while a cut-over is under way or recent (within a minute), when the position may
 * still be the old processor's. Each document is kept as the bytes it came in, to take it away
 * again later.
 */
final class LiveLedger {

    private final MongoTemplate mongo;
    private final LongSupplier passed;
    private final BooleanSupplier cutting;
    private final Map<String, RawBsonDocument> days = new HashMap<>();
    private AnalyticsLedger ledger;
    private String collection;
    private long through = -1;
    private long reads;
    private long documentsRead;

    /**
     * @param passed  the position the analytics projection has passed, -1 when unknown (then every
     *                document is read, each time)
     * @param cutting whether a blue/green cut-over is under way or recent: the position may then
     *                still be the old generation's processor's, ahead of what the new collection
     *                holds (its token is handed over after the switch), so every document is read
     *                each time until it is over
     */
    LiveLedger(MongoTemplate mongo, LongSupplier passed, BooleanSupplier cutting) {
        this.mongo = mongo;
        this.passed = passed;
        this.cutting = cutting;
    }

    /** The work done on the figures as they stand now, one report at a time. */
    synchronized <T> T read(Function<AnalyticsLedger, T> work) {
        refresh();
        return work.apply(ledger);
    }

    private void refresh() {
        MongoCollection<RawBsonDocument> stored = mongo.getCollection(AnalyticsProjection.DAYS)
                .withDocumentClass(RawBsonDocument.class);
        String name = stored.getNamespace().getCollectionName();
        boolean settled = !cutting.getAsBoolean();
        long now = passed.getAsLong(); // before the read: whatever changes after it is past it
        boolean whole = ledger == null || !name.equals(collection) || now < through
                || stored.estimatedDocumentCount() < days.size();
        if (whole) {
            collection = null; // a whole read cut short is made again whole
            through = -1;
            ledger = new AnalyticsLedger();
            days.clear();
            stored.createIndex(Indexes.ascending("pos"), new IndexOptions().name("analytics_days_pos"));
        }
        reads++;
        for (RawBsonDocument day : whole ? stored.find() : stored.find(Filters.gt("pos", through))) {
            documentsRead++;
            BsonValue id = day.get("_id");
            String key = id.isString() ? id.asString().getValue() : id.toString();
            RawBsonDocument before = days.put(key, day);
            if (before != null) {
                ledger.addDay(before, -1);
            }
            ledger.addDay(day, 1);
        }
        collection = name;
        through = settled ? now : -1;
    }

    /** How many reads and how many day documents they read, since this was made (for tests). */
    synchronized long[] readsAndDocuments() {
        return new long[] {reads, documentsRead};
    }
}
