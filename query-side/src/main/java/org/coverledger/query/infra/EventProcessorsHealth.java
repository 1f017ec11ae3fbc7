package org.coverledger.query.infra;

import java.util.LinkedHashMap;
import java.util.Map;

import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventProcessor;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Reports each event processor: running, segments claimed here, and any segment in error.
 * A processor that stopped or has a failing segment makes the application unhealthy.
 */
@Component("eventProcessorsHealthIndicator")
public class EventProcessorsHealth implements HealthIndicator {

    private final EventProcessingConfiguration processing;

    public EventProcessorsHealth(EventProcessingConfiguration processing) {
        this.processing = processing;
    }

    @Override
    public Health health() {
        boolean healthy = true;
        Map<String, Object> details = new LinkedHashMap<>();
        for (Map.Entry<String, EventProcessor> entry : processing.eventProcessors().entrySet()) {
            EventProcessor processor = entry.getValue();
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("running", processor.isRunning());
            detail.put("error", processor.isError());
            healthy &= processor.isRunning() && !processor.isError();
            if (processor instanceof StreamingEventProcessor streaming) {
                Map<Integer, EventTrackerStatus> status = streaming.processingStatus();
                detail.put("segmentsClaimed", status.size());
                long failing = status.values().stream().filter(EventTrackerStatus::isErrorState).count();
                detail.put("segmentsInError", failing);
                detail.put("caughtUp", status.values().stream().allMatch(EventTrackerStatus::isCaughtUp));
                healthy &= failing == 0;
            }
            details.put(entry.getKey(), detail);
        }
        return (healthy ? Health.up() : Health.down()).withDetails(details).build();
    }
}
