package org.coverledger.query.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.events.policy.Product;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.query.ProjectionTestMongo;
import org.coverledger.eventstore.FlushingTokenStore;
import org.coverledger.query.infra.BatchedWrites;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.mongodb.core.MongoTemplate;

/**
 * The policy projection beside itself, on a real wire-protocol server: given events in one batch,
 * the view; a redelivered event changes nothing; and the batch's writes are in MongoDB before
 * the batch's token is stored, in the order Axon stores it (first thing at commit).
 */
class PolicyProjectionTest {

    private ProjectionTestMongo server;
    private MongoTemplate mongo;
    private PolicyProjection projection;

    @BeforeEach
    void start() throws ReflectiveOperationException {
        ProjectionTestMongo.batchedWritesAsNew();
        server = new ProjectionTestMongo();
        mongo = server.template();
        projection = new PolicyProjection(mongo);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static PolicyIssued issued() {
        return new PolicyIssued("pol-1", "PN1", "acc-1", "alice", Product.HEALTH,
                new Money(new BigDecimal("500000.00"), "CNY"), new Money(new BigDecimal("1200.00"), "CNY"),
                LocalDate.parse("2027-01-01"), LocalDate.parse("2046-12-31"), null, null, null, null, null, null);
    }

    private static PolicyChanged changed(String beneficiary) {
        return new PolicyChanged("pol-1", "acc-1", beneficiary, null, Instant.parse("2027-02-01T16:00:00Z"), null);
    }

    /** Handles the events as one batch, with the token stored first thing at commit, as Axon's work packages do. */
    private List<Long> batch(Object... payloads) {
        List<GenericDomainEventMessage<?>> events = new ArrayList<>();
        for (Object payload : payloads) {
            long sequence = payload instanceof PolicyIssued ? 0 : events.size();
            events.add(new GenericDomainEventMessage<>("Policy", "pol-1", sequence, payload));
        }
        FlushingTokenStore tokens = new FlushingTokenStore(
                MongoEventStore.tokenStoreBuilder(mongo.getDb(), "node"), BatchedWrites::flushCurrent);
        if (tokens.fetchSegments("policies").length == 0) {
            tokens.initializeTokenSegments("policies", 1);
        }
        tokens.fetchToken("policies", 0);
        List<Long> changesSeenByToken = new ArrayList<>();
        BatchingUnitOfWork<?> unitOfWork = new BatchingUnitOfWork<>(events);
        unitOfWork.onPrepareCommit(u -> {
            tokens.storeToken(new GlobalSequenceTrackingToken(events.size()), "policies", 0);
            PolicyView stored = mongo.findById("pol-1", PolicyView.class);
            changesSeenByToken.add(stored == null ? -1L : stored.changes().size());
        });
        handle(unitOfWork);
        return changesSeenByToken;
    }

    private void handle(BatchingUnitOfWork<?> unitOfWork) {
        org.axonframework.messaging.ResultMessage<?> result = unitOfWork.executeWithResult(() -> {
            GenericDomainEventMessage<?> event = (GenericDomainEventMessage<?>) unitOfWork.getMessage();
            if (event.getPayload() instanceof PolicyIssued issued) {
                projection.on(issued, event.getSequenceNumber(), event.getTimestamp());
            } else if (event.getPayload() instanceof PolicyStarted started) {
                projection.on(started, event.getSequenceNumber());
            } else if (event.getPayload() instanceof PolicyExpired expired) {
                projection.on(expired, event.getSequenceNumber());
            } else {
                projection.on((PolicyChanged) event.getPayload(), event.getSequenceNumber(), event.getTimestamp(), "uma");
            }
            return null;
        });
        if (result.isExceptional()) {
            throw (RuntimeException) result.exceptionResult();
        }
    }

    @Test
    void a_policy_is_pending_until_its_start_in_force_then_expired_and_a_redelivered_step_changes_nothing() {
        PolicyStarted started = new PolicyStarted("pol-1", "acc-1", LocalDate.parse("2027-01-01"),
                Instant.parse("2026-12-31T16:00:01Z"));
        PolicyExpired expired = new PolicyExpired("pol-1", "acc-1", LocalDate.parse("2046-12-31"),
                Instant.parse("2046-12-31T16:00:01Z"));
        batch(issued());
        assertThat(mongo.findById("pol-1", PolicyView.class).status()).isEqualTo("PENDING_START");
        batch(issued(), started);
        assertThat(mongo.findById("pol-1", PolicyView.class).status()).isEqualTo("IN_FORCE");
        batch(issued(), started, expired);
        assertThat(mongo.findById("pol-1", PolicyView.class).status()).isEqualTo("EXPIRED");
        batch(issued(), started); // redelivered: the later status stays
        assertThat(mongo.findById("pol-1", PolicyView.class).status()).isEqualTo("EXPIRED");
        assertThat(mongo.findById("pol-1", PolicyView.class).lastSequence()).isEqualTo(2);
    }

    @Test
    void a_batch_over_several_policies_reads_their_views_once_in_one_query() {
        batch(issued(), changed("Li Lei"), changed("Han Meimei")); // pol-1 at sequence 2
        List<String> finds = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (MongoClient counted = MongoClients.create(com.mongodb.MongoClientSettings.builder()
                .applyConnectionString(new com.mongodb.ConnectionString(server.connectionString()))
                .addCommandListener(new com.mongodb.event.CommandListener() {
                    @Override
                    public void commandStarted(com.mongodb.event.CommandStartedEvent event) {
                        if (event.getCommandName().equals("find")) {
                            finds.add(event.getCommand().toJson());
                        }
                    }
                }).build())) {
            projection = new PolicyProjection(new MongoTemplate(counted, "projection-test"));
            handle(new BatchingUnitOfWork<>(List.of(
                    new GenericDomainEventMessage<>("Policy", "pol-1", 2, changed("Han Meimei")), // redelivered
                    new GenericDomainEventMessage<>("Policy", "pol-2", 0, issuedAs("pol-2", "PN2")),
                    new GenericDomainEventMessage<>("Policy", "pol-1", 3, changed("Wang Fang")),
                    new GenericDomainEventMessage<>("Policy", "pol-2", 1, changedAs("pol-2", "Zhao Lei")),
                    new GenericDomainEventMessage<>("Policy", "pol-3", 0, issuedAs("pol-3", "PN3")))));
        }
        assertThat(finds).as("reads of the views in the batch").hasSize(1);
        assertThat(finds.get(0)).contains("pol-1", "pol-2", "pol-3");
        assertThat(mongo.findById("pol-1", PolicyView.class).changes()).extracting(PolicyView.Change::beneficiary)
                .containsExactly("Li Lei", "Han Meimei", "Wang Fang");
        assertThat(mongo.findById("pol-2", PolicyView.class).beneficiary()).isEqualTo("Zhao Lei");
        assertThat(mongo.findById("pol-3", PolicyView.class).lastSequence()).isZero();
    }

    private static PolicyIssued issuedAs(String policyId, String number) {
        return new PolicyIssued(policyId, number, "acc-1", "alice", Product.HEALTH,
                new Money(new BigDecimal("1000.00"), "CNY"), new Money(new BigDecimal("10.00"), "CNY"),
                LocalDate.parse("2027-01-01"), LocalDate.parse("2027-12-31"), null, null, null, null, null, null);
    }

    private static PolicyChanged changedAs(String policyId, String beneficiary) {
        return new PolicyChanged(policyId, "acc-1", beneficiary, null, Instant.parse("2027-02-01T16:00:00Z"), null);
    }

    @Test
    void a_batch_folds_into_the_view_and_is_written_before_its_token() {
        List<Long> seenByToken = batch(issued(), changed("Li Lei"), changed("Han Meimei"));
        assertThat(seenByToken).containsExactly(2L);

        PolicyView view = mongo.findById("pol-1", PolicyView.class);
        assertThat(view.beneficiary()).isEqualTo("Han Meimei");
        assertThat(view.lastSequence()).isEqualTo(2);
        assertThat(view.changes()).extracting(PolicyView.Change::beneficiary).containsExactly("Li Lei", "Han Meimei");
        assertThat(view.changes()).extracting(PolicyView.Change::changedBy).containsOnly("uma");
    }

    @Test
    void after_a_batch_fails_to_write_each_write_fails_in_its_own_handler_where_it_can_be_dead_lettered() {
        // a view that cannot be written: a second policy with the same number under a unique index
        mongo.indexOps(PolicyView.class).ensureIndex(new org.springframework.data.mongodb.core.index.Index()
                .on("policyNumber", org.springframework.data.domain.Sort.Direction.ASC).unique());
        mongo.insert(new PolicyView("pol-0", "PN1", "acc-0", "bob", "HEALTH", "IN_FORCE", BigDecimal.ONE, BigDecimal.ONE,
                "CNY", LocalDate.parse("2027-01-01"), LocalDate.parse("2046-12-31"), null, Instant.now(), List.of(), null, null, null, null, null, List.of(), null, null, List.of(), false, null, List.of(), List.of(), null, List.of(), List.of(), null, null, null, 0));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> batch(issued(), changed("Li Lei")))
                .as("the whole batch fails at the flush, outside any handler")
                .isInstanceOf(org.springframework.data.mongodb.BulkOperationException.class);
        assertThat(mongo.findById("pol-1", PolicyView.class)).isNull();

        // for a while now, a write in a batch goes out inside its handler, where a failure is the
        // handler's own and Axon's dead-letter queue parks that one event
        PolicyIssued another = new PolicyIssued("pol-2", "PN2", "acc-1", "alice", Product.HEALTH,
                new Money(new BigDecimal("1000.00"), "CNY"), new Money(new BigDecimal("10.00"), "CNY"),
                LocalDate.parse("2027-01-01"), LocalDate.parse("2027-12-31"), null, null, null, null, null, null);
        BatchingUnitOfWork<?> retried = new BatchingUnitOfWork<>(
                List.of(new GenericDomainEventMessage<>("Policy", "pol-2", 0, another)));
        boolean[] writtenInHandler = {false};
        retried.executeWithResult(() -> {
            projection.on(another, 0, Instant.now());
            writtenInHandler[0] = mongo.findById("pol-2", PolicyView.class) != null;
            return null;
        });
        assertThat(writtenInHandler[0]).isTrue();
        BatchingUnitOfWork<?> failing = new BatchingUnitOfWork<>(
                List.of(new GenericDomainEventMessage<>("Policy", "pol-1", 0, issued())));
        org.axonframework.messaging.ResultMessage<?> result = failing.executeWithResult(() -> {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> projection.on(issued(), 0, Instant.now()))
                    .as("the failing write fails in its handler").isInstanceOf(RuntimeException.class);
            return null;
        });
        assertThat(result.isExceptional()).isFalse();
    }

    @Test
    void a_redelivered_batch_changes_nothing() {
        batch(issued(), changed("Li Lei"));
        batch(issued(), changed("Someone else"));
        PolicyView view = mongo.findById("pol-1", PolicyView.class);
        assertThat(view.beneficiary()).isEqualTo("Li Lei");
        assertThat(view.changes()).hasSize(1);
    }
}
