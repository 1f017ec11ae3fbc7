package org.coverledger.eventstore;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Projections.include;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;

/**
 * What an operator needs to know about the void markers in the event store: every index a
 * reader fenced off, and above all any marker that covers an index <em>inside</em> a stored
 * commit. Before the engine looked commits up by every index they hold, a reader resuming from
 * a token inside a commit took the rest of that commit for a gap and fenced it, and every
 * processor that passed there skipped those events; the projections fed by such a processor
 * need a rebuild. The upgrade of the store moves such markers aside (into
 * {@value #SHADOWED}), so this check reports both those still in place and those moved.
 */
public final class CommitLogCheck {

    /** Markers the upgrade found inside commits and removed, kept for the operator. */
    public static final String SHADOWED = "event_void_markers_inside_commits";

    /** One fenced index. {@code at} is null for markers written before markers carried a time. */
    public record VoidMarker(long index, Instant at) {
    }

    /** A marker on an index that a commit holds: the event there was skipped by readers that passed it. */
    public record SkippedEvent(long index, Instant fencedAt, long commitFirst, long commitLast, String eventId,
                               String payloadType, String aggregateId, Instant removedAt) {
    }

    public record Report(List<VoidMarker> voidMarkers, List<SkippedEvent> skippedEvents) {

        public boolean eventsWereSkipped() {
            return !skippedEvents.isEmpty();
        }
    }

    private CommitLogCheck() {
    }

    public static Report check(MongoDatabase database) {
        MongoCollection<Document> commits = database.getCollection(MongoCommitLogEngine.COMMITS);
        List<VoidMarker> markers = new ArrayList<>();
        for (Document marker : commits.find(eq("void", true)).projection(include("_id", "at"))) {
            markers.add(new VoidMarker(marker.getLong("_id"), instant(marker.getDate("at"))));
        }
        markers.sort((a, b) -> Long.compare(a.index(), b.index()));
        List<SkippedEvent> skipped = new ArrayList<>(markersInsideCommits(commits, markers));
        for (Document moved : database.getCollection(SHADOWED).find()) {
            skipped.add(new SkippedEvent(moved.getLong("_id"), instant(moved.getDate("fencedAt")),
                    moved.getLong("commitFirst"), moved.getLong("commitLast"), moved.getString("eventId"),
                    moved.getString("payloadType"), moved.getString("aggregateId"), instant(moved.getDate("removedAt"))));
        }
        skipped.sort((a, b) -> Long.compare(a.index(), b.index()));
        return new Report(markers, skipped);
    }

    /** Markers whose index lies inside a stored commit; one pass over the commits, markers held in memory. */
    static List<SkippedEvent> markersInsideCommits(MongoCollection<Document> commits, List<VoidMarker> markers) {
        if (markers.isEmpty()) {
            return List.of();
        }
        NavigableMap<Long, VoidMarker> byIndex = new TreeMap<>();
        markers.forEach(marker -> byIndex.put(marker.index(), marker));
        List<SkippedEvent> inside = new ArrayList<>();
        for (Document commit : commits.find(new Document("void", new Document("$ne", true)))
                .projection(include("_id", "last"))) {
            long first = commit.getLong("_id");
            long last = commit.getLong("last");
            if (byIndex.subMap(first, true, last, true).isEmpty()) {
                continue;
            }
            Document whole = commits.find(eq("_id", first)).first();
            List<Document> events = whole.getList("events", Document.class);
            for (VoidMarker marker : byIndex.subMap(first, true, last, true).values()) {
                Document event = events.get((int) (marker.index() - first));
                String aggregateId = event.getString("agg") != null ? event.getString("agg")
                        : event.containsKey("seq") ? whole.getString("aggregateId") : null;
                inside.add(new SkippedEvent(marker.index(), marker.at(), first, last, event.getString("id"),
                        event.getString("payloadType"), aggregateId, null));
            }
        }
        return inside;
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}
