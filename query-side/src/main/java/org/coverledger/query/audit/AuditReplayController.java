package org.coverledger.query.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An object's history replayed step by step ({@link ViewReplay}): after each event, the read model
 * as the projection's own code made it then, what changed, by whom and why.
 */
@RestController
@RequestMapping("/api/audit/replay")
@Tag(name = "Audit", description = "The immutable audit trail (compliance, admin)")
public class AuditReplayController {

    private final ViewReplay replay;
    private final ObjectMapper json;
    private final SubjectKeys keys;

    public AuditReplayController(ViewReplay replay, ObjectMapper json, SubjectKeys keys) {
        this.replay = replay;
        this.json = json;
        this.keys = keys;
    }

    @Schema(name = "AuditReplayStep")
    public record Step(long sequence, String eventId, String eventType, Instant timestamp, String actor, String roles,
                       String requestId, String clientIp, String correlationId,
                       @Schema(description = "the view's fields this event changed") List<String> changed,
                       @Schema(description = "the view after this event (personal data opened)", type = "object",
                               additionalProperties = Schema.AdditionalPropertiesValue.TRUE) JsonNode state) {
    }

    @Schema(name = "AuditReplay")
    public record Replay(String aggregateType, String aggregateId, List<Step> steps) {
    }

    @GetMapping("/{aggregateType}/{aggregateId}")
    @Operation(summary = "An object's history, step by step: its view after each event, what changed, by whom, why "
            + "(compliance, admin)",
            description = "aggregateType is Policy, Claim or Account. upTo= stops after that sequence number, asOf= "
                    + "(an ISO-8601 instant) after the last event at or before it. Each state is folded from the "
                    + "stored events by the projection's own code in a scratch database; only the object's own "
                    + "events are replayed.")
    public Replay replay(@PathVariable String aggregateType, @PathVariable String aggregateId,
                         @RequestParam(required = false) String upTo, @RequestParam(required = false) String asOf) {
        List<FieldProblem> problems = new ArrayList<>();
        ViewReplay.Kind kind = ViewReplay.Kind.of(aggregateType).orElse(null);
        if (kind == null) {
            problems.add(new FieldProblem("aggregateType", "must be Policy, Claim or Account"));
        }
        Long sequence = null;
        if (upTo != null) {
            try {
                sequence = Long.parseLong(upTo);
            } catch (NumberFormatException e) {
                // below
            }
            if (sequence == null || sequence < 0) {
                problems.add(new FieldProblem("upTo", "must be a sequence number: a whole number, 0 or more"));
            }
        }
        Instant instant = AuditQueryController.instant("asOf", asOf, problems);
        ProblemResponses.throwIfAny(problems);
        List<ViewReplay.Step<Object>> steps = replay.steps(kind, aggregateId, sequence, instant);
        if (steps.isEmpty()) {
            throw new NotFound(kind.aggregateType().toLowerCase(java.util.Locale.ROOT), aggregateId);
        }
        List<Step> shown = new ArrayList<>(steps.size());
        JsonNode before = json.createObjectNode();
        for (ViewReplay.Step<Object> step : steps) {
            JsonNode state = step.view() == null ? json.createObjectNode() : SealedValues.opened(json.valueToTree(step.view()), keys);
            DomainEventMessage<?> event = step.event();
            MetaData meta = event.getMetaData();
            shown.add(new Step(event.getSequenceNumber(), event.getIdentifier(), event.getPayloadType().getSimpleName(),
                    event.getTimestamp(), text(meta, CommandMetadata.ACTOR), text(meta, CommandMetadata.ROLES),
                    text(meta, CommandMetadata.REQUEST_ID), text(meta, CommandMetadata.CLIENT_IP),
                    text(meta, CommandMetadata.CORRELATION_ID), changed(before, state), state));
            before = state;
        }
        AuditAccessFilter.entries(shown.size());
        return new Replay(kind.aggregateType(), aggregateId, shown);
    }

    /** The top-level fields whose value differs between the two states, in the later state's order. */
    private static List<String> changed(JsonNode before, JsonNode after) {
        List<String> changed = new ArrayList<>();
        for (Iterator<String> names = after.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!after.get(name).equals(before.get(name))) {
                changed.add(name);
            }
        }
        before.fieldNames().forEachRemaining(name -> {
            if (!after.has(name)) {
                changed.add(name);
            }
        });
        return changed;
    }

    private static String text(MetaData meta, String key) {
        return AuditTrailProjection.text(meta, key);
    }

}
