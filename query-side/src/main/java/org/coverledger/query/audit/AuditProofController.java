package org.coverledger.query.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import com.mongodb.client.model.Filters;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.bson.Document;
import org.coverledger.eventstore.CommitTree;
import org.coverledger.eventstore.Cosignature;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The event store as a transparency log ({@link AuditLog}): signed checkpoints (C2SP
 * tlog-checkpoint), the key that signs them, and RFC 6962 proofs that a client checks without
 * trusting this server.
 */
@RestController
@RequestMapping("/api/audit")
@Tag(name = "Audit", description = "The immutable audit trail (compliance, admin)")
public class AuditProofController {

    private static final String TEXT = "text/plain;charset=UTF-8";

    /** How far ahead of this server's clock a cosignature's time may be. */
    private static final java.time.Duration FUTURE = java.time.Duration.ofMinutes(10);

    private final AuditLog log;
    private final MongoTemplate mongo;
    private final java.time.Clock clock;

    public AuditProofController(AuditLog log, MongoTemplate mongo, java.time.Clock clock) {
        this.log = log;
        this.mongo = mongo;
        this.clock = clock;
    }

    @Schema(name = "AuditDigest")
    public record Digest(@Schema(description = "the log's origin line") String origin,
                         @Schema(description = "commits in the tree") long treeSize,
                         @Schema(description = "base64 RFC 6962 root hash") String rootHash,
                         @Schema(description = "the same as a C2SP tlog-checkpoint in a signed note (what "
                                 + "text/plain answers)") String checkpoint) {
    }

    @GetMapping(path = "/digest", produces = TEXT)
    @Operation(summary = "The signed checkpoint of the whole event store (compliance, admin)",
            description = "A C2SP tlog-checkpoint (origin, tree size, base64 root hash of the RFC 6962 Merkle tree over "
                    + "the commits) as a signed note with the deployment's Ed25519 key (GET /api/audit/public-key). "
                    + "Keep it: POST /api/audit/verifications with it shows that the store still extends it. "
                    + "Accept: application/json answers the same as JSON.")
    public String digestNote() {
        return log.checkpoint(log.current());
    }

    @GetMapping(path = "/digest", produces = MediaType.APPLICATION_JSON_VALUE)
    public Digest digest() {
        long size = log.current();
        return new Digest(log.origin(), size, b64(log.tree().root(size)), log.checkpoint(size));
    }

    @Schema(name = "AuditPublicKey")
    public record PublicKey(@Schema(description = "the key's name, also the checkpoints' origin") String name,
                            @Schema(description = "the key ID: first 4 bytes of SHA-256(name, 0x0A, 0x01, key), hex")
                            String keyId,
                            String algorithm,
                            @Schema(description = "the verifier key as golang.org/x/mod/sumdb/note reads it")
                            String verifierKey,
                            @Schema(description = "the raw 32-byte Ed25519 public key, base64") String publicKey,
                            @Schema(description = "true while the deployment signs with the development key that ships "
                                    + "with the source: its checkpoints prove nothing") boolean developmentKey) {
    }

    @GetMapping("/public-key")
    @Operation(summary = "The public key that signs the audit checkpoints (anyone)")
    public PublicKey publicKey() {
        var verifier = log.verifier();
        return new PublicKey(verifier.name(), String.format("%08x", verifier.keyId()), "Ed25519", verifier.text(),
                b64(verifier.publicKey()), log.developmentKey());
    }

    @Schema(name = "AuditInclusionProof")
    public record InclusionProof(String eventId,
                                 @Schema(description = "global position of the event's commit") long position,
                                 @Schema(description = "the commit's leaf index in the tree") long leafIndex,
                                 long treeSize,
                                 @Schema(description = "base64 root hash of the tree of treeSize") String rootHash,
                                 @Schema(description = "base64 canonical bytes of the commit (README \"The audit "
                                         + "chain\"): the leaf's entry") String entry,
                                 @Schema(description = "base64 SHA-256(0x00 || entry)") String leafHash,
                                 @Schema(description = "base64 hashes of the RFC 6962 audit path, leaf to root")
                                 List<String> proof,
                                 @Schema(description = "the signed checkpoint of the tree of treeSize") String checkpoint) {
    }

    @GetMapping("/proofs/inclusion/{eventId}")
    @Operation(summary = "Proof that an event's commit is in the log (compliance, admin)",
            description = "An RFC 6962 inclusion proof of the commit holding the event against the tree of treeSize "
                    + "commits (default: the whole store), with that tree's signed checkpoint. 400 with the field "
                    + "treeSize when the commit lies beyond it.")
    public InclusionProof inclusion(@PathVariable String eventId, @RequestParam(required = false) String treeSize) {
        List<FieldProblem> problems = new ArrayList<>();
        long current = log.current();
        long size = size("treeSize", treeSize, current, current, problems);
        ProblemResponses.throwIfAny(problems);
        Document commit = mongo.getCollection(MongoCommitLogEngine.COMMITS).find(Filters.eq("ids", eventId)).first();
        if (commit == null) {
            throw new NotFound("event", eventId);
        }
        long position = commit.getLong("_id");
        CommitTree tree = log.tree();
        long leaf = tree.leafOf(position, size);
        if (leaf < 0) {
            long broken = log.brokenAt();
            String why = size < current ? ""
                    : broken >= 0 && position >= broken ? ": the tree stops before the commit at global position "
                            + broken + ", whose chain link does not hold (see POST /api/audit/verifications)"
                    : ": the tree does not reach it yet (it grows every second); ask again";
            ProblemResponses.throwIfAny(List.of(new FieldProblem("treeSize", "the event's commit (global position "
                    + position + ") is not in the tree of " + size + " commits" + why)));
        }
        byte[] entry = CommitChain.canonical(commit);
        if (!java.util.Arrays.equals(MerkleTree.leafHash(entry), tree.node(0, leaf))) {
            throw new AuditProblems.Conflict("AUDIT_COMMIT_CHANGED", "The commit at global position " + position
                    + " is not what the audit tree recorded for leaf " + leaf + ": it was changed in the database "
                    + "after it was added. POST /api/audit/verifications locates the change.");
        }
        return new InclusionProof(eventId, position, leaf, size, b64(tree.root(size)), b64(entry),
                b64(MerkleTree.leafHash(entry)), b64(MerkleTree.inclusionProof(tree, leaf, size)), log.checkpoint(size));
    }

    @Schema(name = "AuditConsistencyProof")
    public record ConsistencyProof(long from, long to,
                                   @Schema(description = "base64 root hash of the tree of from") String fromRoot,
                                   @Schema(description = "base64 root hash of the tree of to") String toRoot,
                                   @Schema(description = "base64 hashes of the RFC 6962 consistency proof")
                                   List<String> proof,
                                   @Schema(description = "the signed checkpoint of the tree of from") String fromCheckpoint,
                                   @Schema(description = "the signed checkpoint of the tree of to") String toCheckpoint) {
    }

    @GetMapping("/proofs/consistency")
    @Operation(summary = "Proof that the log of to commits extends the one of from (anyone: hashes only)",
            description = "An RFC 6962 consistency proof between two tree sizes (to defaults to the whole store), "
                    + "with both trees' signed checkpoints: nothing in the first was changed, removed or reordered.")
    public ConsistencyProof consistency(@RequestParam(required = false) String from,
                                        @RequestParam(required = false) String to) {
        List<FieldProblem> problems = new ArrayList<>();
        long current = log.current();
        long second = size("to", to, current, current, problems);
        boolean toValid = problems.isEmpty();
        long first = from == null ? -1 : size("from", from, toValid ? second : current, -1, problems);
        if (from == null) {
            problems.add(new FieldProblem("from", "is required: the tree size of the earlier checkpoint"));
        }
        ProblemResponses.throwIfAny(problems);
        CommitTree tree = log.tree();
        return new ConsistencyProof(first, second, b64(tree.root(first)), b64(tree.root(second)),
                b64(MerkleTree.consistencyProof(tree, first, second)), log.checkpoint(first), log.checkpoint(second));
    }

    @Schema(name = "AuditCheckpoint")
    public record RecordedCheckpoint(long treeSize, String rootHash, Instant recordedAt,
                                     @Schema(description = "the signed note, with the witnesses' cosignature lines")
                                     String checkpoint,
                                     @Schema(description = "the witnesses that cosigned it (C2SP tlog-cosignature/v1)")
                                     List<String> cosignedBy) {
    }

    @Schema(name = "AuditCheckpoints")
    public record Checkpoints(List<RecordedCheckpoint> items,
                              @Schema(description = "pass as after= for the next page; absent on the last page")
                              Long next) {
    }

    @GetMapping("/checkpoints")
    @Operation(summary = "The checkpoints recorded periodically, oldest first, with witnesses' cosignatures (anyone)",
            description = "The query side signs and records a checkpoint every interval in which the store grew "
                    + "(coverledger.audit.checkpoint-interval). Paged by tree size: after= the last one seen.")
    public Checkpoints checkpoints(@RequestParam(required = false) String after,
                                   @RequestParam(required = false) String limit) {
        List<FieldProblem> problems = new ArrayList<>();
        long afterSize = after == null ? 0 : Paging.number("after", after, 0, Long.MAX_VALUE, problems);
        int count = limit == null ? 50 : (int) Paging.number("limit", limit, 1, 500, problems);
        ProblemResponses.throwIfAny(problems);
        List<RecordedCheckpoint> items = log.recorded(afterSize, count + 1).stream().map(this::recorded).toList();
        boolean more = items.size() > count;
        List<RecordedCheckpoint> page = more ? items.subList(0, count) : items;
        return new Checkpoints(page, more ? page.get(page.size() - 1).treeSize() : null);
    }

    private RecordedCheckpoint recorded(Document d) {
        try {
            StringBuilder note = new StringBuilder(d.getString("note"));
            List<String> by = new ArrayList<>();
            if (d.get("cosignatures") instanceof Document cosignatures) {
                // in key ID order; an entry that is not one a witness sent (changed in the database) is left out
                new java.util.TreeMap<>(cosignatures).values().forEach(value -> {
                    if (value instanceof Document c && c.get("line") instanceof String line && line.startsWith("\u2014 ")
                            && !line.contains("\n") && c.get("witness") instanceof String witness) {
                        note.append(line).append('\n');
                        by.add(witness);
                    }
                });
            }
            if (SignedNote.split(note.toString()).isEmpty()) {
                throw new IllegalArgumentException("no signed note");
            }
            return new RecordedCheckpoint(d.getLong("_id"), d.getString("root"), d.getDate("at").toInstant(),
                    note.toString(), by);
        } catch (RuntimeException e) {
            throw new AuditProblems.Conflict("AUDIT_DATA_DAMAGED", "The checkpoint recorded at tree size "
                    + d.get("_id") + " is malformed (changed in the database): " + e.getClass().getSimpleName());
        }
    }

    @Schema(name = "AuditCosignatures")
    public record Cosigned(long treeSize,
                           @Schema(description = "the witnesses whose cosignature was taken now") List<String> accepted,
                           @Schema(description = "the checkpoint as it now stands, cosignatures included")
                           RecordedCheckpoint checkpoint) {
    }

    @PostMapping(path = "/checkpoints/{treeSize}/cosignatures", consumes = MediaType.TEXT_PLAIN_VALUE)
    @Operation(summary = "A witness's cosignature of a recorded checkpoint (anyone: only a configured witness's "
            + "valid signature is taken)",
            description = "The body is the C2SP tlog-cosignature/v1 signature lines (`— <witness> <base64>`), alone "
                    + "or under the cosigned note. Each must come from a witness key in coverledger.audit.witnesses "
                    + "and sign the checkpoint recorded at treeSize; a witness's latest cosignature replaces its "
                    + "earlier one.")
    public Cosigned cosign(@PathVariable String treeSize,
                           @org.springframework.web.bind.annotation.RequestBody(required = false) String body) {
        List<FieldProblem> problems = new ArrayList<>();
        long size = Paging.number("treeSize", treeSize, 1, Long.MAX_VALUE, problems);
        ProblemResponses.throwIfAny(problems);
        Document recorded = log.recordedAt(size);
        if (recorded == null) {
            throw new NotFound("checkpoint", treeSize);
        }
        String text = SignedNote.split(recorded(recorded).checkpoint()).map(SignedNote.Note::text)
                .orElseThrow(() -> new AuditProblems.Conflict("AUDIT_DATA_DAMAGED", "The checkpoint recorded at "
                        + "tree size " + size + " is malformed"));
        List<String> lines = body == null ? List.of() : body.lines().filter(line -> line.startsWith("\u2014 "))
                .distinct().limit(20).toList();
        if (lines.isEmpty()) {
            problems.add(new FieldProblem("body", "holds no signature line (\u2014 <witness name> <base64>)"));
        }
        List<String> accepted = new ArrayList<>();
        List<Object[]> taken = new ArrayList<>();
        for (String line : lines) {
            String name = line.substring(2).split(" ", 2)[0];
            if (name.equals(log.origin())) {
                continue; // the log's own signature, under a whole note
            }
            var witness = log.witnesses().stream().filter(w -> w.name().equals(name)).findFirst();
            if (witness.isEmpty()) {
                problems.add(new FieldProblem("body", "no witness named " + name + " is configured "
                        + "(coverledger.audit.witnesses)"));
                continue;
            }
            var time = witness.get().verify(text, line);
            if (time.isEmpty()) {
                problems.add(new FieldProblem("body", "the signature line of " + name + " is not its cosignature/v1 "
                        + "of the checkpoint recorded at " + size));
                continue;
            }
            if (time.get() > clock.instant().plus(FUTURE).getEpochSecond()) {
                problems.add(new FieldProblem("body", "the cosignature of " + name + " is dated in the future"));
                continue;
            }
            accepted.add(name);
            taken.add(new Object[] {witness.get(), line, time.get()});
        }
        if (accepted.isEmpty() && problems.isEmpty()) {
            problems.add(new FieldProblem("body", "holds no witness's signature line, only the log's own"));
        }
        ProblemResponses.throwIfAny(problems); // all or nothing
        taken.forEach(t -> log.cosigned(size, (Cosignature.WitnessKey) t[0], (String) t[1], (Long) t[2]));
        return new Cosigned(size, accepted, recorded(log.recordedAt(size)));
    }

    /** A tree size from 1 to {@code max}; {@code otherwise} when absent. */
    private static long size(String field, String value, long max, long otherwise, List<FieldProblem> problems) {
        if (value == null) {
            return otherwise;
        }
        if (max < 1) {
            problems.add(new FieldProblem(field, "the log is empty: no tree size is valid yet"));
            return otherwise;
        }
        return Paging.number(field, value, 1, max, problems);
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static List<String> b64(List<byte[]> hashes) {
        return hashes.stream().map(AuditProofController::b64).toList();
    }
}
