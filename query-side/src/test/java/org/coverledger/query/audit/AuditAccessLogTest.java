package org.coverledger.query.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.eventstore.SignedNote;
import org.coverledger.eventstore.SignedNote.Checkpoint;
import org.coverledger.query.ProjectionTestMongo;
import org.coverledger.query.audit.AuditAccessLog.Action;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The access log appended by racing writers, one of them stopped half-way, and then tampered with. */
class AuditAccessLogTest {

    private ProjectionTestMongo mongo;
    private AuditLog log;
    private MongoCollection<Document> records;

    @BeforeEach
    void start() {
        mongo = new ProjectionTestMongo();
        log = new AuditLog(mongo.template(), Clock.systemUTC(), SignedNote.Signer.generate("test.example/audit").text());
        records = mongo.template().getCollection(AuditAccessLog.COLLECTION);
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private AuditAccessLog process() {
        return new AuditAccessLog(mongo.template(), log, Clock.systemUTC());
    }

    private static AuditAccessLog.AccessRecord query(AuditAccessLog accesses, String actor, int i) {
        return accesses.record(actor, "COMPLIANCE", "127.0.0.1", "req-" + i, "GET", "/api/audit",
                Map.of("actor", "someone-" + i), Action.QUERY, 200, (long) i);
    }

    @Test
    void two_processes_appending_at_once_leave_one_gapless_log_that_checks_out() throws Exception {
        AuditAccessLog first = process();
        AuditAccessLog second = process();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<AuditAccessLog.AccessRecord>> done = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            done.add(pool.submit(() -> query(n % 2 == 0 ? first : second, n % 2 == 0 ? "cora" : "adam", n)));
        }
        List<Long> indexes = new ArrayList<>();
        for (Future<AuditAccessLog.AccessRecord> future : done) {
            indexes.add(future.get().index());
        }
        pool.shutdown();
        assertThat(indexes).as("every append got its own place").doesNotHaveDuplicates()
                .allMatch(index -> index >= 0 && index < 200);
        assertThat(first.size()).isEqualTo(200);
        AuditAccessLog.Checked checked = first.verify(null);
        assertThat(checked.failure()).isNull();
        assertThat(checked.valid()).isTrue();
        assertThat(checked.records()).isEqualTo(200);
        assertThat(first.after(-1, 500, "adam")).hasSize(100).allMatch(r -> r.actor().equals("adam"));
    }

    @Test
    void a_record_left_by_a_writer_that_stopped_before_the_head_moved_is_taken_in() {
        AuditAccessLog accesses = process();
        query(accesses, "cora", 0);
        MongoCollection<Document> meta = mongo.template().getCollection(AuditPositions.META);
        Document headAfterFirst = meta.find(Filters.eq("_id", "access-head")).first();
        AuditAccessLog.AccessRecord orphan = query(process(), "adam", 1);
        // as if that writer had stopped between its insert and moving the head
        meta.replaceOne(Filters.eq("_id", "access-head"), headAfterFirst);
        assertThat(accesses.size()).isEqualTo(1);
        assertThat(accesses.after(-1, 10, null)).as("not listed while the head does not count it").hasSize(1);

        AuditAccessLog.AccessRecord next = query(accesses, "cora", 2);
        assertThat(next.index()).isEqualTo(2);
        assertThat(accesses.after(-1, 10, null)).extracting(AuditAccessLog.AccessRecord::actor)
                .containsExactly("cora", "adam", "cora");
        assertThat(accesses.after(-1, 10, null).get(1).link()).isEqualTo(orphan.link());
        assertThat(accesses.verify(null).valid()).isTrue();
    }

    @Test
    void a_record_edited_or_removed_is_located_and_a_rewritten_log_fails_the_saved_checkpoint() {
        AuditAccessLog accesses = process();
        for (int i = 0; i < 5; i++) {
            query(accesses, "cora", i);
        }
        String saved = accesses.checkpoint();
        Checkpoint checkpoint = SignedNote.open(saved, log.verifier()).flatMap(Checkpoint::parse).orElseThrow();
        assertThat(checkpoint.origin()).isEqualTo("test.example/audit/access");
        assertThat(checkpoint.size()).isEqualTo(5);
        assertThat(accesses.verify(checkpoint).extended()).isTrue();

        Document original = records.find(Filters.eq("_id", 2L)).first();
        records.updateOne(Filters.eq("_id", 2L), Updates.set("actor", "nobody"));
        AuditAccessLog.Checked edited = accesses.verify(null);
        assertThat(edited.valid()).isFalse();
        assertThat(edited.failure().index()).isEqualTo(2);
        assertThat(edited.failure().kind()).isEqualTo(AuditAccessLog.Kind.CHANGED);
        records.replaceOne(Filters.eq("_id", 2L), original);
        assertThat(accesses.verify(null).valid()).isTrue();

        Document removedRecord = records.find(Filters.eq("_id", 3L)).first();
        records.deleteOne(Filters.eq("_id", 3L));
        AuditAccessLog.Checked removed = accesses.verify(checkpoint);
        assertThat(removed.failure().index()).isEqualTo(3);
        assertThat(removed.failure().kind()).isEqualTo(AuditAccessLog.Kind.DELETED);
        assertThat(removed.extended()).isFalse();
        records.insertOne(removedRecord);
        assertThat(accesses.verify(checkpoint).valid()).isTrue();

        // a forger rewrites the rest of the log with fresh links: only the saved checkpoint shows it
        mongo.template().getCollection(AuditPositions.META).deleteOne(Filters.eq("_id", "access-head"));
        records.deleteMany(new Document());
        for (int i = 0; i < 5; i++) {
            query(accesses, i == 2 ? "someone-else" : "cora", i);
        }
        AuditAccessLog.Checked rewritten = accesses.verify(checkpoint);
        assertThat(rewritten.failure()).as("the rewritten log is consistent in itself").isNull();
        assertThat(rewritten.extended()).isFalse();
        assertThat(rewritten.valid()).isFalse();
    }

    @Test
    void staff_looking_customers_up_and_at_their_overview_are_accesses_too() {
        assertThat(AuditAccessFilter.actionOf("GET", "/api/accounts/lookup", false)).isEqualTo(Action.CUSTOMER_LOOKUP);
        assertThat(AuditAccessFilter.actionOf("GET", "/api/accounts/acc-1/overview", false))
                .isEqualTo(Action.CUSTOMER_OVERVIEW);
        assertThat(AuditAccessFilter.actionOf("POST", "/api/accounts/acc-1/overview", false)).isNull();
        assertThat(AuditAccessFilter.actionOf("GET", "/api/accounts/acc-1/overview/x", false)).isNull();
        assertThat(AuditAccessFilter.actionOf("GET", "/api/accounts/acc-1", false)).as("the account itself").isNull();
        assertThat(AuditAccessFilter.actionOf("GET", "/api/accounts/acc-1", true)).isEqualTo(Action.AS_OF_VIEW);
    }

    @Test
    void any_parameter_a_caller_can_send_is_stored_as_it_is_hashed() {
        AuditAccessLog accesses = process();
        String cut = AuditAccessFilter.bounded("a".repeat(199) + "\uD83D\uDE00" + "tail");
        assertThat(cut).as("cut between code points, never inside one").endsWith("\uD83D\uDE00\u2026");
        Map<String, String> hostile = new java.util.HashMap<>(AuditAccessFilter.parameters(
                "x=%F0%9F%98%80&%00=1&a.b=2&%24where=3&lone=%ED%A0%80&bad=%zz"));
        hostile.put("cut", cut);
        hostile.put("surrogate", AuditAccessFilter.bounded("\uD800x"));
        accesses.record(null, null, "127.0.0.1", "r", "GET", "/api/audit", hostile, Action.QUERY, 401, null);
        AuditAccessLog.Checked checked = accesses.verify(null);
        assertThat(checked.failure()).isNull();
        assertThat(accesses.after(-1, 10, null).get(0).parameters()).containsKeys("\uFFFD", "a.b", "$where", "cut");
    }

    @Test
    void a_head_or_record_changed_into_nonsense_is_reported_not_a_crash() {
        AuditAccessLog accesses = process();
        query(accesses, "cora", 0);
        query(accesses, "cora", 1);
        MongoCollection<Document> meta = mongo.template().getCollection(AuditPositions.META);
        Document head = meta.find(Filters.eq("_id", "access-head")).first();
        meta.updateOne(Filters.eq("_id", "access-head"), Updates.set("size", "two"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> query(accesses, "cora", 2))
                .isInstanceOf(AuditAccessLog.Damaged.class);
        assertThat(accesses.verify(null).failure().kind()).isEqualTo(AuditAccessLog.Kind.HEAD_CHANGED);
        meta.replaceOne(Filters.eq("_id", "access-head"), head);

        records.updateOne(Filters.eq("_id", 1L), Updates.set("link", "zz"));
        assertThat(accesses.verify(null).failure().kind()).isEqualTo(AuditAccessLog.Kind.UNREADABLE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> accesses.after(-1, 10, null))
                .isInstanceOf(AuditAccessLog.Damaged.class);
        records.updateOne(Filters.eq("_id", 1L), Updates.set("parameters", List.of(new Document("name", 7))));
        assertThat(accesses.verify(null).failure().kind()).isEqualTo(AuditAccessLog.Kind.UNREADABLE);
    }
}
