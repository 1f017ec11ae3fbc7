package org.coverledger.eventstore;

import static com.mongodb.client.model.Filters.in;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.LongStream;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Updates;
import org.bson.Document;

/**
 * The hash chain over the event store: every commit carries, in {@value #FIELD}, the hex SHA-256
 * of the previous commit's chain value (32 zero bytes before the first) followed by the SHA-256
 * of the commit's canonical bytes, so that changing, removing, inserting or moving a commit breaks
 * the chain from there on. Void markers (indexes fenced off, with no events) are not links.
 * <p>
 * The canonical bytes hash what is stored, personal data sealed as it is, so an erasure (which
 * destroys keys and touches no stored byte) never breaks the chain. They are, in order: the ASCII
 * line {@code coverledger-commit-v1\n}; the first and last global index of the commit as 8-byte
 * big-endian numbers; then for each event, in stored order, ten fields: its identifier, its time
 * in epoch milliseconds (decimal), the nanoseconds within the second (decimal, or absent), the
 * payload type, the payload revision, the payload, the metadata, the aggregate type, the aggregate
 * identifier and the aggregate sequence number (decimal). Each field is a 4-byte big-endian length
 * followed by that many bytes of UTF-8, or the length 0xFFFFFFFF alone for a field that is absent.
 * The README repeats this so that anyone can check the chain without this code.
 */
public final class CommitChain {

    public static final String FIELD = "chain";
    public static final byte[] GENESIS = new byte[32];
    private static final String VERSION = "coverledger-commit-v1";
    private static final int WINDOW = 64;
    /** Indexes looked up per query of a walk: large, as each query costs a round trip (ops/bench --audit). */
    private static final int LOOKUP = 1024;
    /** Commits read ahead of their turn that a scan holds before it walks instead. */
    private static final int EARLY = 10_000;
    private static final int PROGRESS_EVERY = 4096;

    private CommitChain() {
    }

    /** Whether the document is a void marker (an index fenced off), which is no link of the chain. */
    static boolean isVoid(Document commit) {
        return commit.getBoolean("void", false);
    }

    /** The commit's canonical bytes, as the class comment defines them. */
    public static byte[] canonical(Document commit) {
        CanonicalBytes out = new CanonicalBytes(VERSION).number(commit.getLong("_id")).number(commit.getLong("last"));
        String commitAggregate = commit.getString("aggregateId"); // commits written before several aggregates
        String commitType = commit.getString("aggregateType");
        for (Document entry : commit.getList("events", Document.class)) {
            boolean domain = entry.containsKey("seq");
            String aggregateId = entry.getString("agg");
            String type = entry.getString("type");
            if (domain && aggregateId == null) {
                aggregateId = commitAggregate;
                type = commitType;
            }
            out.field(entry.getString("id"));
            out.field(entry.getDate("ts") == null ? null : Long.toString(entry.getDate("ts").getTime()));
            out.field(entry.get("tsNanos") == null ? null : entry.get("tsNanos").toString());
            out.field(entry.getString("payloadType"));
            out.field(entry.getString("revision"));
            out.field(entry.getString("payload"));
            out.field(entry.getString("metaData"));
            out.field(domain ? type : null);
            out.field(domain ? aggregateId : null);
            out.field(domain ? entry.get("seq").toString() : null);
        }
        return out.bytes();
    }

    /** The chain value of the commit after the one whose chain value is {@code previous}. */
    static byte[] link(byte[] previous, Document commit) {
        return linkOf(previous, canonical(commit));
    }

    /** The chain value after {@code previous} of a commit whose canonical bytes are {@code canonical}. */
    public static byte[] linkOf(byte[] previous, byte[] canonical) {
        MessageDigest sha = sha256();
        byte[] own = sha.digest(canonical);
        sha.update(previous);
        sha.update(own);
        return sha.digest();
    }

    public static String hex(byte[] hash) {
        return HexFormat.of().formatHex(hash);
    }

    public static byte[] bytes(String hex) {
        return HexFormat.of().parseHex(hex);
    }

    /** The stored chain value of a commit, or null (a void marker, or a commit not sealed). */
    static byte[] stored(Document commit) {
        String value = commit.getString(FIELD);
        return value == null ? null : bytes(value);
    }

    /**
     * Visits the commits and markers from {@code from} on, in global order, following each to the
     * next ({@code last + 1}) by look-ups on {@code _id}, {@value #LOOKUP} at a time; stops at the first index
     * nothing holds (returned).
     */
    static long walk(MongoCollection<Document> commits, long from, long to, Consumer<Document> visit) {
        long next = from;
        while (next <= to) {
            List<Document> window = new ArrayList<>();
            commits.find(in("_id", LongStream.range(next, Math.min(to + 1, next + LOOKUP)).boxed().toList()))
                    .into(window);
            window.sort(Comparator.comparingLong(d -> d.getLong("_id")));
            boolean moved = false;
            for (Document commit : window) {
                if (commit.getLong("_id") != next) {
                    break; // inside a commit already passed, or past a hole
                }
                visit.accept(commit);
                next = commit.getLong("last") + 1;
                moved = true;
                if (next > to) {
                    break;
                }
            }
            if (!moved) {
                return next;
            }
        }
        return next;
    }

    /**
     * The index after the last commit or marker stored, found by look-ups on the unique {@code idx}
     * index alone: a galloping search for the first index nothing holds (the order has no holes, so
     * every index below the end is held and none from it on), then one window past it, so that a
     * hole a writer of the old, reserving kind left near the head is stepped over. About 2 log2(n)
     * look-ups; a sort instead is answered by the embedded server by loading and sorting every
     * commit, which at 10^6 commits ran it out of memory.
     */
    public static long end(MongoCollection<Document> commits) {
        long end = 0;
        while (true) {
            end = firstFreeFrom(commits, end);
            Document beyond = null;
            for (Document held : commits.find(in("idx", LongStream.range(end, end + LOOKUP).boxed().toList()))
                    .projection(new Document("_id", 1).append("last", 1))) {
                if (beyond == null || held.getLong("last") > beyond.getLong("last")) {
                    beyond = held;
                }
            }
            if (beyond == null) {
                return end;
            }
            end = beyond.getLong("last") + 1;
        }
    }

    /** The first index at or after {@code from} that nothing holds, if those held from there on are contiguous. */
    private static long firstFreeFrom(MongoCollection<Document> commits, long from) {
        Document first = holding(commits, from);
        if (first == null) {
            return from;
        }
        long held = first.getLong("last");
        long step = 1;
        long free = held + step;
        // gallop: held is held, free (past it) is tried until nothing holds it
        while (true) {
            Document at = holding(commits, free);
            if (at == null) {
                break;
            }
            held = at.getLong("last");
            step *= 2;
            free = held + step;
        }
        // the first free index is in (held, free]: halve
        long low = held;
        long high = free;
        while (high - low > 1) {
            long middle = low + (high - low) / 2;
            Document at = holding(commits, middle);
            if (at == null) {
                high = middle;
            } else {
                low = at.getLong("last");
                if (low >= high) {
                    return low + 1;
                }
            }
        }
        return high;
    }

    /** The commit or marker that holds the index, by the unique {@code idx} index (its first index and last). */
    private static Document holding(MongoCollection<Document> commits, long index) {
        return commits.find(new Document("idx", index)).projection(new Document("_id", 1).append("last", 1)).first();
    }

    /**
     * Seals every commit that has no chain value yet (written before the chain), in global order,
     * each linked to the one before as stored; changes nothing else, and run again does nothing.
     * Returns how many it sealed.
     */
    static long sealUnsealed(MongoCollection<Document> commits) {
        long[] sealed = {0};
        byte[][] previous = {GENESIS};
        walk(commits, 0, Long.MAX_VALUE - 1, commit -> {
            if (isVoid(commit)) {
                return;
            }
            byte[] own = stored(commit);
            if (own == null) {
                own = link(previous[0], commit);
                commits.updateOne(new Document("_id", commit.getLong("_id")).append(FIELD, null),
                        Updates.set(FIELD, hex(own)));
                sealed[0]++;
            }
            previous[0] = own;
        });
        return sealed[0];
    }

    /** Why a commit fails the check. */
    public enum Kind {
        /** Its content is not what it was sealed with (the chain goes on from its seal). */
        CHANGED,
        /** A commit is missing: nothing holds this index, though later ones are stored. */
        DELETED,
        /** It does not belong: the chain goes on from the commit before it, as if it were not there. */
        INSERTED,
        /** An aggregate's events are out of their order here (commits moved or swapped). */
        REORDERED,
        /** Neither its content nor its place matches the chain: rewritten. */
        BROKEN,
        /** It carries no chain value. */
        UNSEALED
    }

    /** The first place the check failed: the commit's first global index, why, and in words. */
    public record Failure(long position, Kind kind, String detail) {
    }

    /** The outcome of a check of the commits from {@code from} to {@code to}: valid, or its first failure. */
    /**
     * A verification's answer; {@code headPosition} and {@code head}: the last commit found linked
     * (its first global index, -1 for none) and its chain value in hex (the value before
     * {@code from} when none was), which a backup's manifest or a saved head can be compared with.
     */
    public record Verification(boolean valid, long from, long to, long commits, long events, Failure failure,
                               long headPosition, String head) {
    }

    /**
     * Recomputes the chain over the commits whose first index lies from {@code from} to
     * {@code to} (both inclusive; {@code to} beyond the head: to the head), starting from the
     * stored chain value of the last commit before {@code from} (the genesis value from 0), and
     * answers valid or the first commit that fails and why.
     */
    public static Verification verify(MongoCollection<Document> commits, long from, long to) {
        return verify(commits, from, to, reached -> { });
    }

    /** As above, telling {@code progress} the global position reached every few thousand commits. */
    public static Verification verify(MongoCollection<Document> commits, long from, long to,
                                      java.util.function.LongConsumer progress) {
        // no look for the head first (a sort the embedded server answers by scanning): the scan ends there
        long upTo = to;
        byte[] genesis = from == 0 ? GENESIS : chainBefore(commits, from);
        Map<String, Long> nextSequence = new HashMap<>();
        // the state carried from commit to commit: the last link and the one before, and where the last lies
        byte[][] links = {genesis, null};
        long[] counts = {-1, 0, 0}; // previous commit's position, commits checked, events
        Failure[] failed = {null};
        long[] left = {-1};
        long reached = scan(commits, from, upTo, left, commit -> {
            if (isVoid(commit)) {
                return true;
            }
            byte[] own = stored(commit);
            String order = orderProblem(commit, nextSequence);
            Failure failure = null;
            if (own == null) {
                failure = new Failure(commit.getLong("_id"), Kind.UNSEALED, "commit " + commit.getLong("_id")
                        + " carries no chain value");
            } else if (!java.util.Arrays.equals(own, link(links[0], commit))) {
                failure = links[1] != null && java.util.Arrays.equals(own, link(links[1], commit))
                        // this one follows the commit before the previous: the previous does not belong
                        ? new Failure(counts[0], Kind.INSERTED, "commit " + counts[0] + " is not part of the "
                                + "chain: the next commit follows the one before it")
                        : classify(commit, links[0], own, following(commits, List.of(commit), 0), order);
            } else if (order != null) {
                failure = new Failure(commit.getLong("_id"), Kind.REORDERED, order);
            }
            if (failure != null) {
                failed[0] = failure;
                return false;
            }
            links[1] = links[0];
            links[0] = own;
            counts[0] = commit.getLong("_id");
            counts[1]++;
            counts[2] += commit.getList("events", Document.class).size();
            if (counts[1] % PROGRESS_EVERY == 0) {
                progress.accept(commit.getLong("last") + 1);
            }
            return true;
        });
        if (failed[0] != null) {
            return new Verification(false, from, Math.min(upTo, end(commits) - 1), counts[1], counts[2], failed[0],
                    counts[0], hex(links[0]));
        }
        if (reached <= upTo) {
            // is anything stored past where the scan stopped? (what it read says, or, after a walk, the head)
            long end = left[0] == Long.MIN_VALUE ? end(commits) : left[0] + 1;
            if (end > reached) {
                return new Verification(false, from, Math.min(upTo, end - 1), counts[1], counts[2], new Failure(
                        reached, Kind.DELETED, "nothing holds global index " + reached + ", though commits up to "
                                + (end - 1) + " are stored"), counts[0], hex(links[0]));
            }
            upTo = reached - 1;
        }
        progress.accept(reached);
        return new Verification(true, from, upTo, counts[1], counts[2], null, counts[0], hex(links[0]));
    }

    /**
     * Visits the commits and markers from {@code from} to {@code to} in global order, as {@link #walk}
     * does, until {@code visit} answers false or the first index nothing holds (returned). Over a
     * range from the first index it reads the collection once in its natural order, which is the order the writer
     * inserted (global order, but for markers fenced in later), holding commits that come early
     * until their turn: the raw driver's read rate, where a walk pays a query for every
     * {@value #LOOKUP} indexes. Should more than {@value #EARLY} wait, it goes on by walking.
     */
    static long scan(MongoCollection<Document> commits, long from, long to,
                     java.util.function.Predicate<Document> visit) {
        return scan(commits, from, to, new long[1], visit);
    }

    /**
     * As above; {@code left[0]} is then the last index of what was read but not visited ({@code -1}:
     * nothing, {@code Long.MIN_VALUE}: not known, the scan walked).
     */
    static long scan(MongoCollection<Document> commits, long from, long to, long[] left,
                     java.util.function.Predicate<Document> visit) {
        left[0] = Long.MIN_VALUE;
        if (from > 0 || to < LOOKUP * 4L) { // a part of the store: its look-ups cost less than reading it all
            return walkWhile(commits, from, to, visit);
        }
        long unvisited = -1;
        long next = from;
        java.util.TreeMap<Long, Document> early = new java.util.TreeMap<>();
        try (ReadAhead cursor = new ReadAhead(commits.find())) {
            while (next <= to && cursor.hasNext()) {
                Document commit = cursor.next();
                long id = commit.getLong("_id");
                if (id < next || id > to) {
                    if (id > to) {
                        unvisited = Math.max(unvisited, commit.getLong("last"));
                    }
                    continue; // passed, inside a commit passed, or beyond the range
                }
                if (id > next) {
                    early.put(id, commit);
                    if (early.size() > EARLY) {
                        return walkWhile(commits, next, to, visit);
                    }
                    continue;
                }
                while (commit != null) {
                    if (!visit.test(commit)) {
                        return next; // stopped: left unknown
                    }
                    next = commit.getLong("last") + 1;
                    early.headMap(next).clear();
                    commit = next > to ? null : early.remove(next);
                }
            }
            if (next <= to && cursor.hasNext()) {
                return next; // stopped by the visitor: left unknown
            }
        }
        for (Document waiting : early.values()) {
            unvisited = Math.max(unvisited, waiting.getLong("last"));
        }
        left[0] = unvisited;
        return next;
    }

    /** As {@link #walk}, until {@code visit} answers false. */
    private static long walkWhile(MongoCollection<Document> commits, long from, long to,
                                  java.util.function.Predicate<Document> visit) {
        boolean[] stopped = {false};
        long[] at = {from};
        long next = from;
        while (!stopped[0] && next <= to) {
            long window = Math.min(to, next + LOOKUP - 1);
            long reached = walk(commits, next, window, commit -> {
                if (!stopped[0]) {
                    stopped[0] = !visit.test(commit);
                    if (!stopped[0]) {
                        at[0] = commit.getLong("last") + 1;
                    }
                }
            });
            if (stopped[0] || reached == next || reached <= window) {
                return stopped[0] ? at[0] : reached;
            }
            next = reached;
        }
        return stopped[0] ? at[0] : next;
    }

    /** The next commit (not a void marker) after the window's {@code i}-th, from the window or the store. */
    private static Document following(MongoCollection<Document> commits, List<Document> window, int i) {
        Document found = firstLink(window, i + 1);
        if (found != null) {
            return found;
        }
        long next = window.get(window.size() - 1).getLong("last") + 1;
        for (int step = 0; step < WINDOW; step++) {
            Document commit = commits.find(new Document("_id", next)).first();
            if (commit == null || !isVoid(commit)) {
                return commit;
            }
            next = commit.getLong("last") + 1;
        }
        return null;
    }

    private static Document firstLink(List<Document> commits, int from) {
        for (int i = from; i < commits.size(); i++) {
            if (!isVoid(commits.get(i))) {
                return commits.get(i);
            }
        }
        return null;
    }

    /**
     * The stored chain value of the last commit (not a void marker) before {@code from}, or the
     * genesis value if none: where a writer, or a check from {@code from}, continues the chain.
     */
    static byte[] chainBefore(MongoCollection<Document> commits, long from) {
        // back from the index before, one commit or marker at a time by the unique idx index (void
        // markers are rare); a query of _id below with a sort is a scan and a sort of the whole store
        long index = from - 1;
        if (index >= 0 && holding(commits, index) == null) {
            index = Math.min(from, end(commits)) - 1; // asked from past the end: not index by index down to it
        }
        while (index >= 0) {
            Document before = commits.find(new Document("idx", index)).first();
            if (before == null) {
                index--; // a hole (a writer of the old, reserving kind): passed as the sort passed it
                continue;
            }
            if (!before.getBoolean("void", false)) {
                byte[] stored = stored(before);
                return stored == null ? GENESIS : stored;
            }
            index = before.getLong("_id") - 1;
        }
        return GENESIS;
    }

    /** An aggregate's sequence out of order in this commit, in words; null when in order. */
    private static String orderProblem(Document commit, Map<String, Long> nextSequence) {
        String problem = null;
        for (Document entry : commit.getList("events", Document.class)) {
            if (!entry.containsKey("seq")) {
                continue;
            }
            String aggregate = entry.getString("agg") != null ? entry.getString("type") + "#" + entry.getString("agg")
                    : commit.getString("aggregateType") + "#" + commit.getString("aggregateId");
            long seq = ((Number) entry.get("seq")).longValue();
            Long expected = nextSequence.get(aggregate);
            if (expected != null && seq != expected && problem == null) {
                problem = "aggregate " + aggregate + " has sequence " + seq + " where " + expected + " was due";
            }
            nextSequence.put(aggregate, seq + 1);
        }
        return problem;
    }

    private static Failure classify(Document commit, byte[] previous, byte[] own, Document following, String order) {
        long at = commit.getLong("_id");
        if (order != null) {
            return new Failure(at, Kind.REORDERED, order);
        }
        byte[] next = following == null ? null : stored(following);
        if (next != null && java.util.Arrays.equals(next, link(own, following))) {
            return new Failure(at, Kind.CHANGED, "commit " + at + " does not hash to its seal: its content changed");
        }
        if (next != null && java.util.Arrays.equals(next, link(previous, following))) {
            return new Failure(at, Kind.INSERTED, "commit " + at + " is not part of the chain: the next commit "
                    + "follows the one before it");
        }
        return new Failure(at, Kind.BROKEN, "commit " + at + " matches neither its seal nor its place in the chain");
    }

    private static MessageDigest sha256() {
        return MerkleTree.sha256();
    }
}
