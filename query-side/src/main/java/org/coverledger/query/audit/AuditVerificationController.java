package org.coverledger.query.audit;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;

import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.CommitTree;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.data.mongodb.core.MongoTemplate;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import org.coverledger.events.common.Caller;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
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
    private final AuditLog log;
    private final AuditEntriesCheck entries;
    private final AuditVerifications jobs;

    public AuditVerificationController(MongoTemplate mongo, Clock clock, AuditLog log, AuditEntriesCheck entries,
                                       AuditVerifications jobs) {
        this.jobs = jobs;
        this.mongo = mongo;
        this.clock = clock;
        this.log = log;
        this.entries = entries;
    }

    @Schema(name = "AuditVerificationRequest")
    public record VerificationRequest(
            @Schema(description = "the first global position to check (default 0)", minimum = "0") Long from,
            @Schema(description = "the last global position to check (default: the head)", minimum = "0") Long to,
            @Schema(description = "a checkpoint saved earlier (GET /api/audit/digest, text/plain): the store must "
                    + "still extend it") String digest) {
    }

    @Schema(name = "AuditDigestCheck")
    public record DigestChecked(
            @Schema(description = "the checkpoint's tree size") long treeSize,
            @Schema(description = "the checkpoint's base64 root hash") String rootHash,
            @Schema(description = "whether the first treeSize commits stored now hash to that root") boolean extended,
            @Schema(description = "commits found for it (fewer than treeSize: some were removed)") long commitsFound,
            @Schema(description = "global position of the first commit whose leaf differs from the one the tree "
                    + "recorded, when known") Long position,
            String detail) {
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
                                   @Schema(description = "the first global position of the last commit found linked "
                                           + "(-1: none)") long headPosition,
                                   @Schema(description = "that commit's chain value (hex SHA-256; before any commit, "
                                           + "the value the range starts from): the head a backup's manifest names")
                                   String head,
                                   @Schema(description = "the first failure of the chain, when there is one")
                                   FailureFound failure,
                                   @Schema(description = "the check against the digest, when one was given")
                                   DigestChecked digest,
                                   @Schema(description = "the audit entries compared with the events one to one")
                                   AuditEntriesCheck.Result entries,
                                   Instant checkedAt) {
    }

    @PostMapping
    @Operation(summary = "Check the event store's hash chain over a range of global positions (compliance, admin)",
            description = "Recomputes each commit's link (SHA-256 of the previous link and of the commit's canonical "
                    + "bytes, README \"The audit chain\") from what is stored and answers valid, or the first commit "
                    + "that fails and why. Given a digest saved earlier (a signed checkpoint), it also hashes the "
                    + "commits it covers again and answers whether the store still extends it. The audit entries "
                    + "are compared with the events one to one (none missing, none changed; over the whole store, "
                    + "none extra), up to where the audit projection has got.")
    @RequestBody(required = false, content = @Content(schema = @Schema(implementation = VerificationRequest.class)))
    @ApiResponse(responseCode = "200", description = "the verification's answer", content = @Content(
            schema = @Schema(implementation = VerificationDone.class)))
    @ApiResponse(responseCode = "202", description = "with Prefer: respond-async, the verification queued: follow "
            + "Location (GET /api/audit/verifications/{id})", content = @Content(
            schema = @Schema(implementation = AuditVerifications.Job.class)))
    public ResponseEntity<Object> verify(@org.springframework.web.bind.annotation.RequestBody(required = false)
                                         JsonNode body,
                                         @Parameter(in = ParameterIn.HEADER, name = "Prefer", description = "respond-async: "
                                                 + "run it in the background and answer 202 at once (RFC 7240)")
                                         @RequestHeader(name = "Prefer", required = false) String prefer,
                                         Caller caller) {
        List<FieldProblem> problems = new ArrayList<>();
        long from = position(body, "from", 0, problems);
        long to = position(body, "to", Long.MAX_VALUE, problems);
        if (body != null && body.isObject()) {
            body.fieldNames().forEachRemaining(name -> {
                if (!name.equals("from") && !name.equals("to") && !name.equals("digest")) {
                    problems.add(new FieldProblem(name, "is not a known field (from, to, digest)"));
                }
            });
        } else if (body != null && !body.isNull()) {
            problems.add(new FieldProblem("body", "must be a JSON object"));
        }
        if (problems.isEmpty() && to < from) {
            problems.add(new FieldProblem("to", "must not be before from"));
        }
        Checkpoint checkpoint = checkpoint(body, problems);
        ProblemResponses.throwIfAny(problems);
        Map<String, String> asked = new java.util.TreeMap<>();
        if (body != null && body.has("from")) {
            asked.put("from", Long.toString(from));
        }
        if (body != null && body.has("to")) {
            asked.put("to", Long.toString(to));
        }
        if (checkpoint != null) {
            asked.put("digest", "tree size " + checkpoint.size());
        }
        AuditAccessFilter.body(asked);
        if (prefer != null && prefer.toLowerCase(java.util.Locale.ROOT).contains("respond-async")) {
            AuditVerifications.Job job = jobs.start(caller.login(), progress -> run(from, to, checkpoint, progress));
            return ResponseEntity.accepted().location(java.net.URI.create("/api/audit/verifications/" + job.id()))
                    .header("Preference-Applied", "respond-async").body(job);
        }
        VerificationDone done = run(from, to, checkpoint, AuditVerifications.Progress.NONE);
        AuditAccessFilter.entries(done.events());
        return ResponseEntity.ok(done);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Where a verification asked with Prefer: respond-async stands (compliance, admin)",
            description = "QUEUED, RUNNING with its phase (CHAIN, DIGEST, ENTRIES) and how far it has got, DONE with "
                    + "the answer a synchronous verification gives, FAILED, or ABANDONED when the process running it "
                    + "stopped (ask again).")
    public AuditVerifications.Job job(@PathVariable String id) {
        AuditVerifications.Job job = jobs.find(id);
        if (job == null) {
            throw new NotFound("verification", id);
        }
        if (job.result() != null) {
            AuditAccessFilter.entries(job.result().events());
        }
        return job;
    }

    /** The verification itself: the chain, the saved checkpoint if any, the audit entries. */
    private VerificationDone run(long from, long to, Checkpoint checkpoint, AuditVerifications.Progress progress) {
        var commits = mongo.getCollection(MongoCommitLogEngine.COMMITS);
        long last = Math.min(to, log.tree().head().next() - 1); // about the head (the tree follows it within a second)
        progress.phase(AuditVerifications.Phase.CHAIN, Math.max(0, last - from + 1));
        CommitChain.Verification done = CommitChain.verify(commits, from, to, reached -> progress.done(reached - from));
        CommitChain.Failure failure = done.failure();
        DigestChecked digest = null;
        if (checkpoint != null) {
            progress.phase(AuditVerifications.Phase.DIGEST, checkpoint.size());
            digest = check(checkpoint, progress);
        }
        progress.phase(AuditVerifications.Phase.ENTRIES, Math.max(0, last - from + 1));
        AuditEntriesCheck.Result entriesChecked = entries.check(from, to, from == 0 && to == Long.MAX_VALUE,
                reached -> progress.done(reached - from + 1));
        return new VerificationDone(done.valid() && (digest == null || digest.extended()) && entriesChecked.valid(),
                done.from(), done.to(), done.commits(), done.events(), done.headPosition(), done.head(),
                failure == null ? null : new FailureFound(failure.position(), failure.kind(), failure.detail()),
                digest, entriesChecked, clock.instant());
    }

    /** The signed checkpoint in the request, if any, opened with this deployment's key. */
    private Checkpoint checkpoint(JsonNode body, List<FieldProblem> problems) {
        JsonNode value = body == null || !body.isObject() ? null : body.get("digest");
        if (value == null || value.isNull()) {
            return null;
        }
        Optional<Checkpoint> checkpoint = value.isTextual()
                ? SignedNote.open(value.asText(), log.verifier()).flatMap(Checkpoint::parse) : Optional.empty();
        if (checkpoint.isEmpty()) {
            problems.add(new FieldProblem("digest", "must be a checkpoint signed by this deployment's key, as "
                    + "GET /api/audit/digest answers it (text/plain)"));
            return null;
        }
        if (!checkpoint.get().origin().equals(log.origin())) {
            problems.add(new FieldProblem("digest", "is the checkpoint of another log: " + checkpoint.get().origin()));
            return null;
        }
        return checkpoint.get();
    }

    /** Hashes the first commits stored now again, without the tree's tiles, and compares their root with the checkpoint's. */
    private DigestChecked check(Checkpoint checkpoint, AuditVerifications.Progress progress) {
        CommitTree.Recomputed now = log.tree().recompute(checkpoint.size(), progress::done);
        String root = Base64.getEncoder().encodeToString(checkpoint.root());
        if (now.leaves() == checkpoint.size() && Arrays.equals(now.root(), checkpoint.root())) {
            return new DigestChecked(checkpoint.size(), root, true, now.leaves(), null,
                    "the first " + checkpoint.size() + " commits stored hash to the checkpoint's root");
        }
        Long position = now.firstChanged() >= 0 ? now.firstChanged() : null;
        String detail = now.leaves() < checkpoint.size()
                ? "the store holds " + now.leaves() + " commits before a missing one, where the checkpoint has "
                        + checkpoint.size()
                : "the first " + checkpoint.size() + " commits stored do not hash to the checkpoint's root: "
                        + "history it covers was changed";
        return new DigestChecked(checkpoint.size(), root, false, now.leaves(), position,
                position == null ? detail : detail + "; the first commit that differs is at " + position);
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
