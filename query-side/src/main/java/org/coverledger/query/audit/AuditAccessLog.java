package org.coverledger.query.audit;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.gt;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import io.swagger.v3.oas.annotations.media.Schema;
import org.bson.Document;
import org.coverledger.eventstore.CanonicalBytes;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Who looked at the audit trail: one record per request to it (query, replay, verification,
 * export, proof, as-of view, this log itself), in a log of its own that is tamper-evident the same
 * way as the event store. Record {@code n} has the index {@code n} as {@code _id}, a chain link
 * ({@code SHA-256(link of n-1 || SHA-256(canonical bytes))}, 32 zero bytes before the first) and
 * is leaf {@code n} of an RFC 6962 Merkle tree whose compact range the head document keeps, so
 * that a checkpoint of it is signed in O(log n) and a verification re-derives both from the records.
 * <p>
 * Several query-side processes append at once without a lock: a writer inserts the record at the
 * head's size (the unique {@code _id} lets one win), then moves the head by compare-and-set; a
 * writer that finds a record at the head's size that the head does not count yet (its writer
 * stopped in between) takes it into the head first, so nothing inserted is ever left out.
 */
@Component
public class AuditAccessLog {

    static final String COLLECTION = "audit_access";
    static final String VERSION = "coverledger-access-v1";
    private static final String HEAD = "access-head";
    private static final int ATTEMPTS = 1000;
    /** Parameters in the order of their names' UTF-8 bytes: what anyone re-implementing the form sorts by. */
    static final java.util.Comparator<String> BY_UTF8 = (a, b) -> java.util.Arrays.compareUnsigned(
            a.getBytes(java.nio.charset.StandardCharsets.UTF_8), b.getBytes(java.nio.charset.StandardCharsets.UTF_8));

    /** The access log's documents are not what this class writes: changed in the database. */
    public static final class Damaged extends IllegalStateException {
        Damaged(String what, RuntimeException cause) {
            super("the access log's " + what + " is malformed (changed in the database): POST "
                    + "/api/audit/access/verifications locates it", cause);
        }
    }

    private final MongoCollection<Document> records;
    private final MongoCollection<Document> meta;
    private final AuditLog log;
    private final Clock clock;

    public AuditAccessLog(MongoTemplate mongo, AuditLog log, Clock clock) {
        this.records = mongo.getCollection(COLLECTION);
        this.meta = mongo.getCollection(AuditPositions.META);
        this.log = log;
        this.clock = clock;
    }

    /** What kind of access a record is of. */
    public enum Action {
        QUERY, REPLAY, AS_OF_VIEW, VERIFICATION, EXPORT, DIGEST, PROOF, CHECKPOINTS, RETENTION, ACCESS_LOG, OTHER,
        /** Service staff finding a customer's account by a policy number, claim id, mobile or national ID. */
        CUSTOMER_LOOKUP,
        /** Service staff opening a customer's overview (a customer's look at their own is not recorded). */
        CUSTOMER_OVERVIEW
    }

    /** One access, as recorded: who, from where, what they asked, what they were answered, and how many entries. */
    @Schema(name = "AuditAccessRecord")
    public record AccessRecord(
            @Schema(description = "the record's place in the access log (its leaf index)") long index,
            Instant at,
            @Schema(description = "the login, or absent for a caller who gave none") String actor,
            @Schema(description = "the caller's roles, comma-separated") String roles,
            String clientIp, String requestId, String method, String path,
            @Schema(description = "the parameters asked with (query string and, for a verification, its body's "
                    + "from/to/digest tree size), by name") Map<String, String> parameters,
            Action action,
            @Schema(description = "the HTTP status answered") int status,
            @Schema(description = "how many audit entries or events the answer covered (entries listed, steps "
                    + "replayed, events verified, entries exported); absent when none were") Long entries,
            @Schema(description = "hex chain link: SHA-256(link of the record before || SHA-256(canonical bytes))")
            String link) {

        /** The canonical bytes (README "Who looked at the audit trail"). */
        byte[] canonical() {
            CanonicalBytes out = new CanonicalBytes(VERSION).number(index)
                    .field(Long.toString(at.toEpochMilli())).field(actor).field(roles).field(clientIp)
                    .field(requestId).field(method).field(path).number(parameters.size());
            parameters.forEach((name, value) -> out.field(name).field(value));
            return out.field(action.name()).field(Integer.toString(status))
                    .field(entries == null ? null : entries.toString()).bytes();
        }

        AccessRecord at(long newIndex, byte[] previous) {
            AccessRecord placed = new AccessRecord(newIndex, at, actor, roles, clientIp, requestId, method, path,
                    parameters, action, status, entries, null);
            return placed.linked(CommitChain.hex(CommitChain.linkOf(previous, placed.canonical())));
        }

        private AccessRecord linked(String newLink) {
            return new AccessRecord(index, at, actor, roles, clientIp, requestId, method, path, parameters, action,
                    status, entries, newLink);
        }
    }

    private record Head(long size, byte[] link, MerkleTree.Range range) {
    }

    /** Appends the access; its index and link are given here, the rest is the caller's. */
    public AccessRecord record(String actor, String roles, String clientIp, String requestId, String method,
                               String path, Map<String, String> parameters, Action action, int status, Long entries) {
        Map<String, String> ordered = new TreeMap<>(BY_UTF8);
        ordered.putAll(parameters);
        AccessRecord draft = new AccessRecord(-1, clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS),
                actor, roles, clientIp, requestId, method, path, java.util.Collections.unmodifiableMap(ordered), action,
                status, entries, null);
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Head head = head();
            AccessRecord placed = draft.at(head.size(), head.link());
            try {
                records.insertOne(document(placed));
            } catch (MongoWriteException e) {
                if (ErrorCategory.fromErrorCode(e.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    throw e;
                }
                adopt(head); // another writer's record holds this index: count it in, then try the next one
                continue;
            }
            advance(head, placed);
            return placed;
        }
        throw new IllegalStateException("the access log's head did not settle in " + ATTEMPTS + " attempts");
    }

    /** Takes the record at the head's size into the head (whoever wrote it). */
    private void adopt(Head head) {
        Document found = records.find(eq("_id", head.size())).first();
        if (found != null) {
            advance(head, readable(found));
        }
    }

    private void advance(Head head, AccessRecord record) {
        MerkleTree.Range range = MerkleTree.Range.of(head.size(), head.range().hashes());
        range.add(MerkleTree.leafHash(record.canonical()));
        Document moved = new Document("_id", HEAD).append("size", range.size()).append("link", record.link())
                .append("range", range.hashes().stream().map(h -> Base64.getEncoder().encodeToString(h)).toList());
        if (head.size() == 0) {
            try {
                meta.insertOne(moved);
            } catch (MongoWriteException e) {
                if (ErrorCategory.fromErrorCode(e.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    throw e;
                }
            }
        } else {
            meta.updateOne(and(eq("_id", HEAD), eq("size", head.size())), new Document("$set", moved));
        }
    }

    private Head head() {
        Document head = meta.find(eq("_id", HEAD)).first();
        if (head == null) {
            return new Head(0, CommitChain.GENESIS, new MerkleTree.Range());
        }
        try {
            long size = head.getLong("size");
            List<byte[]> hashes = head.getList("range", String.class).stream().map(Base64.getDecoder()::decode).toList();
            byte[] link = CommitChain.bytes(head.getString("link"));
            if (link.length != 32) {
                throw new IllegalArgumentException("a link of " + link.length + " bytes");
            }
            return new Head(size, link, MerkleTree.Range.of(size, hashes));
        } catch (RuntimeException e) {
            throw new Damaged("head (audit_meta " + HEAD + ")", e);
        }
    }

    /** How many accesses are recorded (the head's size). */
    public long size() {
        return head().size();
    }

    /** The signed checkpoint of the whole access log: origin {@code <key name>/access}. */
    public String checkpoint() {
        Head head = head();
        return log.sign(new Checkpoint(origin(), head.size(), head.range().root(), List.of()));
    }

    public String origin() {
        return log.origin() + "/access";
    }

    /** Records after {@code after} (an index; -1 for the first), oldest first, optionally of one actor. */
    public List<AccessRecord> after(long after, int limit, String actor) {
        var filter = actor == null ? gt("_id", after) : and(gt("_id", after), eq("actor", actor));
        List<AccessRecord> page = new ArrayList<>();
        long size = size();
        for (Document found : records.find(filter).sort(Sorts.ascending("_id")).limit(limit)) {
            if (readable(found).index() < size) { // past the head: being written
                page.add(readable(found));
            }
        }
        return page;
    }

    /** Why the access log fails its check. */
    public enum Kind {
        /** A record's content is not what its link was made from. */
        CHANGED,
        /** No record holds an index the head counts. */
        DELETED,
        /** The head does not match the records (its tree root or link). */
        HEAD_CHANGED,
        /** A record cannot be read at all. */
        UNREADABLE
    }

    @Schema(name = "AuditAccessFailure")
    public record Failure(long index, Kind kind, String detail) {
    }

    @Schema(name = "AuditAccessCheck")
    public record Checked(
            @Schema(description = "the records' tree size and root, and a given checkpoint, all agree") boolean valid,
            @Schema(description = "records checked") long records,
            Failure failure,
            @Schema(description = "a checkpoint given: its tree size") Long digestSize,
            @Schema(description = "whether the first digestSize records hash to the checkpoint's root") Boolean extended) {
    }

    /** Re-derives every link and the tree from the records; with a checkpoint, whether its records are unchanged. */
    public Checked verify(Checkpoint saved) {
        Head head;
        try {
            head = head();
        } catch (Damaged e) {
            return new Checked(false, 0, new Failure(-1, Kind.HEAD_CHANGED, e.getMessage()),
                    saved == null ? null : saved.size(), saved == null ? null : false);
        }
        MerkleTree.Range range = new MerkleTree.Range();
        byte[] link = CommitChain.GENESIS;
        byte[] savedRoot = null;
        Failure failure = null;
        long expected = 0;
        for (Document found : records.find(Filters.lt("_id", head.size())).sort(Sorts.ascending("_id"))) {
            if (saved != null && range.size() == saved.size()) {
                savedRoot = range.root();
            }
            AccessRecord record;
            try {
                record = record(found);
            } catch (RuntimeException e) {
                failure = failure != null ? failure : new Failure(expected, Kind.UNREADABLE, "the record at " + expected
                        + " cannot be read: " + e.getClass().getSimpleName());
                break;
            }
            if (record.index() != expected) {
                failure = failure != null ? failure : new Failure(expected, Kind.DELETED, "no record holds index "
                        + expected + " (the next one is " + record.index() + ")");
                break;
            }
            byte[] canonical = record.canonical();
            byte[] own = CommitChain.linkOf(link, canonical);
            if (failure == null && !CommitChain.hex(own).equals(record.link())) {
                failure = new Failure(expected, Kind.CHANGED, "the record at " + expected + " is not what its link "
                        + "was made from: changed, or the log rewritten from here on");
            }
            link = CommitChain.bytes(record.link()); // go on from its seal, as the event store's check does
            range.add(MerkleTree.leafHash(canonical));
            expected++;
        }
        if (saved != null && range.size() == saved.size()) {
            savedRoot = range.root();
        }
        if (failure == null && expected < head.size()) {
            failure = new Failure(expected, Kind.DELETED, "the head counts " + head.size() + " records, the log holds "
                    + expected);
        }
        if (failure == null && (!Arrays.equals(range.root(), head.range().root()) || !Arrays.equals(link, head.link()))) {
            failure = new Failure(head.size(), Kind.HEAD_CHANGED, "the head's tree root or link is not that of the "
                    + "records");
        }
        Boolean extended = saved == null ? null : savedRoot != null && Arrays.equals(savedRoot, saved.root());
        return new Checked(failure == null && (extended == null || extended), expected, failure,
                saved == null ? null : saved.size(), extended);
    }

    private static Document document(AccessRecord record) {
        List<Document> parameters = new ArrayList<>();
        record.parameters().forEach((name, value) -> parameters.add(new Document("name", name).append("value", value)));
        return new Document("_id", record.index()).append("at", Date.from(record.at())).append("actor", record.actor())
                .append("roles", record.roles()).append("clientIp", record.clientIp())
                .append("requestId", record.requestId()).append("method", record.method()).append("path", record.path())
                .append("parameters", parameters).append("action", record.action().name())
                .append("status", record.status()).append("entries", record.entries()).append("link", record.link());
    }

    private static AccessRecord readable(Document found) {
        try {
            return record(found);
        } catch (RuntimeException e) {
            throw new Damaged("record " + found.get("_id"), e);
        }
    }

    private static AccessRecord record(Document found) {
        Map<String, String> parameters = new java.util.LinkedHashMap<>(); // in the order stored (and hashed)
        for (Document parameter : found.getList("parameters", Document.class)) {
            String name = parameter.getString("name");
            if (name == null || parameters.put(name, java.util.Objects.requireNonNull(parameter.getString("value")))
                    != null) {
                throw new IllegalArgumentException("a parameter without a name, or twice");
            }
        }
        Number entries = found.get("entries", Number.class);
        String link = found.getString("link");
        if (link == null || CommitChain.bytes(link).length != 32) {
            throw new IllegalArgumentException("no link of 32 bytes");
        }
        return new AccessRecord(found.getLong("_id"), found.getDate("at").toInstant(), found.getString("actor"),
                found.getString("roles"), found.getString("clientIp"), found.getString("requestId"),
                found.getString("method"), found.getString("path"), parameters, Action.valueOf(found.getString("action")),
                found.getInteger("status"), entries == null ? null : entries.longValue(), link);
    }
}
