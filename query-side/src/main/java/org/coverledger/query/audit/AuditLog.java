package org.coverledger.query.audit;

import java.time.Clock;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Sorts;
import org.bson.Document;
import org.coverledger.eventstore.CommitTree;
import org.coverledger.eventstore.Cosignature;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.coverledger.eventstore.SignedNote.Signer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The event store as a transparency log: the Merkle tree over its commits ({@link CommitTree}),
 * grown in the background as commits arrive, and checkpoints of it signed with the deployment's
 * Ed25519 key as C2SP signed notes. A checkpoint is also recorded (in {@value #CHECKPOINTS}) every
 * interval in which the tree grew, so that a later verification can show the store still extends
 * what it was then.
 */
@Component
public class AuditLog {

    static final String CHECKPOINTS = "audit_checkpoints";
    private static final Logger log = LoggerFactory.getLogger(AuditLog.class);
    private static final long GROWTH_PER_STEP = 100_000;
    /** At most this much is added inside a request; the background step adds the rest. */
    private static final long GROWTH_PER_REQUEST = 10_000;
    /** The key query-side.properties ships with, for development only. */
    static final String DEVELOPMENT_KEY_NAME = "coverledger.local/audit";

    private final CommitTree tree;
    private final Signer signer;
    private final MongoCollection<Document> checkpoints;
    private final Clock clock;
    private final AtomicLong brokenAt = new AtomicLong(-1);
    private final List<Cosignature.WitnessKey> witnesses;

    public AuditLog(MongoTemplate mongo, Clock clock, @Value("${coverledger.audit.signing-key}") String signingKey) {
        this(mongo, clock, signingKey, "");
    }

    @org.springframework.beans.factory.annotation.Autowired
    public AuditLog(MongoTemplate mongo, Clock clock, @Value("${coverledger.audit.signing-key}") String signingKey,
                    @Value("${coverledger.audit.witnesses:}") String witnesses) {
        this.witnesses = java.util.Arrays.stream(witnesses.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(Cosignature.WitnessKey::parse).toList();
        this.tree = new CommitTree(mongo.getDb());
        this.signer = Signer.parse(signingKey);
        this.checkpoints = mongo.getCollection(CHECKPOINTS);
        this.clock = clock;
        if (developmentKey()) {
            log.warn("The audit checkpoints are signed with the DEVELOPMENT key {} that ships with the source: anyone "
                    + "can forge them. Make this deployment's own key with ops/audit-key NAME and set "
                    + "COVERLEDGER_AUDIT_SIGNING_KEY.", DEVELOPMENT_KEY_NAME);
        }
    }

    /** Whether the checkpoints are signed with the key that ships with the source (whose private half is public). */
    public boolean developmentKey() {
        return DEVELOPMENT_KEY_NAME.equals(signer.name());
    }

    public CommitTree tree() {
        return tree;
    }

    public SignedNote.Verifier verifier() {
        return signer.verifier();
    }

    /** The log's origin line: the signing key's name. */
    public String origin() {
        return signer.name();
    }

    /** Adds the commits stored since the last step; says so, once, when a commit's link does not hold. */
    @Scheduled(fixedDelayString = "${coverledger.audit.tree-interval:1s}", initialDelayString = "1s")
    public long grow() {
        return noted(tree.catchUp(GROWTH_PER_STEP));
    }

    private long noted(CommitTree.Growth growth) {
        if (growth.brokenAt() < 0) {
            brokenAt.set(-1);
        }
        if (growth.brokenAt() >= 0 && brokenAt.getAndSet(growth.brokenAt()) != growth.brokenAt()) {
            log.error("The audit tree stops before the commit at global position {}: its hash chain link does not "
                    + "hold (changed or inserted in the database). Run POST /api/audit/verifications.", growth.brokenAt());
        }
        return growth.size();
    }

    /**
     * The tree's size, grown first by at most {@value #GROWTH_PER_REQUEST} commits, and not at all
     * while the background step is growing it: a request never waits for a long catch-up (after a
     * restore, say), it answers the tree as far as it reaches.
     */
    public long current() {
        return tree.tryCatchUp(GROWTH_PER_REQUEST).map(this::noted).orElseGet(tree::size);
    }

    /** The position of the commit whose link stopped the tree, or -1. */
    public long brokenAt() {
        return brokenAt.get();
    }

    /** The checkpoint signed with the deployment's key as a C2SP signed note. */
    public String sign(Checkpoint checkpoint) {
        return signer.sign(checkpoint.text());
    }

    /** The signed checkpoint of the tree's first {@code size} commits. */
    public String checkpoint(long size) {
        return signer.sign(new Checkpoint(origin(), size, tree.root(size), List.of()).text());
    }

    /** Records a signed checkpoint of the tree if it grew since the last one recorded. */
    @Scheduled(fixedDelayString = "${coverledger.audit.checkpoint-interval:1m}", initialDelayString = "5s")
    public void record() {
        long size = current();
        Document last = checkpoints.find().sort(Sorts.descending("_id")).limit(1).first();
        if (size == 0 || last != null && last.getLong("_id") >= size) {
            return;
        }
        try {
            checkpoints.insertOne(new Document("_id", size).append("note", checkpoint(size))
                    .append("root", Base64.getEncoder().encodeToString(tree.root(size)))
                    .append("at", Date.from(clock.instant())));
        } catch (MongoWriteException e) {
            if (ErrorCategory.fromErrorCode(e.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            // another query-side process recorded the same checkpoint
        }
    }

    /** The witnesses whose cosignatures are taken (coverledger.audit.witnesses). */
    public List<Cosignature.WitnessKey> witnesses() {
        return witnesses;
    }

    /** The recorded checkpoint of that tree size, or null. */
    public Document recordedAt(long size) {
        return checkpoints.find(new Document("_id", size)).first();
    }

    /**
     * Keeps a witness's cosignature of the recorded checkpoint: one per witness key, the one with
     * the latest time (an older line sent again changes nothing), in one conditional update.
     */
    public void cosigned(long size, Cosignature.WitnessKey witness, String line, long time) {
        String field = "cosignatures." + String.format("%08x", witness.keyId());
        checkpoints.updateOne(new Document("_id", size).append("$or", List.of(
                        new Document(field, new Document("$exists", false)),
                        new Document(field + ".time", new Document("$lt", time)))),
                new Document("$set", new Document(field, new Document("witness", witness.name()).append("line", line)
                        .append("time", time))));
    }

    /** The checkpoints recorded, oldest first, after the tree size {@code after}. */
    public List<Document> recorded(long after, int limit) {
        return checkpoints.find(new Document("_id", new Document("$gt", after))).sort(Sorts.ascending("_id"))
                .limit(limit).into(new java.util.ArrayList<>());
    }
}
