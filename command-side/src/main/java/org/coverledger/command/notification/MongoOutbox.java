package org.coverledger.command.notification;

import static com.mongodb.client.model.Filters.eq;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * Notices written to the {@code notification_outbox} collection, PENDING until a gateway
 * delivers them. The write is acknowledged before the customer is told a code was sent.
 */
@Component
public class MongoOutbox implements Notifications {

    /** A notice as the outbox holds it. */
    public record Entry(String id, String accountId, String channel, String to, String purpose, String text,
                        String status, java.time.Instant createdAt) {
    }

    private final MongoCollection<Document> outbox;
    private final Clock clock;

    public MongoOutbox(MongoDatabaseFactory mongo, Clock clock) {
        this.outbox = mongo.getMongoDatabase().getCollection("notification_outbox");
        this.clock = clock;
    }

    @Override
    public void send(Notice notice) {
        outbox.insertOne(new Document("_id", UUID.randomUUID().toString())
                .append("accountId", notice.accountId())
                .append("channel", notice.channel().name())
                .append("to", notice.to())
                .append("purpose", notice.purpose())
                .append("text", notice.text())
                .append("status", "PENDING")
                .append("createdAt", Date.from(clock.instant())));
    }

    /** The account's latest notices, newest first (a scan: for the embedded profile's admin page). */
    public List<Entry> latest(String accountId, int limit) {
        List<Entry> entries = new ArrayList<>();
        for (Document doc : outbox.find(eq("accountId", accountId)).sort(Sorts.descending("createdAt")).limit(limit)) {
            entries.add(new Entry(doc.getString("_id"), doc.getString("accountId"), doc.getString("channel"),
                    doc.getString("to"), doc.getString("purpose"), doc.getString("text"), doc.getString("status"),
                    doc.getDate("createdAt").toInstant()));
        }
        return entries;
    }
}
