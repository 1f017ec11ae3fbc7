package org.coverledger.query.audit;

import java.util.List;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Projections;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * The audit trail's order: every entry carries its event's global position, unique (an index
 * refuses a second entry at one position). Entries recorded before positions were kept get theirs
 * once, at start, from the event store (the commit holding the event, looked up by its identifier);
 * a note in {@value #META} remembers that it was done. The filters of {@code GET /api/audit} get
 * indexes, which the embedded server keeps too.
 */
@Component
public class AuditPositions {

    static final String META = "audit_meta";
    private static final Logger log = LoggerFactory.getLogger(AuditPositions.class);

    public AuditPositions(MongoTemplate mongo) {
        MongoCollection<Document> trail = mongo.getCollection(mongo.getCollectionName(AuditEntry.class));
        trail.createIndex(Indexes.ascending("position"), new IndexOptions().unique(true).sparse(true)
                .name("audit_position"));
        for (String filter : List.of("aggregateId", "actor", "eventType", "correlationId", "requestId", "clientIp")) {
            trail.createIndex(Indexes.ascending(filter, "position"), new IndexOptions().name("audit_" + filter));
        }
        MongoCollection<Document> meta = mongo.getCollection(META);
        if (meta.find(Filters.eq("_id", "positions")).first() != null) {
            return;
        }
        MongoCollection<Document> commits = mongo.getCollection(MongoCommitLogEngine.COMMITS);
        long placed = 0;
        for (Document entry : trail.find(Filters.exists("position", false)).projection(Projections.include("_id"))) {
            String eventId = entry.getString("_id");
            Document commit = commits.find(Filters.eq("ids", eventId)).first();
            if (commit == null) {
                continue; // no such event: the verification reports the entry as EXTRA
            }
            List<Document> events = commit.getList("events", Document.class);
            for (int i = 0; i < events.size(); i++) {
                if (eventId.equals(events.get(i).getString("id"))) {
                    trail.updateOne(Filters.and(Filters.eq("_id", eventId), Filters.exists("position", false)),
                            Updates.set("position", commit.getLong("_id") + i));
                    placed++;
                }
            }
        }
        try {
            meta.insertOne(new Document("_id", "positions").append("placed", placed));
        } catch (com.mongodb.MongoWriteException e) {
            if (com.mongodb.ErrorCategory.fromErrorCode(e.getCode()) != com.mongodb.ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            // another query-side process did the same at the same time
        }
        if (placed > 0) {
            log.info("Gave {} audit entries recorded before positions their events' global positions", placed);
        }
    }
}
