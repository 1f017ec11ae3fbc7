package org.coverledger.query.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.ReplayStatus;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Given an event, one audit entry with who, from where and the payload sealed as stored; a
 * redelivery adds nothing and is counted; after an erasure the sealed payload opens as erased.
 */
class AuditTrailProjectionTest {

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final SubjectKeys keys = new SubjectKeys(mongo.template().getDb(), SubjectKeys.randomMasterKey());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AuditTrailProjection projection = new AuditTrailProjection(mongo.template(), meters, keys);

    @AfterEach
    void stop() {
        mongo.close();
    }

    private static GenericDomainEventMessage<AccountRegistered> registered() {
        return new GenericDomainEventMessage<>("Account", "acc-1", 0, new AccountRegistered("acc-1", "acc-1",
                "Wang Fang", "110105198807150026", "13912340000", "wang.fang@example.com"),
                MetaData.with(CommandMetadata.ACTOR, "acc-1").and(CommandMetadata.REQUEST_ID, "req-7")
                        .and(CommandMetadata.CLIENT_IP, "203.0.113.9"));
    }

    @Test
    void one_entry_per_event_with_the_personal_data_sealed_and_a_redelivery_adds_nothing() {
        GenericDomainEventMessage<AccountRegistered> event = registered();
        projection.on(event, ReplayStatus.REGULAR);
        projection.on(event, ReplayStatus.REGULAR);

        assertThat(mongo.template().findAll(AuditEntry.class)).hasSize(1);
        AuditEntry entry = mongo.template().findById(event.getIdentifier(), AuditEntry.class);
        assertThat(entry.eventType()).isEqualTo("AccountRegistered");
        assertThat(entry.aggregateId()).isEqualTo("acc-1");
        assertThat(entry.requestId()).isEqualTo("req-7");
        assertThat(entry.clientIp()).isEqualTo("203.0.113.9");
        Map<String, Object> payload = entry.payload();
        assertThat(payload.get("name").toString()).as("sealed as stored").startsWith("pd1:acc-1:").doesNotContain("Wang");
        assertThat(keys.open(payload.get("name").toString())).isEqualTo("Wang Fang");
        assertThat(meters.get("coverledger.projection.redeliveries").counter().count()).isEqualTo(1);

        keys.erase("acc-1");
        assertThat(keys.open(payload.get("name").toString())).isEqualTo(SubjectKeys.ERASED);
    }
}
