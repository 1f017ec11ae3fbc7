package org.coverledger.query.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Checks the event store's hash chain ({@link CommitChain}) over a range of global positions:
 * every commit's link is recomputed from what is stored and compared with the one it carries.
 */
@RestController
@RequestMapping("/api/audit/verifications")
@Tag(name = "Audit", description = "The immutable audit trail (compliance, admin)")
public class AuditVerificationController {

    private final MongoTemplate mongo;
    private final Clock clock;

    public AuditVerificationController(MongoTemplate mongo, Clock clock) {
        this.mongo = mongo;
        this.clock = clock;
    }

    @Schema(name = "AuditVerificationRequest")
    public record VerificationRequest(
            @Schema(description = "the first global position to check (default 0)", minimum = "0") Long from,
            @Schema(description = "the last global position to check (default: the head)", minimum = "0") Long to) {
    }

    @Schema(name = "AuditVerificationFailure")
    public record FailureFound(
            @Schema(description = "global position of the first commit that fails") long position,
            @Schema(description = "CHANGED (its content is not what it was sealed with), DELETED (nothing holds "
                    + "this position though later ones are stored), INSERTED (it is not part of the chain), "
                    + "REORDERED (an aggregate's events are out of order here), BROKEN (neither its content nor its "
                    + "place matches), UNSEALED (it carries no link)") CommitChain.Kind kind,
            String detail) {
    }

    @Schema(name = "AuditVerification")
    public record VerificationDone(boolean valid, long from,
                                   @Schema(description = "the last position checked (-1: an empty store)") long to,
                                   @Schema(description = "commits checked and found linked") long commits,
                                   @Schema(description = "events in them") long events,
                                   @Schema(description = "the first failure, when not valid") FailureFound failure,
                                   Instant checkedAt) {
    }

    @PostMapping
    @Operation(summary = "Check the event store's hash chain over a range of global positions (compliance, admin)",
            description = "Recomputes each commit's link (SHA-256 of the previous link and of the commit's canonical "
                    + "bytes, README \"The audit chain\") from what is stored and answers valid, or the first commit "
                    + "that fails and why.")
    @RequestBody(required = false, content = @Content(schema = @Schema(implementation = VerificationRequest.class)))
    public VerificationDone verify(@org.springframework.web.bind.annotation.RequestBody(required = false)
                                   JsonNode body) {
        List<FieldProblem> problems = new ArrayList<>();
        long from = position(body, "from", 0, problems);
        long to = position(body, "to", Long.MAX_VALUE, problems);
        if (body != null && body.isObject()) {
            body.fieldNames().forEachRemaining(name -> {
                if (!name.equals("from") && !name.equals("to")) {
                    problems.add(new FieldProblem(name, "is not a known field (from, to)"));
                }
            });
        } else if (body != null && !body.isNull()) {
            problems.add(new FieldProblem("body", "must be a JSON object"));
        }
        if (problems.isEmpty() && to < from) {
            problems.add(new FieldProblem("to", "must not be before from"));
        }
        ProblemResponses.throwIfAny(problems);
        CommitChain.Verification done = CommitChain.verify(mongo.getCollection(MongoCommitLogEngine.COMMITS), from, to);
        CommitChain.Failure failure = done.failure();
        return new VerificationDone(done.valid(), done.from(), done.to(), done.commits(), done.events(),
                failure == null ? null : new FailureFound(failure.position(), failure.kind(), failure.detail()),
                clock.instant());
    }

    private static long position(JsonNode body, String field, long otherwise, List<FieldProblem> problems) {
        JsonNode value = body == null || !body.isObject() ? null : body.get(field);
        if (value == null || value.isNull()) {
            return otherwise;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong() || value.asLong() < 0) {
            problems.add(new FieldProblem(field, "must be a global position: a whole number, 0 or more"));
            return otherwise;
        }
        return value.asLong();
    }
}
