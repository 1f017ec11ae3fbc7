package org.coverledger.query.infra;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.serialization.SimpleSerializedObject;
import org.bson.Document;
import org.bson.types.Binary;
import org.coverledger.eventstore.EventSerialization;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * How far each projection has got: the global position that every one of its segments has
 * passed (its read model reflects every event up to there). Segments this instance works on
 * are read from their live status; segments another instance holds, from the token that
 * instance last stored (which lags for a segment that had nothing to handle until it extends its
 * claim, a few seconds).
 */
@Component
public class ProjectionPositions {

    private static final Duration SEGMENTS_CACHED = Duration.ofSeconds(10);

    private record Segments(int[] ids, Instant readAt) {
    }

    private final EventProcessingConfiguration processing;
    private final TokenStore tokens;
    private final MongoDatabaseFactory mongo;
    private final Clock clock;
    private final Map<String, Segments> segments = new ConcurrentHashMap<>();

    public ProjectionPositions(EventProcessingConfiguration processing, TokenStore tokens, MongoDatabaseFactory mongo,
                               Clock clock) {
        this.processing = processing;
        this.tokens = tokens;
        this.mongo = mongo;
        this.clock = clock;
    }

    /** The position all segments of the projection have passed; -1 before its first event or if unknown. */
    public long passed(String projection) {
        StreamingEventProcessor processor = processing.eventProcessor(projection, StreamingEventProcessor.class)
                .orElse(null);
        if (processor == null) {
            return -1;
        }
        Map<Integer, EventTrackerStatus> local = processor.processingStatus();
        long passed = Long.MAX_VALUE;
        for (int segment : segmentsOf(projection)) {
            EventTrackerStatus status = local.get(segment);
            long position = status != null ? status.getCurrentPosition().orElse(-1) : stored(projection, segment);
            passed = Math.min(passed, position);
        }
        return passed == Long.MAX_VALUE ? -1 : passed;
    }

    private int[] segmentsOf(String projection) {
        Instant now = clock.instant();
        Segments known = segments.get(projection);
        if (known == null || known.readAt().plus(SEGMENTS_CACHED).isBefore(now)) {
            known = new Segments(tokens.fetchSegments(projection), now);
            segments.put(projection, known);
        }
        return known.ids();
    }

    /**
     * The token another instance stored for the segment, read without claiming it; a plain
     * two-field filter, which the embedded server answers from the token store's unique index.
     */
    private long stored(String projection, int segment) {
        Document entry = mongo.getMongoDatabase().getCollection("trackingtokens")
                .find(new Document("processorName", projection).append("segment", segment)).first();
        if (entry == null || entry.get("token") == null) {
            return -1;
        }
        byte[] data = entry.get("token", Binary.class).getData();
        TrackingToken token = EventSerialization.serializer().deserialize(
                new SimpleSerializedObject<>(data, byte[].class, entry.getString("tokenType"), null));
        return token == null ? -1 : token.position().orElse(-1);
    }
}
