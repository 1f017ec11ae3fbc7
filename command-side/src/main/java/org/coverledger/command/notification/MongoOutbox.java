package org.coverledger.command.notification;

import static com.mongodb.client.model.Filters.eq;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Notices written to the {@code notification_outbox} collection, PENDING until a gateway
 * delivers them (not before {@code notBefore} where a notice has one: the customer's quiet hours). The write is acknowledged before the customer is told a code was sent. Where
 * a notice goes and what it says (a code) are sealed under the customer's key, so a reader of
 * the database learns neither, and an erasure takes them too; notices older than the retention
 * are deleted.
 */
@Component
public class MongoOutbox implements Notifications {

    /** A notice as the outbox holds it. */
    public record Entry(String id, String accountId, String channel, String to, String purpose, String text,
                        String status, java.time.Instant createdAt,
                        @io.swagger.v3.oas.annotations.media.Schema(description = "not to be delivered before (the "
                                + "customer's quiet hours); none: at once") java.time.Instant notBefore) {
    }

    private final MongoCollection<Document> outbox;
    private final SubjectKeys keys;
    private final Clock clock;
    private final Duration retention;

    public MongoOutbox(MongoDatabaseFactory mongo, SubjectKeys keys, Clock clock,
                       @Value("${coverledger.notifications.outbox-retention}") Duration retention) {
        this.outbox = mongo.getMongoDatabase().getCollection("notification_outbox");
        this.keys = keys;
        this.clock = clock;
        this.retention = retention;
    }

    @Override
    public void send(Notice notice) {
        outbox.insertOne(new Document("_id", UUID.randomUUID().toString())
                .append("accountId", notice.accountId())
                .append("channel", notice.channel().name())
                .append("to", keys.seal(notice.accountId(), notice.to()))
                .append("purpose", notice.purpose())
                .append("text", keys.seal(notice.accountId(), notice.text()))
                .append("status", "PENDING")
                .append("createdAt", Date.from(clock.instant())));
    }

    /**
     * A notice under its own id, once however often it is put in (an event handled again), not
     * sent before {@code notBefore} (the customer's quiet hours; null: at once).
     */
    public void enqueue(String id, String accountId, String channel, String to, String purpose, String text,
                        java.time.Instant notBefore) {
        Document entry = new Document("_id", id)
                .append("accountId", accountId)
                .append("channel", channel)
                .append("to", keys.seal(accountId, to))
                .append("purpose", purpose)
                .append("text", keys.seal(accountId, text))
                .append("status", "PENDING")
                .append("createdAt", Date.from(clock.instant()));
        if (notBefore != null) {
            entry.append("notBefore", Date.from(notBefore));
        }
        try {
            outbox.insertOne(entry);
        } catch (com.mongodb.MongoWriteException e) {
            if (e.getError().getCategory() != com.mongodb.ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
        }
    }

    /** Deletes notices older than the retention (a scan: the outbox stays small). */
    @Scheduled(fixedDelayString = "${coverledger.notifications.outbox-purge-interval:1h}")
    public void purge() {
        outbox.deleteMany(Filters.lt("createdAt", Date.from(clock.instant().minus(retention))));
    }

    /** The account's latest notices, newest first (a scan: for the embedded profile's admin page). */
    public List<Entry> latest(String accountId, int limit) {
        List<Entry> entries = new ArrayList<>();
        for (Document doc : outbox.find(eq("accountId", accountId)).sort(Sorts.descending("createdAt")).limit(limit)) {
            entries.add(new Entry(doc.getString("_id"), doc.getString("accountId"), doc.getString("channel"),
                    keys.open(doc.getString("to")), doc.getString("purpose"), keys.open(doc.getString("text")),
                    doc.getString("status"),
                    doc.getDate("createdAt").toInstant(),
                    doc.getDate("notBefore") == null ? null : doc.getDate("notBefore").toInstant()));
        }
        return entries;
    }
}
