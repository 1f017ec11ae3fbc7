package org.coverledger.eventstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Updates;
import org.axonframework.eventhandling.GenericEventMessage;
import org.bson.Document;
import org.coverledger.eventstore.CommitChain.Kind;
import org.coverledger.eventstore.CommitChain.Verification;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


/**
 * The hash chain written with every commit, checked from the stored documents: by this code and
 * by an independent implementation of the README's canonical form below; every kind of tampering
 * over the raw driver is found and located.
 */
class CommitChainTest {

    private TestStore store;
    private MongoDatabase database;
    private MongoCollection<Document> commits;
    private MongoCommitLogEngine engine;

    @BeforeEach
    void start() {
        store = new TestStore("chain-test");
        database = store.database;
        commits = store.commits;
        engine = store.engine();
        // commits of one and of several events, of several aggregates, and an event of none
        engine.appendEvents(MongoCommitLogEngineTest.event("a", 0, "a0"), MongoCommitLogEngineTest.event("a", 1, "a1"));
        engine.appendEvents(MongoCommitLogEngineTest.event("b", 0, "b0"));
        engine.appendEvents(GenericEventMessage.asEventMessage(new MongoCommitLogEngineTest.Noted("free")));
        engine.appendEvents(MongoCommitLogEngineTest.event("a", 2, "a2"), MongoCommitLogEngineTest.event("c", 0, "c0"));
        engine.appendEvents(MongoCommitLogEngineTest.event("a", 3, "a3"));
        engine.appendEvents(MongoCommitLogEngineTest.event("b", 1, "b1"));
        engine.appendEvents(MongoCommitLogEngineTest.event("a", 4, "a4"));
    }

    private MongoCommitLogEngine engine() {
        return store.engine();
    }

    @AfterEach
    void stop() {
        store.close();
    }

    @org.junit.jupiter.api.Test
    void the_end_is_found_by_look_ups_whatever_the_commits_sizes_markers_and_a_hole_near_the_head() {
        java.util.Random random = new java.util.Random(7);
        for (int round = 0; round < 30; round++) {
            commits.deleteMany(new Document());
            long index = 0;
            long commitsWritten = random.nextInt(round < 3 ? 3 : 3000);
            List<Document> written = new java.util.ArrayList<>();
            for (long c = 0; c < commitsWritten; c++) {
                int size = 1 + (random.nextInt(10) == 0 ? random.nextInt(40) : 0);
                boolean marker = random.nextInt(50) == 0;
                if (round % 5 == 4 && c == commitsWritten - 3) {
                    index += 1 + random.nextInt(100); // a hole an old, reserving writer left near the head
                }
                Document commit = new Document("_id", index).append("last", index + size - 1)
                        .append("idx", java.util.stream.LongStream.range(index, index + size).boxed().toList());
                if (marker) {
                    commit.append("void", true);
                }
                written.add(commit);
                index += size;
            }
            if (!written.isEmpty()) {
                commits.insertMany(written);
            }
            long expected = written.isEmpty() ? 0 : written.get(written.size() - 1).getLong("last") + 1;
            assertThat(CommitChain.end(commits)).as("round %d, %d commits", round, commitsWritten).isEqualTo(expected);
        }
    }

    private Verification verify() {
        return CommitChain.verify(commits, 0, Long.MAX_VALUE);
    }

    private Map<Long, Document> stored() {
        Map<Long, Document> byIndex = new TreeMap<>();
        for (Document commit : commits.find()) {
            byIndex.put(commit.getLong("_id"), commit);
        }
        return byIndex;
    }

    @Test
    void every_commit_carries_its_link_and_an_independent_check_of_the_readme_form_agrees() throws Exception {
        Verification valid = verify();
        assertThat(valid.valid()).as(String.valueOf(valid.failure())).isTrue();
        assertThat(valid.commits()).isEqualTo(7);
        assertThat(valid.events()).isEqualTo(9);
        byte[] previous = new byte[32];
        for (Document commit : stored().values()) {
            byte[] expected = independentLink(previous, commit);
            assertThat(commit.getString("chain")).isEqualTo(HexFormat.of().formatHex(expected));
            previous = expected;
        }
        // the head it answers is the last commit's link, as the independent check computed it
        Document last = ((TreeMap<Long, Document>) stored()).lastEntry().getValue();
        assertThat(valid.headPosition()).isEqualTo(last.getLong("_id"));
        assertThat(valid.head()).isEqualTo(HexFormat.of().formatHex(previous));
        // a range from the middle starts from the stored link before it
        assertThat(CommitChain.verify(commits, 3, 7).valid()).isTrue();
    }

    @Test
    void one_byte_changed_in_a_stored_event_is_found_at_its_commit() {
        Document commit = stored().get(4L);
        List<Document> events = new ArrayList<>(commit.getList("events", Document.class));
        String payload = events.get(0).getString("payload");
        events.get(0).put("payload", payload.replaceFirst("a2", "a9"));
        commits.updateOne(new Document("_id", 4L), Updates.set("events", events));

        Verification broken = verify();
        assertThat(broken.valid()).isFalse();
        assertThat(broken.failure().position()).isEqualTo(4);
        assertThat(broken.failure().kind()).isEqualTo(Kind.CHANGED);
        assertThat(broken.commits()).as("the commits before it hold").isEqualTo(3);
    }

    @Test
    void a_deleted_commit_is_found_where_it_was() {
        commits.deleteOne(new Document("_id", 3L));
        Verification broken = verify();
        assertThat(broken.failure().position()).isEqualTo(3);
        assertThat(broken.failure().kind()).isEqualTo(Kind.DELETED);
    }

    @Test
    void two_commits_of_one_aggregate_swapped_are_found_out_of_order() {
        // a3 (index 6) and a4 (index 8), each one event: their contents swapped
        Document a3 = stored().get(6L);
        Document a4 = stored().get(8L);
        commits.updateOne(new Document("_id", 6L), Updates.combine(Updates.set("events", a4.get("events")),
                Updates.set("keys", List.of("swap-1")), Updates.set("ids", List.of("swap-1"))));
        commits.updateOne(new Document("_id", 8L), Updates.combine(Updates.set("events", a3.get("events")),
                Updates.set("keys", a3.get("keys")), Updates.set("ids", a3.get("ids"))));
        Verification broken = verify();
        assertThat(broken.failure().position()).isEqualTo(6);
        assertThat(broken.failure().kind()).isEqualTo(Kind.REORDERED);
    }

    @Test
    void a_commit_put_where_a_void_marker_was_is_found_as_inserted_even_when_linked_properly() {
        // an index fenced off (a void marker), then more commits
        commits.insertOne(new Document("_id", 9L).append("last", 9L).append("idx", List.of(9L)).append("void", true));
        engine = engine();
        engine.appendEvents(MongoCommitLogEngineTest.event("d", 0, "d0"));
        engine.appendEvents(MongoCommitLogEngineTest.event("d", 1, "d1"));
        assertThat(verify().valid()).as("a marker is no link: %s", verify().failure()).isTrue();

        // someone replaces the marker by an event of their own, linked to the commit before it
        Document forged = new Document("_id", 9L).append("last", 9L).append("idx", List.of(9L))
                .append("ids", List.of("forged")).append("events", List.of(new Document("id", "forged")
                        .append("ts", new java.util.Date()).append("payloadType", "x").append("payload", "{}")
                        .append("metaData", "{}")));
        forged.append("chain", CommitChain.hex(CommitChain.link(CommitChain.stored(stored().get(8L)), forged)));
        commits.replaceOne(new Document("_id", 9L), forged);
        Verification broken = verify();
        assertThat(broken.failure().position()).isEqualTo(9);
        assertThat(broken.failure().kind()).isEqualTo(Kind.INSERTED);
    }

    @Test
    void a_commit_stripped_of_its_link_is_found_and_a_store_from_before_the_chain_is_sealed_once_the_same_way() {
        Map<Long, String> links = new TreeMap<>();
        stored().forEach((index, commit) -> links.put(index, commit.getString("chain")));
        commits.updateOne(new Document("_id", 6L), Updates.unset("chain"));
        assertThat(verify().failure().kind()).isEqualTo(Kind.UNSEALED);

        // a store written before format 3: no links at all; the next start seals it, once
        commits.updateMany(new Document(), Updates.unset("chain"));
        database.getCollection(CommitLogUpgrade.META).updateOne(new Document("_id", "commit-log"),
                Updates.set("format", 2));
        engine = engine();
        Map<Long, String> sealed = new TreeMap<>();
        stored().forEach((index, commit) -> sealed.put(index, commit.getString("chain")));
        assertThat(sealed).isEqualTo(links);
        assertThat(CommitChain.sealUnsealed(commits)).as("run again: nothing to do").isZero();
        engine.appendEvents(MongoCommitLogEngineTest.event("a", 5, "a5"));
        assertThat(verify().valid()).isTrue();
    }

    @Test
    void a_long_store_is_read_in_one_pass_even_when_some_commits_lie_out_of_their_place() {
        int extra = 12_000;
        seed(9, extra);
        Verification valid = verify();
        assertThat(valid.failure()).isNull();
        assertThat(valid.commits()).isEqualTo(7 + extra);

        // a commit stored again lies last in the collection's natural order: held until its turn
        moveToTheEnd(9 + 5_000);
        assertThat(verify().valid()).as("%s", verify().failure()).isTrue();
        // so early that more than the scan holds come before it: it walks on from there
        moveToTheEnd(9 + 100);
        Verification walked = verify();
        assertThat(walked.failure()).isNull();
        assertThat(walked.commits()).isEqualTo(7 + extra);

        Document changed = stored().get(9L + 11_000);
        List<Document> events = new ArrayList<>(changed.getList("events", Document.class));
        events.get(0).put("payload", "{\"changed\":true}");
        commits.updateOne(new Document("_id", 9L + 11_000), Updates.set("events", events));
        assertThat(verify().failure().kind()).isEqualTo(Kind.CHANGED);
        assertThat(verify().failure().position()).isEqualTo(9 + 11_000);
        commits.deleteOne(new Document("_id", 9L + 6_000));
        assertThat(verify().failure().kind()).isEqualTo(Kind.DELETED);
        assertThat(verify().failure().position()).isEqualTo(9 + 6_000);
    }

    private void moveToTheEnd(long index) {
        Document commit = commits.find(new Document("_id", index)).first();
        commits.deleteOne(new Document("_id", index));
        commits.insertOne(commit);
    }

    /** Sealed one-event commits from {@code from} on, written with the raw driver in the engine's form. */
    private void seed(long from, int count) {
        byte[] chain = CommitChain.stored(stored().get(from - 1));
        List<Document> batch = new ArrayList<>();
        for (long i = from; i < from + count; i++) {
            Document commit = new Document("_id", i).append("last", i).append("idx", List.of(i))
                    .append("ids", List.of("e" + i)).append("events", List.of(new Document("id", "e" + i)
                            .append("ts", new java.util.Date(i)).append("payloadType", "x")
                            .append("payload", "{\"n\":" + i + "}").append("metaData", "{}")
                            .append("agg", "z" + (i % 50)).append("type", "Z").append("seq", (i - from) / 50)));
            chain = CommitChain.link(chain, commit);
            batch.add(commit.append("chain", CommitChain.hex(chain)));
        }
        commits.insertMany(batch);
    }

    // ------------------------------------------------------------ the README's form, written again

    private static byte[] independentLink(byte[] previous, Document commit) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write("coverledger-commit-v1\n".getBytes(StandardCharsets.US_ASCII));
        out.write(java.nio.ByteBuffer.allocate(16).putLong(commit.getLong("_id")).putLong(commit.getLong("last"))
                .array());
        for (Document event : commit.getList("events", Document.class)) {
            boolean domain = event.get("seq") != null;
            String[] fields = {event.getString("id"), String.valueOf(event.getDate("ts").getTime()),
                    event.get("tsNanos") == null ? null : String.valueOf(event.get("tsNanos")),
                    event.getString("payloadType"), event.getString("revision"), event.getString("payload"),
                    event.getString("metaData"), domain ? event.getString("type") : null,
                    domain ? event.getString("agg") : null, domain ? String.valueOf(event.get("seq")) : null};
            for (String field : fields) {
                if (field == null) {
                    out.write(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff});
                } else {
                    byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
                    out.write(java.nio.ByteBuffer.allocate(4).putInt(bytes.length).array());
                    out.write(bytes);
                }
            }
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] own = sha.digest(out.toByteArray());
        sha.update(previous);
        sha.update(own);
        return sha.digest();
    }
}
