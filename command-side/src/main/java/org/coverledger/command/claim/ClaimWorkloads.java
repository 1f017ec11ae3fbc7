package org.coverledger.command.claim;

import static com.mongodb.client.model.Filters.eq;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.ResetHandler;
import org.bson.Document;
import org.coverledger.events.claim.ClaimApi.ClaimAssigned;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimReopened;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * Each adjuster's open claims, one document per adjuster ({@code adjuster_workloads}: the ids of
 * their open claims), kept from the claims' events by a tracking processor of the command side,
 * so that a new claim goes to the adjuster with the fewest (ties: the first configured). Adding
 * and removing ids is idempotent, so an event handled again changes nothing. The counts trail the
 * event store by the processor's lag: two claims submitted in the same moment may go to the same
 * adjuster, which only evens out later.
 */
@Component
@ProcessingGroup(ClaimWorkloads.PROCESSOR)
public class ClaimWorkloads {

    public static final String PROCESSOR = "claim-workloads";

    private final MongoCollection<Document> workloads;
    private final MongoCollection<Document> assignments; // claim -> adjuster, so that a reopened claim returns

    @Autowired
    public ClaimWorkloads(MongoDatabaseFactory mongo) {
        this(mongo.getMongoDatabase());
    }

    public ClaimWorkloads(MongoDatabase database) {
        this.workloads = database.getCollection("adjuster_workloads");
        this.assignments = database.getCollection("claim_assignments");
    }

    /** The adjuster among {@code adjusters} with the fewest open claims; null when none is configured. */
    public String leastBusy(List<String> adjusters) {
        Map<String, Integer> open = new HashMap<>();
        for (Document doc : workloads.find()) {
            open.put(doc.getString("_id"), doc.getList("open", String.class, List.of()).size());
        }
        String best = null;
        int fewest = Integer.MAX_VALUE;
        for (String adjuster : adjusters) {
            int count = open.getOrDefault(adjuster, 0);
            if (count < fewest) {
                best = adjuster;
                fewest = count;
            }
        }
        return best;
    }

    /** How many open claims the adjuster has, as the workloads know it. */
    public int openOf(String adjuster) {
        Document doc = workloads.find(eq("_id", adjuster)).first();
        return doc == null ? 0 : doc.getList("open", String.class, List.of()).size();
    }

    @EventHandler
    void on(ClaimAssigned event) {
        Document before = assignments.findOneAndUpdate(eq("_id", event.claimId()),
                Updates.set("adjuster", event.adjuster()), new com.mongodb.client.model.FindOneAndUpdateOptions().upsert(true));
        if (before != null && !event.adjuster().equals(before.getString("adjuster"))) {
            workloads.updateOne(eq("_id", before.getString("adjuster")), Updates.pull("open", event.claimId()));
        }
        workloads.updateOne(eq("_id", event.adjuster()), Updates.addToSet("open", event.claimId()),
                new UpdateOptions().upsert(true));
    }

    @EventHandler
    void on(ClaimClosed event) {
        Document assignment = assignments.find(eq("_id", event.claimId())).first();
        if (assignment != null) {
            workloads.updateOne(eq("_id", assignment.getString("adjuster")), Updates.pull("open", event.claimId()));
        }
    }

    @EventHandler
    void on(ClaimReopened event) {
        Document assignment = assignments.find(eq("_id", event.claimId())).first();
        if (assignment != null) {
            workloads.updateOne(eq("_id", assignment.getString("adjuster")), Updates.addToSet("open", event.claimId()),
                    new UpdateOptions().upsert(true));
        }
    }

    @ResetHandler
    void reset() {
        workloads.drop();
        assignments.drop();
    }
}
