package org.coverledger.eventstore;

import java.util.Map;

import org.axonframework.messaging.Message;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.coverledger.events.common.CommandMetadata;

/**
 * Links every message to the one that caused it (causation id) and to the first message of its
 * chain (correlation id), so that an auditor can follow a request through all its events.
 */
public class CausationCorrelationProvider implements CorrelationDataProvider {

    @Override
    public Map<String, ?> correlationDataFor(Message<?> message) {
        Object correlationId = message.getMetaData().getOrDefault(CommandMetadata.CORRELATION_ID, message.getIdentifier());
        return Map.of(CommandMetadata.CAUSATION_ID, message.getIdentifier(),
                CommandMetadata.CORRELATION_ID, correlationId);
    }
}
