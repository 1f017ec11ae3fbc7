package org.coverledger.eventstore;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lt;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ReplaceOptions;
import org.bson.Document;
import org.bson.types.Binary;

/**
 * The RFC 6962 Merkle tree over the event store's commits, in chain order: leaf {@code i} is the
 * {@code i}-th commit (void markers are no leaves), its entry the commit's canonical bytes
 * ({@link CommitChain}). The tree grows by {@link #catchUp}, which adds only commits that continue
 * the hash chain; a commit whose link does not hold stops it there.
 * <p>
 * The hashes are kept in MongoDB as tiles, as transparency logs keep them (C2SP tlog-tiles): the
 * tile {@code L/n} holds up to {@code 2^height} consecutive hashes of tree level {@code L·height},
 * starting at index {@code n·2^height}; level-0 tiles also hold the global position of each leaf's
 * commit. Every hash a root or proof needs is one tile read by {@code _id} plus at most
 * {@code 2^height - 1} hash steps, so a proof costs a few look-ups on a unique key whatever the
 * length of the history (the embedded server is only fast on those). Tile contents follow from the
 * store, so two builders racing write the same bytes; a tile only ever grows, and the head (tree
 * size) moves by compare-and-set after its tiles are written.
 */
public final class CommitTree implements MerkleTree.Nodes {

    public static final String COLLECTION = "audit_tree";
    static final int HEIGHT = 8;
    private static final String HEAD = "head";
    private static final int BATCH = 4096;
    private static final int CACHED_TILES = 1024;

    private final MongoCollection<Document> commits;
    private final MongoCollection<Document> tree;
    private final int height;
    private final int width;
    private final java.util.concurrent.locks.ReentrantLock growing = new java.util.concurrent.locks.ReentrantLock();
    private final Map<String, Tile> fullTiles = Collections.synchronizedMap(
            new LinkedHashMap<>(64, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Tile> eldest) {
                    return size() > CACHED_TILES;
                }
            });

    public CommitTree(MongoDatabase database) {
        this(database, HEIGHT);
    }

    CommitTree(MongoDatabase database, int height) {
        this.commits = database.getCollection(MongoCommitLogEngine.COMMITS);
        this.tree = database.getCollection(COLLECTION);
        this.height = height;
        this.width = 1 << height;
    }

    /** How far the tree reaches: its size, the global position after its last leaf's commit, that commit's link. */
    public record Head(long size, long next, byte[] chain) {
    }

    /** Where the last {@link #catchUp} stopped: the tree's size, and the position of a commit that broke the chain (or -1). */
    public record Growth(long size, long brokenAt) {
    }

    private record Tile(int count, byte[] hashes, long[] positions) {
        byte[] hash(int i) {
            return Arrays.copyOfRange(hashes, i * 32, i * 32 + 32);
        }
    }

    /**
     * The tree's stored hashes are not what this class writes (a field of the wrong type or length):
     * changed in the database. They follow from the store, so deleting {@value #COLLECTION} lets
     * the tree be built again from the commits, and saved checkpoints still check what that gives.
     */
    public static final class Damaged extends IllegalStateException {
        Damaged(String what, RuntimeException cause) {
            super("the audit tree's " + what + " in " + COLLECTION + " is malformed (changed in the database): "
                    + "delete that collection and the tree is built again from the event store", cause);
        }
    }

    public Head head() {
        Document head = tree.find(eq("_id", HEAD)).first();
        if (head == null) {
            return new Head(0, 0, CommitChain.GENESIS);
        }
        try {
            Head read = new Head(head.getLong("size"), head.getLong("next"), CommitChain.bytes(head.getString("chain")));
            if (read.size() < 0 || read.next() < read.size() || read.chain().length != 32) {
                throw new IllegalArgumentException("size " + read.size() + ", next " + read.next());
            }
            return read;
        } catch (RuntimeException e) {
            throw new Damaged("head", e);
        }
    }

    public long size() {
        return head().size();
    }

    /**
     * Adds to the tree the commits stored past its head, in global order, as long as each one's link
     * continues the chain; at most {@code limit} of them. Safe to run in several processes at once.
     */
    public Growth catchUp(long limit) {
        growing.lock();
        try {
            return grow(limit);
        } finally {
            growing.unlock();
        }
    }

    /** As {@link #catchUp}, unless another caller of this instance is growing the tree: then empty at once. */
    public java.util.Optional<Growth> tryCatchUp(long limit) {
        if (!growing.tryLock()) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(grow(limit));
        } finally {
            growing.unlock();
        }
    }

    private Growth grow(long limit) {
        Head head = head();
        List<byte[]> leaves = new ArrayList<>();
        List<Long> positions = new ArrayList<>();
        byte[][] chain = {head.chain()};
        long[] next = {head.next()}; // after the last leaf's commit
        long[] scanned = {head.next()}; // after the last commit or void marker looked at
        long[] broken = {-1};
        while (leaves.size() < limit && broken[0] < 0) {
            long from = scanned[0];
            CommitChain.walk(commits, from, from + BATCH - 1, commit -> {
                if (broken[0] >= 0 || leaves.size() >= limit) {
                    return;
                }
                if (!CommitChain.isVoid(commit)) {
                    byte[] canonical = CommitChain.canonical(commit);
                    byte[] stored = CommitChain.stored(commit);
                    if (stored == null || !Arrays.equals(stored, CommitChain.linkOf(chain[0], canonical))) {
                        broken[0] = commit.getLong("_id");
                        return;
                    }
                    leaves.add(MerkleTree.leafHash(canonical));
                    positions.add(commit.getLong("_id"));
                    chain[0] = stored;
                    next[0] = commit.getLong("last") + 1;
                }
                scanned[0] = commit.getLong("last") + 1;
            });
            if (scanned[0] == from) {
                break; // nothing stored there (yet)
            }
        }
        if (leaves.isEmpty()) {
            return new Growth(head.size(), broken[0]);
        }
        long newSize = head.size() + leaves.size();
        writeTiles(head.size(), newSize, leaves, positions);
        Document moved = new Document("_id", HEAD).append("size", newSize).append("next", next[0])
                .append("chain", CommitChain.hex(chain[0])).append("at", new Date());
        if (head.size() == 0) {
            try {
                tree.insertOne(moved);
            } catch (MongoWriteException e) {
                if (ErrorCategory.fromErrorCode(e.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                    throw e;
                }
            }
        } else {
            tree.updateOne(and(eq("_id", HEAD), eq("size", head.size())), new Document("$set", moved));
        }
        return new Growth(size(), broken[0]);
    }

    /** Writes the tiles for leaves {@code [oldSize, newSize)} and the upper levels they complete. */
    private void writeTiles(long oldSize, long newSize, List<byte[]> leaves, List<Long> positions) {
        List<byte[]> fresh = leaves;
        for (int row = 0; ; row++) {
            long a = oldSize >> (height * row);
            long b = newSize >> (height * row);
            if (a == b) {
                return;
            }
            List<byte[]> completed = new ArrayList<>();
            for (long t = a / width; t * width < b; t++) {
                long start = t * width;
                long end = Math.min(b, start + width);
                int kept = (int) Math.max(0, a - start);
                Tile old = kept == 0 ? null : tile(row, t, kept);
                byte[] hashes = new byte[(int) (end - start) * 32];
                long[] leafPositions = row == 0 ? new long[(int) (end - start)] : null;
                if (old != null) {
                    System.arraycopy(old.hashes(), 0, hashes, 0, kept * 32);
                    if (leafPositions != null) {
                        System.arraycopy(old.positions(), 0, leafPositions, 0, kept);
                    }
                }
                List<byte[]> all = new ArrayList<>(width);
                for (int i = 0; i < kept; i++) {
                    all.add(old.hash(i));
                }
                for (long i = Math.max(a, start); i < end; i++) {
                    byte[] hash = fresh.get((int) (i - a));
                    System.arraycopy(hash, 0, hashes, (int) (i - start) * 32, 32);
                    all.add(hash);
                    if (leafPositions != null) {
                        leafPositions[(int) (i - start)] = positions.get((int) (i - a));
                    }
                }
                Tile tile = new Tile((int) (end - start), hashes, leafPositions);
                store(row, t, tile);
                if (end - start == width) {
                    completed.add(MerkleTree.complete(all));
                }
            }
            fresh = completed;
        }
    }

    private void store(int row, long index, Tile tile) {
        Document document = new Document("_id", tileId(row, index)).append("level", row).append("index", index)
                .append("count", tile.count()).append("hashes", new Binary(tile.hashes()));
        if (tile.positions() != null) {
            ByteBuffer packed = ByteBuffer.allocate(tile.count() * 8);
            for (long position : tile.positions()) {
                packed.putLong(position);
            }
            document.append("positions", new Binary(packed.array()));
        }
        try {
            tree.replaceOne(and(eq("_id", tileId(row, index)), lt("count", tile.count())), document,
                    new ReplaceOptions().upsert(true));
        } catch (MongoWriteException e) {
            if (ErrorCategory.fromErrorCode(e.getCode()) != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            // another builder stored this tile with as many hashes or more: the same ones
        }
    }

    private static String tileId(int row, long index) {
        return "tile/" + row + "/" + index;
    }

    /** The tile, holding at least {@code needed} hashes; full tiles never change, so they are cached. */
    private Tile tile(int row, long index, int needed) {
        String id = tileId(row, index);
        Tile cached = fullTiles.get(id);
        if (cached != null) {
            return cached;
        }
        Document document = tree.find(eq("_id", id)).first();
        Tile tile;
        try {
            tile = read(document, row);
        } catch (RuntimeException e) {
            throw new Damaged("tile " + id, e);
        }
        if (tile.count() < needed) {
            throw new Damaged("tile " + id, new IllegalArgumentException("it holds " + tile.count() + " hashes, "
                    + needed + " are needed"));
        }
        int count = tile.count();
        if (count == width) {
            fullTiles.put(id, tile);
        }
        return tile;
    }

    private Tile read(Document document, int row) {
        if (document == null) {
            throw new IllegalArgumentException("it is missing");
        }
        int count = document.getInteger("count");
        byte[] hashes = document.get("hashes", Binary.class).getData();
        if (count < 1 || count > width || hashes.length != count * 32) {
            throw new IllegalArgumentException("count " + count + ", " + hashes.length + " bytes of hashes");
        }
        long[] positions = null;
        if (row == 0) {
            byte[] packed = document.get("positions", Binary.class).getData();
            if (packed.length != count * 8) {
                throw new IllegalArgumentException(packed.length + " bytes of positions for " + count + " leaves");
            }
            ByteBuffer buffer = ByteBuffer.wrap(packed);
            positions = new long[count];
            for (int i = 0; i < count; i++) {
                positions[i] = buffer.getLong();
                if (positions[i] < 0 || i > 0 && positions[i] <= positions[i - 1]) {
                    throw new IllegalArgumentException("positions out of order");
                }
            }
        }
        return new Tile(count, hashes, positions);
    }

    @Override
    public byte[] node(int level, long index) {
        int row = level / height;
        int up = level % height;
        long first = index << up;
        long t = first / width;
        int offset = (int) (first - t * width);
        Tile tile = tile(row, t, offset + (1 << up));
        if (up == 0) {
            return tile.hash(offset);
        }
        List<byte[]> hashes = new ArrayList<>(1 << up);
        for (int i = 0; i < 1 << up; i++) {
            hashes.add(tile.hash(offset + i));
        }
        return MerkleTree.complete(hashes);
    }

    /** The global position of leaf {@code leaf}'s commit. */
    public long positionOf(long leaf) {
        long t = leaf / width;
        return tile(0, t, (int) (leaf - t * width) + 1).positions()[(int) (leaf - t * width)];
    }

    /** What {@link #forEachLeaf} hands over: a leaf's index and its commit as stored now. */
    public interface LeafVisitor {
        void visit(long leaf, Document commit);
    }

    /**
     * Hands over the leaves {@code [from, to)} in order with their commits, read by {@code _id} a
     * tile's worth at a time (the positions come from the level-0 tiles): constant memory.
     */
    public void forEachLeaf(long from, long to, LeafVisitor visitor) {
        long leaf = from;
        while (leaf < to) {
            long t = leaf / width;
            int offset = (int) (leaf - t * width);
            int count = (int) Math.min(width - offset, to - leaf);
            long[] positions = tile(0, t, offset + count).positions();
            List<Long> wanted = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                wanted.add(positions[offset + i]);
            }
            Map<Long, Document> found = new java.util.HashMap<>();
            for (Document commit : commits.find(com.mongodb.client.model.Filters.in("_id", wanted))) {
                found.put(commit.getLong("_id"), commit);
            }
            for (int i = 0; i < count; i++) {
                Document commit = found.get(wanted.get(i));
                if (commit == null) {
                    throw new IllegalStateException("the commit at global position " + wanted.get(i) + " (leaf "
                            + (leaf + i) + ") is gone from the store: run POST /api/audit/verifications");
                }
                visitor.visit(leaf + i, commit);
            }
            leaf += count;
        }
    }

    /** The leaf of the commit at global position {@code position} in the tree of {@code size}, or -1 if not in it. */
    public long leafOf(long position, long size) {
        if (size == 0) {
            return -1;
        }
        long low = 0;
        long high = (size - 1) / width; // the last tile that may hold it
        while (low < high) { // the last tile whose first leaf's position is at most position
            long middle = (low + high + 1) >>> 1;
            if (tile(0, middle, 1).positions()[0] <= position) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        int count = (int) Math.min(width, size - low * width);
        long[] within = tile(0, low, count).positions();
        int found = Arrays.binarySearch(within, 0, count, position);
        return found < 0 ? -1 : low * width + found;
    }

    /** The root hash of the first {@code size} leaves, from the tiles. */
    public byte[] root(long size) {
        return MerkleTree.root(this, size);
    }

    /**
     * The first {@code size} commits as the store holds them now, hashed again without the tiles: how
     * many there were, their root, and the position of the first commit whose leaf differs from the
     * one the tree recorded for it (-1 if none does).
     */
    public record Recomputed(long leaves, byte[] root, long firstChanged) {
    }

    public Recomputed recompute(long size) {
        return recompute(size, leaves -> { });
    }

    /** As above, telling {@code progress} how many leaves are hashed after each batch of commits. */
    public Recomputed recompute(long size, java.util.function.LongConsumer progress) {
        fullTiles.clear(); // compared with the tiles as stored now
        MerkleTree.Range range = new MerkleTree.Range();
        long built = size();
        long[] firstChanged = {-1};
        if (size > 0) {
            CommitChain.scan(commits, 0, Long.MAX_VALUE - 1, commit -> {
                if (CommitChain.isVoid(commit)) {
                    return true;
                }
                byte[] leaf = MerkleTree.leafHash(CommitChain.canonical(commit));
                if (firstChanged[0] < 0 && range.size() < built && !Arrays.equals(leaf, node(0, range.size()))) {
                    firstChanged[0] = commit.getLong("_id");
                }
                range.add(leaf);
                if (range.size() % BATCH == 0) {
                    progress.accept(range.size());
                }
                return range.size() < size;
            });
        }
        progress.accept(range.size());
        return new Recomputed(range.size(), range.root(), firstChanged[0]);
    }

    /** Forgets the tiles, so that {@link #catchUp} builds the tree again from the store. */
    public void clear() {
        tree.deleteMany(new Document());
        fullTiles.clear();
    }
}
