package org.coverledger.query.audit;

import java.time.Clock;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.bson.Document;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Who looked at the audit trail ({@link AuditAccessLog}), its signed checkpoint and its check; and
 * how long the trail is kept.
 */
@RestController
@RequestMapping("/api/audit")
@Tag(name = "Audit", description = "The immutable audit trail (compliance, admin)")
public class AuditAccessController {

    private static final String TEXT = "text/plain;charset=UTF-8";

    private final AuditAccessLog accesses;
    private final AuditLog log;
    private final MongoTemplate mongo;
    private final Clock clock;
    private final Period retention;
    private final java.util.concurrent.Semaphore verifying = new java.util.concurrent.Semaphore(1);

    public AuditAccessController(AuditAccessLog accesses, AuditLog log, MongoTemplate mongo, Clock clock,
                                 @Value("${coverledger.audit.retention:P10Y}") Period retention) {
        this.accesses = accesses;
        this.log = log;
        this.mongo = mongo;
        this.clock = clock;
        this.retention = retention;
    }

    @Schema(name = "AuditAccessPage")
    public record AccessPage(List<AuditAccessLog.AccessRecord> items,
                             @Schema(description = "pass as after= for the next page; absent on the last page")
                             Long next,
                             @Schema(description = "records in the log") long size) {
    }

    @GetMapping("/access")
    @Operation(summary = "Who looked at the audit trail: every query, replay, verification, export, proof and as-of "
            + "view, oldest first (compliance, admin)",
            description = "One record per request, refused ones included, with who asked, from where, the "
                    + "parameters, the status answered and how many entries the answer covered. Reading this log is "
                    + "recorded in it too. Paged by index: after= the last one seen.")
    public AccessPage access(@RequestParam(required = false) String after, @RequestParam(required = false) String limit,
                             @RequestParam(required = false) String actor) {
        List<FieldProblem> problems = new ArrayList<>();
        long afterIndex = after == null ? -1 : Paging.number("after", after, 0, Long.MAX_VALUE, problems);
        int count = limit == null ? 50 : (int) Paging.number("limit", limit, 1, 500, problems);
        if (actor != null && actor.isBlank()) {
            problems.add(new FieldProblem("actor", "must not be blank"));
        }
        ProblemResponses.throwIfAny(problems);
        List<AuditAccessLog.AccessRecord> found = accesses.after(afterIndex, count + 1, actor);
        boolean more = found.size() > count;
        List<AuditAccessLog.AccessRecord> page = more ? found.subList(0, count) : found;
        AuditAccessFilter.entries(page.size());
        return new AccessPage(page, more ? page.get(page.size() - 1).index() : null, accesses.size());
    }

    @GetMapping(path = "/access/digest", produces = TEXT)
    @Operation(summary = "The signed checkpoint of the access log (compliance, admin)",
            description = "A C2SP tlog-checkpoint of the RFC 6962 tree over the access records (origin "
                    + "`<key name>/access`), signed with the deployment's key. Keep it: POST "
                    + "/api/audit/access/verifications with it shows no record it covers was changed or removed.")
    public String digest() {
        return accesses.checkpoint();
    }

    @Schema(name = "AuditAccessVerificationRequest")
    public record VerificationRequest(@Schema(description = "a checkpoint of the access log saved earlier (GET "
            + "/api/audit/access/digest)") String digest) {
    }

    @PostMapping("/access/verifications")
    @Operation(summary = "Check the access log: every record's link and the tree, and a saved checkpoint "
            + "(compliance, admin)")
    @RequestBody(required = false, content = @Content(schema = @Schema(implementation = VerificationRequest.class)))
    public AuditAccessLog.Checked verify(@org.springframework.web.bind.annotation.RequestBody(required = false)
                                         JsonNode body) {
        List<FieldProblem> problems = new ArrayList<>();
        Checkpoint saved = null;
        if (body != null && !body.isNull() && !body.isObject()) {
            problems.add(new FieldProblem("body", "must be a JSON object"));
        } else if (body != null && body.isObject()) {
            body.fieldNames().forEachRemaining(name -> {
                if (!name.equals("digest")) {
                    problems.add(new FieldProblem(name, "is not a known field (digest)"));
                }
            });
            JsonNode digest = body.get("digest");
            if (digest != null && !digest.isNull()) {
                Optional<Checkpoint> opened = digest.isTextual()
                        ? SignedNote.open(digest.asText(), log.verifier()).flatMap(Checkpoint::parse) : Optional.empty();
                if (opened.isEmpty() || !opened.get().origin().equals(accesses.origin())) {
                    problems.add(new FieldProblem("digest", "must be a checkpoint of this access log signed by this "
                            + "deployment's key, as GET /api/audit/access/digest answers it"));
                } else {
                    saved = opened.get();
                }
            }
        }
        ProblemResponses.throwIfAny(problems);
        if (saved != null) {
            AuditAccessFilter.body(java.util.Map.of("digest", "tree size " + saved.size()));
        }
        if (!verifying.tryAcquire()) {
            throw new org.coverledger.platform.TooManyRequests("TOO_MANY_VERIFICATIONS", "The access log is being "
                    + "checked already; ask again when that is done.", 10);
        }
        try {
            AuditAccessLog.Checked checked = accesses.verify(saved);
            AuditAccessFilter.entries(checked.records());
            return checked;
        } finally {
            verifying.release();
        }
    }

    @Schema(name = "AuditRetention")
    public record Retention(
            @Schema(description = "how long the trail is kept (ISO 8601 period; coverledger.audit.retention)",
                    example = "P10Y") String retention,
            @Schema(description = "the time of the oldest event in the store (absent: none yet)") Instant oldestEventAt,
            @Schema(description = "the oldest event plus the retention: until then nothing may be archived") Instant
                    keptUntil,
            @Schema(description = "whether the oldest entries are past the retention (they are still kept)")
            boolean pastRetention,
            @Schema(description = "audit entries recorded") long entries,
            @Schema(description = "access records") long accessRecords,
            @Schema(description = "how retention is applied") String policy) {
    }

    @GetMapping(path = "/retention", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "How long the audit trail is kept, and how old it is (compliance, admin)")
    public Retention retention() {
        Instant oldest = oldestEvent();
        Instant until = oldest == null ? null : oldest.atOffset(ZoneOffset.UTC).plus(retention).toInstant();
        long entries = mongo.getCollection(mongo.getCollectionName(AuditEntry.class)).estimatedDocumentCount();
        return new Retention(retention.toString(), oldest, until, until != null && clock.instant().isAfter(until),
                entries, accesses.size(), "Audit entries, events and access records are never deleted by this "
                        + "system: the retention is reported, not enforced. Past it, entries may be archived "
                        + "(GET /api/audit/export, checked by ops/verify-audit) under the insurer's own procedure.");
    }

    private Instant oldestEvent() {
        long size = log.tree().size();
        if (size == 0) {
            return null;
        }
        Instant[] first = {null};
        try {
            log.tree().forEachLeaf(0, 1, (leaf, commit) -> {
                Object at = commit.get("ts");
                first[0] = at instanceof java.util.Date date ? date.toInstant() : null; // a changed commit: unknown
            });
        } catch (IllegalStateException e) {
            return null; // the first commit is gone (a verification says where): its time is unknown
        }
        return first[0];
    }
}
