package org.coverledger.ops;

import java.io.PrintStream;
import java.time.Instant;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.coverledger.eventstore.CommitLogCheck;

/**
 * {@code ops/check-store}: lists the event store's void markers and tells whether any covers an
 * index inside a stored commit, i.e. whether processors skipped events before the engine fixed
 * tracking from a token inside a commit, and which projections to rebuild. Read-only. Exit code
 * 0: nothing skipped; 2: events were skipped (rebuild); 1: the check could not run.
 */
public final class CheckStore {

    private CheckStore() {
    }

    public static void main(String[] args) {
        String uri = args.length > 0 ? args[0] : System.getenv().getOrDefault("MONGODB_URI",
                "mongodb://127.0.0.1:" + System.getenv().getOrDefault("COVERLEDGER_MONGO_PORT", "27017") + "/coverledger");
        ConnectionString connection = new ConnectionString(uri);
        String database = connection.getDatabase() == null ? "coverledger" : connection.getDatabase();
        try (MongoClient client = MongoClients.create(connection)) {
            CommitLogCheck.Report report = CommitLogCheck.check(client.getDatabase(database));
            print(report, System.out);
            System.exit(report.eventsWereSkipped() ? 2 : 0);
        } catch (RuntimeException e) {
            System.err.println("ops/check-store: " + e.getMessage());
            System.exit(1);
        }
    }

    static void print(CommitLogCheck.Report report, PrintStream out) {
        out.printf("Void markers (indexes a reader fenced off after waiting for them): %d%n", report.voidMarkers().size());
        for (CommitLogCheck.VoidMarker marker : report.voidMarkers()) {
            out.printf("  index %d, fenced %s%n", marker.index(), when(marker.at()));
        }
        if (!report.eventsWereSkipped()) {
            out.println("No marker covers an index inside a stored commit: no event was skipped.");
            return;
        }
        out.printf("Markers inside stored commits: %d. Every processor that passed these indexes before the fix "
                + "skipped the event there:%n", report.skippedEvents().size());
        for (CommitLogCheck.SkippedEvent skipped : report.skippedEvents()) {
            out.printf("  index %d in commit %d..%d: event %s (%s) of aggregate %s; fenced %s; %s%n",
                    skipped.index(), skipped.commitFirst(), skipped.commitLast(), skipped.eventId(),
                    skipped.payloadType(), skipped.aggregateId(), when(skipped.fencedAt()),
                    skipped.removedAt() == null ? "marker still in place (start this version once to move it aside)"
                            : "marker moved aside " + skipped.removedAt());
        }
        out.println("Rebuild every projection whose processor had passed these indexes before then: "
                + "ops/rebuild policies, ops/rebuild claims, ops/rebuild accounts, ops/rebuild audit.");
    }

    private static String when(Instant at) {
        return at == null ? "at an unrecorded time (before markers carried one)" : at.toString();
    }
}
