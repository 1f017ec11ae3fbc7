package org.coverledger.query.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.GenericTrackedDomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.ReplayStatus;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.query.Query;

/**
 * An aggregate's history read through its key document answers exactly what the scan of the
 * whole trail answers, for random trails and filters; a trail recorded before the key documents
 * is indexed once and then answers the same.
 */
class AuditKeysTest {

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final SubjectKeys keys = new SubjectKeys(mongo.template().getDb(), SubjectKeys.randomMasterKey());

    /** A payload of no consequence. */
    record Noted(String what) {
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private List<GenericTrackedDomainEventMessage<?>> record(AuditTrailProjection projection, Random random, int events) {
        List<GenericTrackedDomainEventMessage<?>> recorded = new ArrayList<>();
        Map<String, Long> sequences = new LinkedHashMap<>();
        Instant start = Instant.parse("2026-12-01T00:00:00Z");
        for (int i = 0; i < events; i++) {
            String aggregate = "agg-" + random.nextInt(8);
            long sequence = sequences.merge(aggregate, 1L, Long::sum) - 1;
            var event = new GenericDomainEventMessage<>("Policy", aggregate, sequence, new Noted("n" + i),
                    (random.nextInt(6) == 0 ? MetaData.emptyInstance() : MetaData.with(CommandMetadata.ACTOR, "actor-" + random.nextInt(3)))
                            .and(CommandMetadata.REQUEST_ID, "req-" + random.nextInt(20))
                            .and(CommandMetadata.CORRELATION_ID, "cor-" + random.nextInt(12)),
                    java.util.UUID.randomUUID().toString(), start.plusSeconds(random.nextInt(3600)));
            GenericTrackedDomainEventMessage<?> tracked = new GenericTrackedDomainEventMessage<>(
                    new GlobalSequenceTrackingToken(i), event);
            projection.on(tracked, ReplayStatus.REGULAR);
            recorded.add(tracked);
        }
        return recorded;
    }

    private List<String> scanned(AuditFilter filter) {
        return mongo.template().find(Query.query(filter.criteria()).with(Sort.by("position", "timestamp", "aggregateId",
                "sequence")), AuditEntry.class).stream().map(AuditEntry::eventId).toList();
    }

    private static List<String> keyed(AuditKeys auditKeys, AuditFilter filter) {
        List<String> ids = auditKeys.entriesFor(filter.equal()).orElseThrow();
        return auditKeys.entries(ids).stream().filter(filter::matches).map(AuditEntry::eventId).toList();
    }

    private static AuditFilter randomFilter(Random random) {
        // aggregateId, actor, eventType, correlationId, requestId, clientIp: one of the kept keys at least
        List<String> values = new ArrayList<>(java.util.Arrays.asList(null, null, null, null, null, null));
        int key = random.nextInt(3);
        if (key == 0 || random.nextInt(4) == 0) {
            values.set(0, "agg-" + random.nextInt(9));
        }
        if (key == 1 || random.nextInt(4) == 0) {
            values.set(4, "req-" + random.nextInt(21));
        }
        if (key == 2 || random.nextInt(4) == 0) {
            values.set(3, "cor-" + random.nextInt(13));
        }
        if (random.nextBoolean()) {
            values.set(1, random.nextInt(5) == 0 ? "" : "actor-" + random.nextInt(3)); // "" matches no missing actor
        }
        // bounds finer than a millisecond, as a client may send them
        String from = random.nextBoolean() ? "2026-12-01T00:" + String.format("%02d", random.nextInt(60)) + ":00.0005Z" : null;
        String to = random.nextBoolean() ? "2026-12-01T00:" + String.format("%02d", random.nextInt(60)) + ":30Z" : null;
        List<org.coverledger.platform.ProblemResponses.FieldProblem> problems = new ArrayList<>();
        return AuditFilter.of(values, from, to, problems);
    }

    @Test
    void an_aggregates_history_by_its_key_document_equals_the_scan_of_the_trail() {
        Random random = new Random(15);
        AuditKeys auditKeys = new AuditKeys(mongo.template());
        auditKeys.indexAll(); // an empty trail: nothing older to index
        AuditTrailProjection projection = new AuditTrailProjection(mongo.template(), new SimpleMeterRegistry(), keys);
        projection.setAuditKeys(auditKeys);
        List<GenericTrackedDomainEventMessage<?>> recorded = record(projection, random, 400);
        recorded.subList(0, 50).forEach(event -> projection.on(event, ReplayStatus.REGULAR)); // redelivered: nothing changes
        for (int i = 0; i < 200; i++) {
            AuditFilter filter = randomFilter(random);
            assertThat(keyed(auditKeys, filter)).as(filter.toString()).isEqualTo(scanned(filter));
        }
        assertThat(auditKeys.entriesFor(Map.of("aggregateId", "agg-0")).orElseThrow()).doesNotHaveDuplicates().isNotEmpty();
    }

    @Test
    void a_trail_recorded_before_the_key_documents_is_indexed_once_and_then_answers_the_same() {
        Random random = new Random(16);
        AuditTrailProjection projection = new AuditTrailProjection(mongo.template(), new SimpleMeterRegistry(), keys);
        record(projection, random, 300); // no key documents written
        AuditKeys auditKeys = new AuditKeys(mongo.template());
        assertThat(auditKeys.entriesFor(Map.of("aggregateId", "agg-1"))).as("until indexed, the caller scans").isEmpty();
        auditKeys.indexAll();
        assertThat(new AuditKeys(mongo.template()).entriesFor(Map.of("aggregateId", "agg-1"))).as("indexed once, for good").isPresent();
        for (int i = 0; i < 100; i++) {
            AuditFilter filter = randomFilter(random);
            assertThat(keyed(auditKeys, filter)).as(filter.toString()).isEqualTo(scanned(filter));
        }
    }
}
