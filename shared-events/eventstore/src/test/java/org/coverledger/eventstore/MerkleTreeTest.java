package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The RFC 6962 tree and its proofs, against a naive recursive reading of the RFC for every tree of
 * up to 40 leaves, and against values computed by {@code golang.org/x/mod/sumdb/tlog} 0.7.0 (the
 * Go checksum database's tree, Debian's golang-golang-x-mod-dev): a root, an inclusion proof and a
 * consistency proof over the entries {@code "leaf 0"} to {@code "leaf 6"}.
 */
class MerkleTreeTest {

    private static List<byte[]> leaves(int n) {
        List<byte[]> leaves = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            leaves.add(MerkleTree.leafHash(("leaf " + i).getBytes(StandardCharsets.UTF_8)));
        }
        return leaves;
    }

    /** MTH(D[n]) exactly as RFC 6962 2.1 writes it. */
    private static byte[] naive(List<byte[]> leaves) {
        if (leaves.isEmpty()) {
            return MerkleTree.EMPTY;
        }
        if (leaves.size() == 1) {
            return leaves.get(0);
        }
        int k = 1;
        while (k * 2 < leaves.size()) {
            k *= 2;
        }
        return MerkleTree.nodeHash(naive(leaves.subList(0, k)), naive(leaves.subList(k, leaves.size())));
    }

    /** Complete subtrees straight from the leaves. */
    private static MerkleTree.Nodes nodes(List<byte[]> leaves) {
        return (level, index) -> naive(leaves.subList((int) (index << level), (int) ((index + 1) << level)));
    }

    private static byte[] b64(String value) {
        return Base64.getDecoder().decode(value);
    }

    @Test
    void roots_and_proofs_match_the_go_checksum_databases_tree() {
        List<byte[]> leaves = leaves(7);
        MerkleTree.Nodes nodes = nodes(leaves);
        assertThat(MerkleTree.root(nodes, 7)).isEqualTo(b64("WmH8K1T5z6cXdPJDIUPdQMbLKxGUf69lp9PaXLZRmcg="));
        assertThat(MerkleTree.root(nodes, 3)).isEqualTo(b64("1Pksj7uJcg6ztVZ3x9fvrd/rENEaGoSguo8aIzN/qpU="));
        assertThat(MerkleTree.inclusionProof(nodes, 5, 7)).containsExactly(
                b64("gxFfiUeVX6/cKifn9MCFS72Nonuxs+NAXbVxya+Nvho="), b64("+3+GnOi3tR/fcZ/IwhpHNsmMwWCoJWBqgfeKf00iYdk="),
                b64("T2MQhKFXxU9U/Psj/164ZQxLoWDClbsTqYMrEJ1SZ34="));
        assertThat(MerkleTree.consistencyProof(nodes, 3, 7)).containsExactly(
                b64("qze6NNHf4pAV3nF6bVdkqPsCnDp6D1tkuTtUNRiFv3w="), b64("WL0UluFoSqySAcLmh+565PUclqiw2B7zWDYouT0800U="),
                b64("/F9riP+FVPdbsvnm85wxsZNtRLaSdu33sSBalVuXYeM="), b64("AVcbVXvHBnJlDUZ8e62DN+CafzVKcgUfI7Q6eCwPSOY="));
        assertThat(MerkleTree.EMPTY).isEqualTo(b64("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="));
    }

    @Test
    void every_inclusion_and_consistency_proof_up_to_40_leaves_verifies_and_no_altered_one_does() {
        List<byte[]> all = leaves(40);
        MerkleTree.Range range = new MerkleTree.Range();
        for (int size = 1; size <= 40; size++) {
            List<byte[]> leaves = all.subList(0, size);
            MerkleTree.Nodes nodes = nodes(leaves);
            byte[] root = naive(leaves);
            range.add(all.get(size - 1));
            assertThat(range.root()).as("constant-memory root of %d", size).isEqualTo(root);
            assertThat(MerkleTree.root(nodes, size)).as("root of %d", size).isEqualTo(root);
            for (int index = 0; index < size; index++) {
                List<byte[]> proof = MerkleTree.inclusionProof(nodes, index, size);
                assertThat(MerkleTree.verifyInclusion(index, size, all.get(index), proof, root))
                        .as("leaf %d of %d", index, size).isTrue();
                assertThat(MerkleTree.verifyInclusion(index, size, all.get((index + 1) % 40), proof, root))
                        .as("another leaf at %d of %d", index, size).isFalse();
                if (size > 1) {
                    assertThat(MerkleTree.verifyInclusion((index + 1) % size, size, all.get(index), proof, root))
                            .as("leaf %d at the wrong index of %d", index, size).isFalse();
                }
                if (!proof.isEmpty()) {
                    List<byte[]> altered = new ArrayList<>(proof);
                    altered.set(0, MerkleTree.leafHash(new byte[] {42}));
                    assertThat(MerkleTree.verifyInclusion(index, size, all.get(index), altered, root)).isFalse();
                    assertThat(MerkleTree.verifyInclusion(index, size, all.get(index), proof.subList(1, proof.size()), root))
                            .isFalse();
                }
            }
            for (int first = 1; first <= size; first++) {
                byte[] firstRoot = naive(all.subList(0, first));
                List<byte[]> proof = MerkleTree.consistencyProof(nodes, first, size);
                assertThat(MerkleTree.verifyConsistency(first, size, firstRoot, root, proof))
                        .as("%d to %d", first, size).isTrue();
                assertThat(MerkleTree.verifyConsistency(first, size, root, firstRoot, proof) && first != size)
                        .as("roots swapped, %d to %d", first, size).isFalse();
                if (!proof.isEmpty()) {
                    List<byte[]> altered = new ArrayList<>(proof);
                    altered.set(proof.size() - 1, MerkleTree.leafHash(new byte[] {42}));
                    assertThat(MerkleTree.verifyConsistency(first, size, firstRoot, root, altered))
                            .as("altered, %d to %d", first, size).isFalse();
                }
                if (first < size) {
                    byte[] forked = naive(leaves(first).subList(0, first)); // same leaves: the same root
                    assertThat(forked).isEqualTo(firstRoot);
                    List<byte[]> other = new ArrayList<>(all.subList(0, first));
                    other.set(first - 1, MerkleTree.leafHash(new byte[] {42}));
                    assertThat(MerkleTree.verifyConsistency(first, size, naive(other), root, proof))
                            .as("a different history of %d against %d", first, size).isFalse();
                }
            }
        }
    }
}
