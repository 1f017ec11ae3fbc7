package org.coverledger.query.infra;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.stream.Stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * How far behind each projection is, per segment this instance works on, measured against the
 * store's head (not against what the processor thinks the head is, so it stays true during a
 * replay): {@code coverledger.projection.lag.events} (events between the segment's position and
 * the head) and {@code coverledger.projection.lag.seconds} (how long the oldest event the
 * segment has not passed has been waiting; 0 when caught up); and
 * {@code coverledger.projection.dead_letters} (events parked per projection). Worked out every
 * few seconds on a scheduler thread, not in the scrape: the head is two look-ups, the oldest
 * waiting event one read per segment behind.
 */
@Component
public class ProjectionMetrics {

    private static final Logger log = LoggerFactory.getLogger(ProjectionMetrics.class);

    private final EventProcessingConfiguration processing;
    private final MongoCommitLogEngine engine;
    private final Clock clock;
    private final MultiGauge events;
    private final MultiGauge seconds;
    private final MultiGauge deadLetters;
    /**
     * The time of the event after each position asked for lately: a segment stuck on one event reads
     * it once. Only the scheduler thread touches it.
     */
    private Map<Long, Long> waitingSince = new HashMap<>();

    public ProjectionMetrics(EventProcessingConfiguration processing, MongoCommitLogEngine engine, Clock clock,
                             MeterRegistry registry) {
        this.processing = processing;
        this.engine = engine;
        this.clock = clock;
        this.events = MultiGauge.builder("coverledger.projection.lag.events")
                .description("Events between the segment's position and the store's head").register(registry);
        this.seconds = MultiGauge.builder("coverledger.projection.lag.seconds").baseUnit("seconds")
                .description("How long the oldest event the segment has not passed has waited (0: caught up)")
                .register(registry);
        this.deadLetters = MultiGauge.builder("coverledger.projection.dead_letters")
                .description("Events parked in the projection's dead-letter queue").register(registry);
    }

    /** One segment's figures. */
    record Lag(String projection, int segment, long events, double seconds) {
    }

    @Scheduled(fixedDelayString = "${coverledger.metrics.lag-interval:5s}", initialDelayString = "3s")
    void refresh() {
        try {
            List<Lag> lags = lags();
            events.register(lags.stream().map(l -> MultiGauge.Row.of(tags(l), l.events())).toList(), true);
            seconds.register(lags.stream().map(l -> MultiGauge.Row.of(tags(l), l.seconds())).toList(), true);
            List<MultiGauge.Row<?>> parked = new ArrayList<>();
            for (String projection : AxonConfiguration.PROJECTIONS) {
                processing.deadLetterQueue(projection).ifPresent(queue ->
                        parked.add(MultiGauge.Row.of(Tags.of("projection", projection), queue.size())));
            }
            deadLetters.register(parked, true);
        } catch (RuntimeException e) {
            log.warn("Projection lag metrics not refreshed: {}", e.toString());
        }
    }

    private static Tags tags(Lag lag) {
        return Tags.of("projection", lag.projection(), "segment", Integer.toString(lag.segment()));
    }

    /** Every segment this instance works on, with its lag behind the store's head now. */
    List<Lag> lags() {
        TrackingToken headToken = engine.createHeadToken();
        long head = headToken == null ? -1 : headToken.position().orElse(-1);
        long now = clock.millis();
        List<Lag> lags = new ArrayList<>();
        Map<Long, Long> seen = new HashMap<>();
        for (String projection : AxonConfiguration.PROJECTIONS) {
            StreamingEventProcessor processor = processing.eventProcessor(projection, StreamingEventProcessor.class)
                    .orElse(null);
            if (processor == null) {
                continue;
            }
            for (Map.Entry<Integer, EventTrackerStatus> segment : processor.processingStatus().entrySet()) {
                long position = segment.getValue().getCurrentPosition().orElse(-1);
                long behind = Math.max(0, head - position);
                double waited = 0;
                if (behind > 0) {
                    Long since = waitingSince.get(position);
                    if (since == null) {
                        since = timeAfter(position);
                    }
                    seen.put(position, since);
                    waited = Math.max(0, now - since) / 1000.0;
                }
                lags.add(new Lag(projection, segment.getKey(), behind, waited));
            }
        }
        waitingSince = seen; // positions no segment waits at any more are forgotten
        return lags;
    }

    /** The time of the first event after the position (now if there is none yet). */
    private long timeAfter(long position) {
        try (Stream<? extends TrackedEventMessage<?>> after = engine.readEvents(
                position < 0 ? null : new GlobalSequenceTrackingToken(position), false)) {
            return after.findFirst().map(e -> e.getTimestamp().toEpochMilli()).orElse(clock.millis());
        }
    }
}
