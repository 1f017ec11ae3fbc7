package org.coverledger.eventstore;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree of RFC 6962 (section 2.1), as Certificate Transparency and the Go checksum
 * database hash it: a leaf is {@code SHA-256(0x00 || entry)}, a node {@code SHA-256(0x01 || left ||
 * right)}, the tree of {@code n} leaves splits at the largest power of two below {@code n}, and the
 * empty tree's hash is {@code SHA-256()}. Proofs are computed from the hashes of complete subtrees
 * (a {@link Nodes} source, such as the stored tiles of {@link CommitTree}) and checked with the
 * algorithms of RFC 9162 (sections 2.1.3.2 and 2.1.4.2), which need nothing but the proof.
 */
public final class MerkleTree {

    /** The hash of the tree without leaves. */
    public static final byte[] EMPTY = java.util.HexFormat.of()
            .parseHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"); // SHA-256 of nothing

    private MerkleTree() {
    }

    /** The hashes of complete subtrees: level 0 are the leaves, level {@code h} index {@code k} covers leaves {@code [k·2^h, (k+1)·2^h)}. */
    public interface Nodes {
        byte[] node(int level, long index);
    }

    public static byte[] leafHash(byte[] entry) {
        MessageDigest sha = sha256();
        sha.update((byte) 0);
        sha.update(entry);
        return sha.digest();
    }

    public static byte[] nodeHash(byte[] left, byte[] right) {
        MessageDigest sha = sha256();
        sha.update((byte) 1);
        sha.update(left);
        sha.update(right);
        return sha.digest();
    }

    /** The hash of a complete subtree of {@code hashes.size()} (a power of two) consecutive nodes of one level. */
    static byte[] complete(List<byte[]> hashes) {
        List<byte[]> level = hashes;
        while (level.size() > 1) {
            List<byte[]> up = new ArrayList<>(level.size() / 2);
            for (int i = 0; i + 1 < level.size(); i += 2) {
                up.add(nodeHash(level.get(i), level.get(i + 1)));
            }
            level = up;
        }
        return level.get(0);
    }

    /** The root hash of the first {@code size} leaves. */
    public static byte[] root(Nodes nodes, long size) {
        return size == 0 ? EMPTY : subtree(nodes, 0, size);
    }

    /** MTH(D[start:end]), where {@code start} is a multiple of the largest power of two below {@code end - start}. */
    private static byte[] subtree(Nodes nodes, long start, long end) {
        long n = end - start;
        if (Long.bitCount(n) == 1 && start % n == 0) {
            return nodes.node(Long.numberOfTrailingZeros(n), start / n);
        }
        long k = splitOf(n);
        return nodeHash(subtree(nodes, start, start + k), subtree(nodes, start + k, end));
    }

    /** The audit path of leaf {@code index} in the tree of the first {@code size} leaves (RFC 6962 2.1.1), leaf to root. */
    public static List<byte[]> inclusionProof(Nodes nodes, long index, long size) {
        if (index < 0 || index >= size) {
            throw new IllegalArgumentException("leaf " + index + " is not in a tree of " + size);
        }
        List<byte[]> path = new ArrayList<>();
        path(nodes, index, 0, size, path);
        return path;
    }

    private static void path(Nodes nodes, long index, long start, long end, List<byte[]> out) {
        long n = end - start;
        if (n == 1) {
            return;
        }
        long k = splitOf(n);
        if (index - start < k) {
            path(nodes, index, start, start + k, out);
            out.add(subtree(nodes, start + k, end));
        } else {
            path(nodes, index, start + k, end, out);
            out.add(subtree(nodes, start, start + k));
        }
    }

    /** The proof that the tree of {@code second} leaves extends the one of {@code first} (RFC 6962 2.1.2). */
    public static List<byte[]> consistencyProof(Nodes nodes, long first, long second) {
        if (first < 1 || first > second) {
            throw new IllegalArgumentException("no consistency proof from " + first + " to " + second);
        }
        List<byte[]> proof = new ArrayList<>();
        subproof(nodes, first, 0, second, true, proof);
        return proof;
    }

    private static void subproof(Nodes nodes, long m, long start, long end, boolean whole, List<byte[]> out) {
        long n = end - start;
        if (m == n) {
            if (!whole) {
                out.add(subtree(nodes, start, end));
            }
            return;
        }
        long k = splitOf(n);
        if (m <= k) {
            subproof(nodes, m, start, start + k, whole, out);
            out.add(subtree(nodes, start + k, end));
        } else {
            subproof(nodes, m - k, start + k, end, false, out);
            out.add(subtree(nodes, start, start + k));
        }
    }

    /** Whether {@code proof} shows the leaf hash at {@code index} in the tree of {@code size} with {@code root} (RFC 9162 2.1.3.2). */
    public static boolean verifyInclusion(long index, long size, byte[] leafHash, List<byte[]> proof, byte[] root) {
        if (index < 0 || index >= size) {
            return false;
        }
        long fn = index;
        long sn = size - 1;
        byte[] r = leafHash;
        for (byte[] p : proof) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                r = nodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                r = nodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(r, root);
    }

    /** Whether {@code proof} shows that the tree of {@code second} leaves extends the one of {@code first} (RFC 9162 2.1.4.2). */
    public static boolean verifyConsistency(long first, long second, byte[] firstRoot, byte[] secondRoot,
                                            List<byte[]> proof) {
        if (first < 1 || first > second) {
            return false;
        }
        if (first == second) {
            return proof.isEmpty() && Arrays.equals(firstRoot, secondRoot);
        }
        List<byte[]> path = new ArrayList<>(proof);
        if (Long.bitCount(first) == 1) {
            path.add(0, firstRoot);
        }
        if (path.isEmpty()) {
            return false;
        }
        long fn = first - 1;
        long sn = second - 1;
        while ((fn & 1) == 1) {
            fn >>= 1;
            sn >>= 1;
        }
        byte[] fr = path.get(0);
        byte[] sr = path.get(0);
        for (byte[] c : path.subList(1, path.size())) {
            if (sn == 0) {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn) {
                fr = nodeHash(c, fr);
                sr = nodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            } else {
                sr = nodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && Arrays.equals(fr, firstRoot) && Arrays.equals(sr, secondRoot);
    }

    /**
     * The root of leaves added one by one, in constant memory (a compact range: the hashes of the
     * complete subtrees so far, at most one per level).
     */
    public static final class Range {
        private final List<byte[]> hashes = new ArrayList<>();
        private final List<Long> sizes = new ArrayList<>();
        private long size;

        public void add(byte[] leafHash) {
            byte[] hash = leafHash;
            long width = 1;
            while (!sizes.isEmpty() && sizes.get(sizes.size() - 1) == width) {
                hash = nodeHash(hashes.remove(hashes.size() - 1), hash);
                sizes.remove(sizes.size() - 1);
                width *= 2;
            }
            hashes.add(hash);
            sizes.add(width);
            size++;
        }

        public long size() {
            return size;
        }

        /** The roots of its perfect subtrees, largest first: with the size, all there is to keep of it. */
        public List<byte[]> hashes() {
            return hashes.stream().map(byte[]::clone).toList();
        }

        /** The range of {@code size} leaves whose subtrees' roots are {@code hashes} (as {@link #hashes()} gave them). */
        public static Range of(long size, List<byte[]> hashes) {
            Range range = new Range();
            for (int bit = 62; bit >= 0; bit--) {
                if ((size >>> bit & 1) == 1) {
                    range.sizes.add(1L << bit);
                }
            }
            if (size < 0 || range.sizes.size() != hashes.size() || hashes.stream().anyMatch(h -> h.length != 32)) {
                throw new IllegalArgumentException("a range of " + size + " leaves has " + Long.bitCount(size)
                        + " subtree hashes of 32 bytes");
            }
            hashes.forEach(hash -> range.hashes.add(hash.clone()));
            range.size = size;
            return range;
        }

        public byte[] root() {
            if (hashes.isEmpty()) {
                return EMPTY;
            }
            byte[] root = hashes.get(hashes.size() - 1);
            for (int i = hashes.size() - 2; i >= 0; i--) {
                root = nodeHash(hashes.get(i), root);
            }
            return root;
        }
    }

    /** The largest power of two below {@code n} (n ≥ 2). */
    private static long splitOf(long n) {
        return Long.highestOneBit(n - 1);
    }

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    });

    /**
     * This thread's SHA-256, reset: the hashing of millions of commits in a verification does not
     * look one up each time. Use it for one hash at a time (update, then digest) and let it go.
     */
    static MessageDigest sha256() {
        MessageDigest sha = SHA_256.get();
        sha.reset();
        return sha;
    }
}
