package org.coverledger.eventstore;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.stream.LongStream;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings commits written before format 3 up to it, once, before the engine builds its unique
 * indexes: every commit gets the list of its global indexes, its aggregate sequence keys, its
 * event identifiers and its latest time (format 2), and its value in the hash chain (format 3,
 * {@link CommitChain}); the events themselves are not touched. Void markers
 * that the old reader wrote on indexes inside a commit are moved aside first (see
 * {@link CommitLogCheck}), since the events they cover exist. Each step can run again, so two
 * processes starting at once, or a crash half-way, leave nothing wrong. Every older process,
 * writer or reader, must be stopped before the first process of this version starts: an older
 * writer's commit lacks the index lists readers look commits up by, and an older reader still
 * takes the rest of a commit for a gap.
 */
final class CommitLogUpgrade {

    private static final Logger log = LoggerFactory.getLogger(CommitLogUpgrade.class);
    static final String META = "event_store_meta";
    static final int FORMAT = 3;
    private static final String OLD_STREAM_INDEX = "aggregate_commit_sequence";

    private CommitLogUpgrade() {
    }

    /** Brings older commits to the current format; returns whether there was anything to do. */
    static boolean upgrade(MongoDatabase database, Clock clock) {
        MongoCollection<Document> meta = database.getCollection(META);
        Document format = meta.find(eq("_id", "commit-log")).first();
        if (format != null && format.getInteger("format", 0) >= FORMAT) {
            return false;
        }
        MongoCollection<Document> commits = database.getCollection(MongoCommitLogEngine.COMMITS);
        Date now = Date.from(clock.instant());
        moveMarkersInsideCommits(database, commits, now);
        int upgraded = 0;
        for (Document old : commits.find(exists("idx", false))) {
            commits.updateOne(eq("_id", old.getLong("_id")), Updates.combine(fields(old)));
            upgraded++;
        }
        try {
            commits.dropIndex(OLD_STREAM_INDEX);
        } catch (MongoCommandException absent) {
            // a new store never had it
        }
        // format 3: every commit sealed into the hash chain, in global order (CommitChain)
        long sealed = CommitChain.sealUnsealed(commits);
        if (upgraded > 0 || sealed > 0) {
            log.info("Event store upgraded to commit log format {}: {} commits and markers given their index lists, "
                    + "{} commits sealed into the hash chain", FORMAT, upgraded, sealed);
        }
        return true;
    }

    /**
     * Records the format once the engine's unique indexes stand over the upgraded commits, so that
     * a start whose index build failed (say, on duplicate event ids in old data) upgrades again.
     */
    static void recordFormat(MongoDatabase database, Clock clock) {
        database.getCollection(META).replaceOne(eq("_id", "commit-log"), new Document("_id", "commit-log")
                .append("format", FORMAT).append("upgradedAt", Date.from(clock.instant())),
                new ReplaceOptions().upsert(true));
    }

    private static void moveMarkersInsideCommits(MongoDatabase database, MongoCollection<Document> commits, Date now) {
        List<CommitLogCheck.VoidMarker> markers = new ArrayList<>();
        for (Document marker : commits.find(new Document("void", true).append("idx", new Document("$exists", false)))) {
            Date at = marker.getDate("at");
            markers.add(new CommitLogCheck.VoidMarker(marker.getLong("_id"), at == null ? null : at.toInstant()));
        }
        MongoCollection<Document> shadowed = database.getCollection(CommitLogCheck.SHADOWED);
        for (CommitLogCheck.SkippedEvent skipped : CommitLogCheck.markersInsideCommits(commits, markers)) {
            shadowed.replaceOne(eq("_id", skipped.index()), new Document("_id", skipped.index())
                    .append("fencedAt", date(skipped.fencedAt()))
                    .append("commitFirst", skipped.commitFirst()).append("commitLast", skipped.commitLast())
                    .append("eventId", skipped.eventId()).append("payloadType", skipped.payloadType())
                    .append("aggregateId", skipped.aggregateId()).append("removedAt", now),
                    new ReplaceOptions().upsert(true));
            commits.deleteOne(new Document("_id", skipped.index()).append("void", true));
            log.warn("Void marker at global index {} lay inside commit {}..{}: processors that passed it before this "
                    + "version skipped event {} ({}); rebuild their projections (ops/check-store lists them)",
                    skipped.index(), skipped.commitFirst(), skipped.commitLast(), skipped.eventId(),
                    skipped.payloadType());
        }
    }

    /** The format-2 fields of an older commit or marker, derived from what it holds. */
    private static List<org.bson.conversions.Bson> fields(Document old) {
        long first = old.getLong("_id");
        long last = old.getLong("last");
        List<org.bson.conversions.Bson> set = new ArrayList<>();
        set.add(Updates.set("idx", LongStream.rangeClosed(first, last).boxed().toList()));
        if (old.getBoolean("void", false)) {
            return set;
        }
        String aggregateId = old.getString("aggregateId");
        List<String> keys = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        Instant latest = Instant.MIN;
        for (Document entry : old.getList("events", Document.class)) {
            if (entry.containsKey("seq") && aggregateId != null) {
                keys.add(MongoCommitLogEngine.streamKey(aggregateId, entry.getLong("seq")));
            }
            ids.add(entry.getString("id"));
            Instant at = MongoCommitLogEngine.timestamp(entry);
            latest = at.isAfter(latest) ? at : latest;
        }
        if (!keys.isEmpty()) {
            set.add(Updates.set("keys", keys));
        }
        set.add(Updates.set("ids", ids));
        set.add(Updates.set("tsMax", Date.from(latest)));
        return set;
    }

    private static Date date(Instant instant) {
        return instant == null ? null : Date.from(instant);
    }
}
