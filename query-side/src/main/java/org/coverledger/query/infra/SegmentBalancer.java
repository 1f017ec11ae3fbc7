package org.coverledger.query.infra;

import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.ReplaceOptions;
import jakarta.annotation.PreDestroy;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Shares processor segments among the running query-side instances. Each instance records a
 * heartbeat; one holding more than its fair share of a processor's segments (segments divided
 * by live instances, rounded up) releases the surplus for a while, and an instance with fewer
 * claims them. Without it the first instance to start would keep every segment.
 */
@Component
public class SegmentBalancer {

    private static final Logger log = LoggerFactory.getLogger(SegmentBalancer.class);
    static final Duration ALIVE = Duration.ofSeconds(30);
    private static final long RELEASE_SECONDS = 15;

    private final EventProcessingConfiguration processing;
    private final TokenStore tokens;
    private final MongoCollection<Document> instances;
    private final String instanceId;
    private final Clock clock;

    public SegmentBalancer(EventProcessingConfiguration processing, TokenStore tokens, MongoDatabaseFactory mongo,
                           QueryInstance instance, Clock clock) {
        this.processing = processing;
        this.tokens = tokens;
        this.instances = mongo.getMongoDatabase().getCollection("query_instances");
        this.instanceId = instance.id();
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${coverledger.processors.balance-interval:5s}", initialDelayString = "2s")
    public void balance() {
        Instant now = clock.instant();
        instances.replaceOne(eq("_id", instanceId), new Document("_id", instanceId).append("lastSeen", Date.from(now)),
                new ReplaceOptions().upsert(true));
        long live = Math.max(1, instances.countDocuments(gt("lastSeen", Date.from(now.minus(ALIVE)))));
        processing.eventProcessors().forEach((name, processor) -> {
            if (processor instanceof StreamingEventProcessor streaming && streaming.isRunning()) {
                int segments = tokens.fetchSegments(name).length;
                int fairShare = (int) Math.ceil(segments / (double) live);
                List<Integer> claimed = streaming.processingStatus().keySet().stream().sorted().toList();
                for (int i = fairShare; i < claimed.size(); i++) {
                    log.info("Releasing segment {} of {} for another of {} query-side instances", claimed.get(i), name, live);
                    streaming.releaseSegment(claimed.get(i), RELEASE_SECONDS, TimeUnit.SECONDS);
                }
            }
        });
    }

    @PreDestroy
    public void leave() {
        instances.deleteOne(eq("_id", instanceId));
    }

    /** This instance's name in the token store's claims and among the live instances. */
    public record QueryInstance(String id) {
    }
}
