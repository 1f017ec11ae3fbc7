package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import org.axonframework.eventhandling.GenericEventMessage;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


/**
 * The Merkle tree over the stored commits, kept as tiles in MongoDB: with tiles of 4 hashes, a
 * history of 150 commits has three levels of tiles, so every path through partial and full tiles
 * is taken. Roots and proofs are checked against a tree computed in memory from the commits read
 * over the raw driver, and with tiles of 256 (the default) the root is the same.
 */
class CommitTreeTest {

    private TestStore store;
    private MongoDatabase database;
    private MongoCollection<Document> commits;
    private MongoCommitLogEngine engine;

    @BeforeEach
    void start() {
        store = new TestStore("tree-test");
        database = store.database;
        commits = store.commits;
        engine = store.engine();
    }

    @AfterEach
    void stop() {
        store.close();
    }

    private long seq;

    private void append(int commitsToAdd) {
        for (int i = 0; i < commitsToAdd; i++) {
            if (i % 5 == 1) {
                engine.appendEvents(MongoCommitLogEngineTest.event("a", seq++, "x"), MongoCommitLogEngineTest.event("a", seq++, "y"));
            } else if (i % 7 == 3) {
                engine.appendEvents(GenericEventMessage.asEventMessage(new MongoCommitLogEngineTest.Noted("free " + i)));
            } else {
                engine.appendEvents(MongoCommitLogEngineTest.event("a", seq++, "z" + i));
            }
        }
    }

    /** The leaves as the store holds them, in global order, void markers left out. */
    private List<byte[]> leavesFromStore() {
        List<byte[]> leaves = new ArrayList<>();
        for (Document commit : commits.find(Filters.ne("void", true)).sort(Sorts.ascending("_id"))) {
            leaves.add(MerkleTree.leafHash(CommitChain.canonical(commit)));
        }
        return leaves;
    }

    private List<Long> positionsFromStore() {
        List<Long> positions = new ArrayList<>();
        for (Document commit : commits.find(Filters.ne("void", true)).sort(Sorts.ascending("_id"))) {
            positions.add(commit.getLong("_id"));
        }
        return positions;
    }

    private static byte[] rootOf(List<byte[]> leaves) {
        MerkleTree.Range range = new MerkleTree.Range();
        leaves.forEach(range::add);
        return range.root();
    }

    @Test
    void a_tree_grown_in_steps_through_partial_and_full_tiles_has_the_roots_and_proofs_of_its_commits() {
        CommitTree tree = new CommitTree(database, 2);
        assertThat(tree.catchUp(10).size()).isZero();
        assertThat(tree.root(0)).isEqualTo(MerkleTree.EMPTY);
        append(40);
        long end = commits.find().sort(Sorts.descending("_id")).first().getLong("last") + 1;
        commits.insertOne(new Document("_id", end).append("last", end).append("idx", List.of(end)).append("void", true));
        append(110);
        List<byte[]> leaves = leavesFromStore();
        List<Long> positions = positionsFromStore();
        assertThat(leaves).hasSize(150);

        long size = 0;
        for (long step : new long[] {1, 2, 3, 5, 8, 13, 21, 34, 1000}) {
            CommitTree.Growth growth = tree.catchUp(step);
            assertThat(growth.brokenAt()).isEqualTo(-1);
            size = Math.min(150, size + step);
            assertThat(growth.size()).isEqualTo(size);
            assertThat(tree.root(size)).as("root of %d", size).isEqualTo(rootOf(leaves.subList(0, (int) size)));
        }
        CommitTree reader = new CommitTree(database, 2); // another process: nothing cached
        for (int s = 1; s <= 150; s += 7) {
            byte[] root = rootOf(leaves.subList(0, s));
            assertThat(reader.root(s)).isEqualTo(root);
            for (int i = 0; i < s; i++) {
                assertThat(MerkleTree.verifyInclusion(i, s, leaves.get(i), MerkleTree.inclusionProof(reader, i, s), root))
                        .as("leaf %d of %d", i, s).isTrue();
            }
            assertThat(MerkleTree.verifyConsistency(s, 150, root, rootOf(leaves),
                    MerkleTree.consistencyProof(reader, s, 150))).isTrue();
        }
        for (int i = 0; i < 150; i++) {
            assertThat(reader.positionOf(i)).isEqualTo(positions.get(i));
            assertThat(reader.leafOf(positions.get(i), 150)).isEqualTo(i);
        }
        assertThat(reader.leafOf(end, 150)).as("a void marker is no leaf").isEqualTo(-1);
        assertThat(reader.leafOf(positions.get(149), 149)).as("past the tree asked for").isEqualTo(-1);

        CommitTree.Recomputed same = reader.recompute(150);
        assertThat(same.root()).isEqualTo(rootOf(leaves));
        assertThat(same.firstChanged()).isEqualTo(-1);

        CommitTree wide = new CommitTree(database);
        wide.clear();
        assertThat(wide.catchUp(Long.MAX_VALUE).size()).isEqualTo(150);
        assertThat(wide.root(150)).as("tiles of 256 give the same tree").isEqualTo(rootOf(leaves));
        assertThat(wide.root(97)).isEqualTo(rootOf(leaves.subList(0, 97)));
    }

    @Test
    void builders_in_two_processes_racing_build_one_tree() throws Exception {
        append(120);
        List<byte[]> leaves = leavesFromStore();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> done = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                CommitTree tree = new CommitTree(database, 2);
                done.add(pool.submit((Callable<Long>) () -> {
                    long size = 0;
                    while (size < 120) {
                        size = tree.catchUp(3 + (long) (Math.random() * 9)).size();
                    }
                    return size;
                }));
            }
            for (Future<Long> f : done) {
                assertThat(f.get()).isEqualTo(120);
            }
        } finally {
            pool.shutdownNow();
        }
        CommitTree tree = new CommitTree(database, 2);
        for (int s = 1; s <= 120; s++) {
            assertThat(tree.root(s)).as("root of %d", s).isEqualTo(rootOf(leaves.subList(0, s)));
        }
    }

    @Test
    void a_commit_whose_link_does_not_hold_stops_the_tree_and_one_changed_inside_it_is_located() {
        append(30);
        CommitTree tree = new CommitTree(database, 2);
        assertThat(tree.catchUp(20).size()).isEqualTo(20);
        List<Long> positions = positionsFromStore();
        long inside = positions.get(7);
        long beyond = positions.get(25);
        for (long position : new long[] {inside, beyond}) {
            Document commit = commits.find(Filters.eq("_id", position)).first();
            List<Document> events = new ArrayList<>(commit.getList("events", Document.class));
            events.get(0).put("payloadType", events.get(0).getString("payloadType") + "X");
            commits.updateOne(Filters.eq("_id", position), Updates.set("events", events));
        }
        CommitTree.Growth growth = tree.catchUp(100);
        assertThat(growth.size()).as("grows up to the changed commit, not past it").isEqualTo(25);
        assertThat(growth.brokenAt()).isEqualTo(beyond);
        CommitTree.Recomputed recomputed = tree.recompute(25);
        assertThat(recomputed.firstChanged()).isEqualTo(inside);
        assertThat(recomputed.root()).isNotEqualTo(tree.root(25));
    }
}
