package org.coverledger.query.audit;

import java.time.Instant;
import java.util.Map;

import io.swagger.v3.oas.annotations.media.Schema;
import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/** One event as compliance sees it: what happened, to what, when, by whom, from where. */
@Document("audit_trail")
public record AuditEntry(@Id String eventId,
                         @Schema(description = "the event's global position in the event store: the order of the "
                                 + "trail, and the cursor of its pages") Long position,
                         String eventType, String revision, String aggregateType,
                         String aggregateId, long sequence, Instant timestamp, String actor, String roles,
                         String requestId, String clientIp, String correlationId, String causationId,
                         @Schema(description = "the event's fields as stored (personal data opened for compliance, "
                                 + "\"[personal data]\" for others)", type = "object", additionalProperties =
                                 Schema.AdditionalPropertiesValue.TRUE) Map<String, Object> payload) {

    AuditEntry withPayload(Map<String, Object> shown) {
        return new AuditEntry(eventId, position, eventType, revision, aggregateType, aggregateId, sequence, timestamp, actor,
                roles, requestId, clientIp, correlationId, causationId, shown);
    }
}
