package org.coverledger.query.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.query.infra.FlushingTokenStore;
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

    private MongoServer server;
    private MongoClient client;
    private MongoTemplate mongo;
    private PolicyProjection projection;

    @BeforeEach
    void start() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        mongo = new MongoTemplate(client, "projection-test");
        projection = new PolicyProjection(mongo);
    }

    @AfterEach
    void stop() {
        client.close();
        server.shutdownNow();
    }

    private static PolicyIssued issued() {
        return new PolicyIssued("pol-1", "PN1", "acc-1", "alice", Product.HEALTH,
                new Money(new BigDecimal("500000.00"), "CNY"), new Money(new BigDecimal("1200.00"), "CNY"),
                LocalDate.parse("2027-01-01"), LocalDate.parse("2046-12-31"));
    }

    private static PolicyChanged changed(String beneficiary) {
        return new PolicyChanged("pol-1", "acc-1", beneficiary, null, Instant.parse("2027-02-01T16:00:00Z"));
    }

    /** Handles the events as one batch, with the token stored first thing at commit, as Axon's work packages do. */
    private List<Long> batch(Object... payloads) {
        List<GenericDomainEventMessage<?>> events = new ArrayList<>();
        for (Object payload : payloads) {
            long sequence = payload instanceof PolicyIssued ? 0 : events.size();
            events.add(new GenericDomainEventMessage<>("Policy", "pol-1", sequence, payload));
        }
        FlushingTokenStore tokens = new FlushingTokenStore(
                MongoEventStore.tokenStoreBuilder(client.getDatabase("projection-test"), "node"));
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
        unitOfWork.executeWithResult(() -> {
            GenericDomainEventMessage<?> event = (GenericDomainEventMessage<?>) unitOfWork.getMessage();
            if (event.getPayload() instanceof PolicyIssued issued) {
                projection.on(issued, event.getSequenceNumber(), event.getTimestamp());
            } else {
                projection.on((PolicyChanged) event.getPayload(), event.getSequenceNumber(), event.getTimestamp(), "uma");
            }
            return null;
        });
        return changesSeenByToken;
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
    void a_redelivered_batch_changes_nothing() {
        batch(issued(), changed("Li Lei"));
        batch(issued(), changed("Someone else"));
        PolicyView view = mongo.findById("pol-1", PolicyView.class);
        assertThat(view.beneficiary()).isEqualTo("Li Lei");
        assertThat(view.changes()).hasSize(1);
    }
}
