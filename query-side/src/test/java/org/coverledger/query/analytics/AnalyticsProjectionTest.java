package org.coverledger.query.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.messaging.unitofwork.BatchingUnitOfWork;
import org.coverledger.events.claim.ClaimApi;
import org.coverledger.events.claim.ClaimApi.Decision;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.Outcome;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi;
import org.coverledger.events.policy.PolicyApi.CancellationReason;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.ProjectionTestMongo;
import org.coverledger.query.analytics.AnalyticsReports.AdjusterRow;
import org.coverledger.query.analytics.AnalyticsReports.ClaimsRow;
import org.coverledger.query.analytics.AnalyticsReports.CycleRow;
import org.coverledger.query.analytics.AnalyticsReports.GroupBy;
import org.coverledger.query.analytics.AnalyticsReports.Period;
import org.coverledger.query.analytics.AnalyticsReports.PortfolioRow;
import org.coverledger.query.claim.FirstActionSla;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The analytics beside themselves: a small book whose figures were worked out by hand (below,
 * beside each assertion) is written to a real event store on a wire-protocol server, read back
 * as a tracking processor reads it, folded by the projection, and reported; as of moments inside
 * a day; and replayed after a crash without counting anything twice.
 *
 * <p>The book (business time Asia/Shanghai; every event at 10:00 there, 02:00Z):
 * <ul>
 * <li>P1 HEALTH 3,650.00 a year from 2026-01-10 (365 days: 10.00 a day earned), issued and started 01-10;
 * <li>P2 AUTO 730.00 from 2026-02-01 (2.00 a day), issued 01-15, started 02-01;
 * <li>P3 HEALTH 1,825.00 from 02-05 (5.00 a day), issued and started 02-05, cancelled in cooling-off 02-10 (void);
 * <li>P4 HEALTH 365.00 from 02-20 (1.00 a day), issued and started 02-20, cancelled 03-15 (covered to 03-15), 300.00 back;
 * <li>C1 on P1, HOSPITALISATION, 3,200.50 claimed 03-02; adam asks for materials 6 h later, alice provides them,
 *     adam approves 3,000.00 at 48 h, paid at 72 h, closed PAID;
 * <li>C2 on P2, COLLISION, 5,000.00 claimed 03-10; adam rejects at 24 h, closed REJECTED;
 * <li>C3 on P1, OUTPATIENT, 800.00 claimed 03-20, assigned to alan, still open.
 * </ul>
 */
class AnalyticsProjectionTest {

    private static final ZoneId ZONE = BusinessCalendar.DEFAULT_ZONE;
    private static final LocalDate TODAY = LocalDate.parse("2026-03-31");

    private ProjectionTestMongo server;
    private MongoCommitLogEngine engine;
    private AnalyticsProjection projection;
    private AnalyticsReports reports;
    private AnalyticsFold fold;
    private boolean failFactsWrites;
    private final Map<String, Long> sequences = new HashMap<>();

    @BeforeEach
    void start() throws ReflectiveOperationException {
        ProjectionTestMongo.batchedWritesAsNew();
        server = new ProjectionTestMongo();
        MongoDatabase database = server.template().getDb();
        engine = MongoEventStore.engine(database, new SubjectKeys(database, SubjectKeys.randomMasterKey()),
                Duration.ofSeconds(1));
        FirstActionSla sla = new FirstActionSla(3, new BusinessCalendar(
                Clock.fixed(Instant.parse("2026-03-31T12:00:00Z"), ZONE), ZONE));
        fold = new AnalyticsFold(ZONE, sla);
        projection = new AnalyticsProjection(failingFacts(server.template()), fold);
        reports = reports(server.template(), () -> -1, () -> false);
    }

    /** The template, whose facts collection fails its writes while {@link #failFactsWrites} (a crash between the writes). */
    private org.springframework.data.mongodb.core.MongoTemplate failingFacts(
            org.springframework.data.mongodb.core.MongoTemplate real) {
        return new org.springframework.data.mongodb.core.MongoTemplate(real.getMongoDatabaseFactory()) {
            @Override
            public com.mongodb.client.MongoCollection<org.bson.Document> getCollection(String name) {
                com.mongodb.client.MongoCollection<org.bson.Document> collection = super.getCollection(name);
                if (!name.equals(AnalyticsProjection.FACTS)) {
                    return collection;
                }
                @SuppressWarnings("unchecked")
                com.mongodb.client.MongoCollection<org.bson.Document> proxy = (com.mongodb.client.MongoCollection<org.bson.Document>)
                        java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                                new Class<?>[] {com.mongodb.client.MongoCollection.class}, (self, method, args) -> {
                                    if (failFactsWrites && (method.getName().startsWith("replace")
                                            || method.getName().equals("bulkWrite"))) {
                                        throw new IllegalStateException("no facts written: the process died");
                                    }
                                    try {
                                        return method.invoke(collection, args);
                                    } catch (java.lang.reflect.InvocationTargetException e) {
                                        throw e.getCause();
                                    }
                                });
                return proxy;
            }
        };
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static Money cny(String amount) {
        return Money.cny(new BigDecimal(amount));
    }

    private static Instant at(String day, int hoursAfterTen) {
        return Instant.parse(day + "T02:00:00Z").plus(Duration.ofHours(hoursAfterTen));
    }

    /** Appends the event to the store as its aggregate's next, recorded at the instant, by the actor. */
    private void record(String type, String aggregateId, Instant at, String actor, Object payload) {
        long sequence = sequences.merge(aggregateId, 0L, (a, b) -> a + 1);
        String roles = actor.equals("alice") ? "CUSTOMER" : actor.equals("system") ? "" : "ADJUSTER";
        engine.appendEvents(List.of(new GenericDomainEventMessage<>(type, aggregateId, sequence, payload,
                org.axonframework.messaging.MetaData.with(CommandMetadata.ACTOR, actor)
                        .and(CommandMetadata.ROLES, roles), UUID.randomUUID().toString(), at)));
    }

    private void issue(String id, Product product, String premium, String start, String end, String issuedOn) {
        record("Policy", id, at(issuedOn, 0), "alice", new PolicyApi.PolicyIssued(id, "PN-" + id, "acc-1", "alice",
                product, cny("100000.00"), cny(premium), LocalDate.parse(start), LocalDate.parse(end),
                PaymentPlan.ANNUAL, "q-" + id, "2026-01", cny(premium), "pay-" + id, null));
    }

    private void started(String id, String start) {
        record("Policy", id, at(start, 0), "system", new PolicyApi.PolicyStarted(id, "acc-1", LocalDate.parse(start),
                at(start, 0)));
    }

    private void book() {
        issue("P1", Product.HEALTH, "3650.00", "2026-01-10", "2027-01-09", "2026-01-10");
        started("P1", "2026-01-10");
        issue("P2", Product.AUTO, "730.00", "2026-02-01", "2027-01-31", "2026-01-15");
        started("P2", "2026-02-01");
        issue("P3", Product.HEALTH, "1825.00", "2026-02-05", "2027-02-04", "2026-02-05");
        started("P3", "2026-02-05");
        record("Policy", "P3", at("2026-02-10", 0), "alice", new PolicyApi.PolicyCancelled("P3", "acc-1",
                LocalDate.parse("2026-02-10"), true, null, cny("1825.00"), cny("0.00"), cny("0.00"), cny("1825.00"),
                "refund-P3", "ref-P3", CancellationReason.NO_LONGER_NEEDED, at("2026-02-10", 0)));
        issue("P4", Product.HEALTH, "365.00", "2026-02-20", "2027-02-19", "2026-02-20");
        started("P4", "2026-02-20");

        claim("C1", "P1", "HOSPITALISATION", "HEALTH", "3200.50", "2026-03-02", "adam");
        record("Claim", "C1", at("2026-03-02", 6), "adam", new ClaimApi.MaterialsRequested("C1", "acc-1",
                List.of(new ClaimApi.RequestedItem(MaterialCategory.INVOICE, "invoice")), null, "adam",
                at("2026-03-02", 6), LocalDate.parse("2026-03-20")));
        record("Claim", "C1", at("2026-03-03", 0), "alice", new ClaimApi.MaterialsProvided("C1", "acc-1", "alice",
                at("2026-03-03", 0)));

        record("Policy", "P4", at("2026-03-15", 0), "alice", new PolicyApi.PolicyCancelled("P4", "acc-1",
                LocalDate.parse("2026-03-15"), false, LocalDate.parse("2026-03-15"), cny("365.00"), cny("24.00"),
                cny("36.50"), cny("300.00"), "refund-P4", "ref-P4", CancellationReason.OTHER, at("2026-03-15", 0)));
        record("Claim", "C1", at("2026-03-04", 0), "adam", assessed("C1", "P1", Decision.APPROVED, "3000.00",
                at("2026-03-04", 0)));
        record("Claim", "C1", at("2026-03-04", 0), "adam", new ClaimApi.ClaimApproved("C1", "acc-1", "P1",
                cny("3000.00"), List.of("adam"), at("2026-03-04", 0)));
        record("Claim", "C1", at("2026-03-05", 0), "system", new ClaimApi.ClaimPaid("C1", "acc-1", "P1",
                cny("3000.00"), "card-1", "payout-C1-1", "gw-1", at("2026-03-05", 0)));
        record("Claim", "C1", at("2026-03-05", 0), "system", new ClaimApi.ClaimClosed("C1", "acc-1", "P1",
                Outcome.PAID, cny("3000.00"), at("2026-03-05", 0)));

        claim("C2", "P2", "COLLISION", "AUTO", "5000.00", "2026-03-10", "adam");
        record("Claim", "C2", at("2026-03-11", 0), "adam", assessed("C2", "P2", Decision.REJECTED, "0.00",
                at("2026-03-11", 0)));
        record("Claim", "C2", at("2026-03-11", 0), "adam", new ClaimApi.ClaimClosed("C2", "acc-1", "P2",
                Outcome.REJECTED, cny("0.00"), at("2026-03-11", 0)));

        claim("C3", "P1", "OUTPATIENT", "HEALTH", "800.00", "2026-03-20", "alan");
    }

    private void claim(String id, String policyId, String incidentType, String product, String amount, String day,
                       String adjuster) {
        record("Claim", id, at(day, 0), "alice", new ClaimApi.ClaimSubmitted(id, policyId, "acc-1", "alice",
                LocalDate.parse(day).minusDays(1), "what happened", cny(amount), at(day, 0), incidentType, "card-1",
                product, "PN-" + policyId));
        record("Claim", id, at(day, 0), "system", new ClaimApi.ClaimAssigned(id, "acc-1", adjuster, "system",
                at(day, 0)));
    }

    private static ClaimApi.ClaimAssessed assessed(String claimId, String policyId, Decision decision, String approved,
                                                   Instant at) {
        return new ClaimApi.ClaimAssessed(claimId, "acc-1", policyId, "[]", List.of(), decision, cny("1.00"),
                cny(approved), cny("0.00"), cny(approved), null, "adam", false, at);
    }

    /** The store's events as a tracking processor reads them, each handled on its own (no batch). */
    private List<TrackedEventMessage<?>> stored() {
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(null, false)) {
            return new ArrayList<>(events.toList());
        }
    }

    private void project(List<TrackedEventMessage<?>> events) {
        for (TrackedEventMessage<?> event : events) {
            projection.on(event.getPayload(), (DomainEventMessage<?>) event, event.trackingToken());
        }
    }

    /** The events handled in one batch, as a pooled processor does: written when the batch commits. */
    private void projectInBatch(List<TrackedEventMessage<?>> events) {
        BatchingUnitOfWork<?> batch = new BatchingUnitOfWork<>(new ArrayList<EventMessage<?>>(events));
        var result = batch.executeWithResult(() -> {
            TrackedEventMessage<?> event = (TrackedEventMessage<?>) batch.getMessage();
            projection.on(event.getPayload(), (DomainEventMessage<?>) event, event.trackingToken());
            return null;
        });
        if (result.isExceptional()) {
            throw new IllegalStateException(result.exceptionResult());
        }
    }

    private <T> List<T> rows(GroupBy groupBy, String product, Instant asOf, Report<T> report) {
        LocalDate known = reports.knownUntil(asOf, TODAY);
        LocalDate from = LocalDate.parse("2026-01-01");
        List<Period> periods = AnalyticsReports.periods(from, TODAY, groupBy);
        return reports.withLedger(asOf, Long.MAX_VALUE, ledger -> report.rows(ledger, product, periods, known));
    }

    private interface Report<T> {
        List<T> rows(AnalyticsLedger ledger, String product, List<Period> periods, LocalDate known);
    }

    private static <T> T row(List<T> rows, java.util.function.Predicate<T> which) {
        return rows.stream().filter(which).findFirst().orElseThrow();
    }

    private PortfolioRow portfolio(String period, String product, Instant asOf) {
        return row(rows(GroupBy.MONTH, null, asOf, reports::portfolio),
                r -> r.period().equals(period) && r.product().equals(product));
    }

    @Test
    void the_portfolio_of_a_known_book_month_by_month() {
        book();
        project(stored());

        PortfolioRow january = portfolio("2026-01", "HEALTH", null);
        assertThat(january.newBusiness()).isEqualTo(1);
        assertThat(january.premiumWritten()).isEqualByComparingTo("3650.00");
        assertThat(january.inForce()).isEqualTo(1);
        assertThat(january.premiumEarned()).as("P1, 01-10..31: 22 days at 10.00").isEqualByComparingTo("220.00");

        PortfolioRow february = portfolio("2026-02", "HEALTH", null);
        assertThat(february.newBusiness()).isEqualTo(2);
        assertThat(february.premiumWritten()).isEqualByComparingTo("2190.00");
        assertThat(february.averagePremium()).isEqualByComparingTo("1095.00");
        assertThat(february.inForce()).as("P1 and P4: P3 was void").isEqualTo(2);
        assertThat(february.premiumEarned()).as("P1 28 days at 10.00, P4 9 days at 1.00, P3 nothing (void)")
                .isEqualByComparingTo("289.00");
        assertThat(february.cancellationsInCoolingOff()).isEqualTo(1);
        assertThat(february.refunds()).isEqualByComparingTo("1825.00");

        PortfolioRow march = portfolio("2026-03", "HEALTH", null);
        assertThat(march.inForce()).isEqualTo(1);
        assertThat(march.premiumEarned()).as("P1 31 days at 10.00, P4 03-01..15 at 1.00").isEqualByComparingTo("325.00");
        assertThat(march.cancellationsAfterCoolingOff()).isEqualTo(1);
        assertThat(march.refunds()).isEqualByComparingTo("300.00");

        PortfolioRow auto = portfolio("2026-02", "AUTO", null);
        assertThat(auto.inForce()).isEqualTo(1);
        assertThat(auto.premiumEarned()).isEqualByComparingTo("56.00");
        assertThat(portfolio("2026-01", "AUTO", null).inForce()).as("starts 02-01").isZero();

        PortfolioRow all = portfolio("2026-02", AnalyticsReports.ALL, null);
        assertThat(all.newBusiness()).isEqualTo(2);
        assertThat(all.inForce()).isEqualTo(3);
        assertThat(all.premiumEarned()).isEqualByComparingTo("345.00");
        assertThat(all.premiumWritten()).isEqualByComparingTo("2190.00");
    }

    @Test
    void claims_cycle_times_and_adjusters_of_a_known_book() {
        book();
        project(stored());

        ClaimsRow health = row(rows(GroupBy.MONTH, null, null, reports::claims),
                r -> r.period().equals("2026-03") && r.product().equals("HEALTH"));
        assertThat(health.reported()).isEqualTo(2);
        assertThat(health.reportedByIncidentType()).containsEntry("HOSPITALISATION", 1L).containsEntry("OUTPATIENT", 1L);
        assertThat(health.open()).isEqualTo(1);
        assertThat(health.closedByOutcome()).containsExactlyEntriesOf(Map.of("PAID", 1L));
        assertThat(health.approvalRatio()).isEqualByComparingTo("1");
        assertThat(health.claimed()).isEqualByComparingTo("4000.50");
        assertThat(health.approved()).isEqualByComparingTo("3000.00");
        assertThat(health.paid()).isEqualByComparingTo("3000.00");
        assertThat(health.lossRatio()).as("3,000.00 paid over 325.00 earned").isEqualByComparingTo("9.2308");
        assertThat(health.materialsRequests()).isEqualTo(1);

        ClaimsRow all = row(rows(GroupBy.MONTH, null, null, reports::claims),
                r -> r.period().equals("2026-03") && r.product().equals(AnalyticsReports.ALL));
        assertThat(all.reported()).isEqualTo(3);
        assertThat(all.closed()).isEqualTo(2);
        assertThat(all.decisions()).containsEntry("APPROVED", 1L).containsEntry("REJECTED", 1L);
        assertThat(all.approvalRatio()).isEqualByComparingTo("0.5");
        assertThat(all.lossRatio()).as("3,000.00 over 325.00 + 62.00").isEqualByComparingTo("7.7519");

        CycleRow cycles = row(rows(GroupBy.MONTH, "HEALTH", null, reports::cycleTimes),
                r -> r.period().equals("2026-03"));
        assertThat(cycles.firstAction().count()).isEqualTo(1);
        assertThat(cycles.firstAction().p50Hours().doubleValue()).isCloseTo(6.0, within(0.06));
        assertThat(cycles.decision().p50Hours().doubleValue()).isCloseTo(48.0, within(0.5));
        assertThat(cycles.payment().p99Hours().doubleValue()).isCloseTo(72.0, within(0.72));
        assertThat(cycles.materialsLoopsPerClosedClaim()).isEqualByComparingTo("1");
        assertThat(cycles.slaBreached()).isZero();
        CycleRow allCycles = row(rows(GroupBy.MONTH, null, null, reports::cycleTimes),
                r -> r.period().equals("2026-03") && r.product().equals(AnalyticsReports.ALL));
        assertThat(allCycles.decision().count()).isEqualTo(2);
        assertThat(allCycles.materialsLoopsPerClosedClaim()).isEqualByComparingTo("0.5");

        List<AdjusterRow> adjusters = rows(GroupBy.MONTH, null, null, reports::adjusters);
        AdjusterRow adam = row(adjusters, r -> r.period().equals("2026-03") && r.adjuster().equals("adam"));
        assertThat(adam.decisions()).isEqualTo(2);
        assertThat(adam.openClaims()).isZero();
        assertThat(adam.averageCycleHours()).as("(48 + 24) / 2").isEqualByComparingTo("36.00");
        assertThat(adam.aboveAuthorityShare()).isEqualByComparingTo("0");
        AdjusterRow alan = row(adjusters, r -> r.period().equals("2026-03") && r.adjuster().equals("alan"));
        assertThat(alan.openClaims()).isEqualTo(1);
        assertThat(alan.decisions()).isZero();
    }

    @Test
    void as_of_a_moment_inside_a_day_the_figures_are_what_the_store_knew_then() {
        book();
        project(stored());

        // 2026-03-04 10:00 (02:00Z): C1 assessed and approved; not yet paid
        ClaimsRow before = row(rows(GroupBy.MONTH, "HEALTH", at("2026-03-04", 0).minusSeconds(1), reports::claims),
                r -> r.period().equals("2026-03"));
        assertThat(before.decisions()).isEmpty();
        assertThat(before.open()).isEqualTo(1);
        ClaimsRow after = row(rows(GroupBy.MONTH, "HEALTH", at("2026-03-04", 1), reports::claims),
                r -> r.period().equals("2026-03"));
        assertThat(after.decisions()).containsExactlyEntriesOf(Map.of("APPROVED", 1L));
        assertThat(after.approved()).isEqualByComparingTo("3000.00");
        assertThat(after.paid()).isEqualByComparingTo("0");

        // before P3's void cancellation on 02-10 it was in force, and earning
        PortfolioRow known = portfolio("2026-02", "HEALTH", at("2026-02-10", 0).minusSeconds(1));
        assertThat(known.inForce()).as("P1 and P3, as known on 02-10 before 10:00").isEqualTo(2);
        assertThat(known.premiumEarned()).as("P1 02-01..10 at 10.00, P3 02-05..10 at 5.00")
                .isEqualByComparingTo("130.00");
        PortfolioRow cancelled = portfolio("2026-02", "HEALTH", at("2026-02-10", 0));
        assertThat(cancelled.inForce()).isEqualTo(1);
        assertThat(cancelled.premiumEarned()).isEqualByComparingTo("100.00");
        assertThat(cancelled.cancellationsInCoolingOff()).isEqualTo(1);

        // a moment after the last event knows everything
        assertThat(portfolio("2026-03", "HEALTH", Instant.parse("2026-03-31T15:00:00Z")))
                .isEqualTo(portfolio("2026-03", "HEALTH", null));
    }

    @Test
    void a_batch_replayed_after_a_crash_between_its_writes_counts_nothing_twice() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        projectInBatch(events.subList(0, 7));
        // the next batch writes its day documents, then dies before its facts: the token stays
        failFactsWrites = true;
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> projectInBatch(events.subList(7, 20)))
                .hasMessageContaining("no facts written");
        failFactsWrites = false;
        assertThat(rows(GroupBy.MONTH, null, null, reports::claims)).as("the days took the batch in")
                .isNotEqualTo(onePass(events.subList(0, 7), reports::claims));
        // read again from the token, cut differently; then everything once more
        projectInBatch(events.subList(7, 12));
        projectInBatch(events.subList(12, events.size()));
        projectInBatch(events);
        assertThat(rows(GroupBy.MONTH, null, null, reports::claims))
                .as("the same figures as one pass over the book, event by event")
                .isEqualTo(onePass(events, reports::claims));
        assertThat(rows(GroupBy.MONTH, null, null, reports::portfolio)).isEqualTo(onePass(events, reports::portfolio));
        assertThat(rows(GroupBy.MONTH, null, null, reports::cycleTimes)).isEqualTo(onePass(events, reports::cycleTimes));
    }

    @Test
    void two_instances_on_one_segment_never_write_older_facts_over_newer() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        projectInBatch(events.subList(0, 10));
        TrackedEventMessage<?> next = events.get(10);
        BatchingUnitOfWork<?> stale = new BatchingUnitOfWork<>(List.of(next));
        var result = stale.executeWithResult(() -> {
            // this instance reads the aggregate's facts and folds the event ...
            projection.on(next.getPayload(), (DomainEventMessage<?>) next, next.trackingToken());
            // ... while another, which took the segment over (this one stalled), takes the same event in
            // (in a thread of its own: it is another process's work, outside this batch)
            java.util.concurrent.CompletableFuture.runAsync(() -> new AnalyticsProjection(server.template(), fold)
                    .on(next.getPayload(), (DomainEventMessage<?>) next, next.trackingToken())).join();
            return null;
        });
        assertThat(result.isExceptional()).as("the stalled instance's batch fails rather than write old facts")
                .isTrue();
        projectInBatch(events.subList(11, events.size()));
        assertThat(rows(GroupBy.MONTH, null, null, reports::claims)).isEqualTo(onePass(events, reports::claims));
        assertThat(rows(GroupBy.MONTH, null, null, reports::portfolio)).isEqualTo(onePass(events, reports::portfolio));
    }

    @Test
    void a_renewed_policy_cancelled_before_its_new_term_earns_nothing_after_the_cancellation() {
        record("Policy", "P5", at("2026-01-01", 0), "alice", new PolicyApi.PolicyIssued("P5", "PN-P5", "acc-1",
                "alice", Product.LIFE, cny("100000.00"), cny("3650.00"), LocalDate.parse("2026-01-01"),
                LocalDate.parse("2026-12-31"), PaymentPlan.ANNUAL, "q", "2026-01", cny("3650.00"), "pay", null));
        started("P5", "2026-01-01");
        // renewed a month before the end, at twice the rate (7300.00 over 365 days: 20.00 a day)
        record("Policy", "P5", at("2026-12-01", 0), "alice", new PolicyApi.PolicyRenewed("P5", "acc-1", 2,
                LocalDate.parse("2027-01-01"), LocalDate.parse("2027-12-31"), cny("7300.00"), PaymentPlan.ANNUAL,
                cny("7300.00"), "renew", "ref", null, false, at("2026-12-01", 0)));
        // and cancelled on 12-10: cover ends after that day, the new term never begins
        record("Policy", "P5", at("2026-12-10", 0), "alice", new PolicyApi.PolicyCancelled("P5", "acc-1",
                LocalDate.parse("2026-12-10"), false, LocalDate.parse("2026-12-10"), cny("10950.00"),
                cny("3440.00"), cny("0"), cny("7000.00"), "refund", "ref", CancellationReason.OTHER,
                at("2026-12-10", 0)));
        project(stored());
        LocalDate from = LocalDate.parse("2026-12-01");
        LocalDate to = LocalDate.parse("2027-02-28");
        List<Period> periods = AnalyticsReports.periods(from, to, GroupBy.MONTH);
        List<PortfolioRow> rows = reports.withLedger(null, Long.MAX_VALUE,
                ledger -> reports.portfolio(ledger, "LIFE", periods, to));
        assertThat(rows.get(0).premiumEarned()).as("12-01..10 at 10.00").isEqualByComparingTo("100.00");
        assertThat(rows.get(0).inForce()).isZero();
        assertThat(rows.get(1).premiumEarned()).as("nothing, never a negative rate").isEqualByComparingTo("0.00");
        assertThat(rows.get(2).premiumEarned()).isEqualByComparingTo("0.00");
        assertThat(rows.get(0).renewals()).isEqualTo(1);
        assertThat(rows.get(0).premiumWritten()).isEqualByComparingTo("7300.00");
    }

    @Test
    void as_of_a_moment_the_day_is_read_whole_even_when_its_events_came_out_of_order() {
        book();
        // two writers: the later-stamped event was committed first
        claimAt("C9", "P1", at("2026-03-25", 3), "2026-03-25");
        claimAt("C8", "P1", at("2026-03-25", 0).minusSeconds(3600), "2026-03-25");
        project(stored());
        ClaimsRow asOf = row(rows(GroupBy.MONTH, "HEALTH", at("2026-03-25", 1), reports::claims),
                r -> r.period().equals("2026-03"));
        assertThat(asOf.reported()).as("C1, C3 and C8 (09:00), not C9 (13:00)").isEqualTo(3);
    }

    private void claimAt(String id, String policyId, Instant at, String day) {
        record("Claim", id, at, "alice", new ClaimApi.ClaimSubmitted(id, policyId, "acc-1", "alice",
                LocalDate.parse(day).minusDays(1), "what happened", cny("100.00"), at, "OUTPATIENT", "card-1",
                "HEALTH", "PN-" + policyId));
    }

    @Test
    void nothing_kept_names_the_customer() {
        book();
        project(stored());
        for (String collection : List.of(AnalyticsProjection.DAYS, AnalyticsProjection.FACTS)) {
            for (org.bson.Document stored : server.template().getCollection(collection).find()) {
                assertThat(stored.toJson()).as(collection).doesNotContain("alice", "acc-1", "what happened");
            }
        }
    }

    @Test
    void a_database_kept_a_document_per_month_is_folded_again_from_zero() {
        book();
        project(stored());
        var database = server.template();
        database.getCollection(AnalyticsProjection.MONTHS).insertOne(new org.bson.Document("_id", "2026-03|HEALTH"));
        database.getCollection(AnalyticsProjection.TOKENS).insertMany(List.of(
                new org.bson.Document("processorName", "analytics").append("segment", 0),
                new org.bson.Document("processorName", "policies").append("segment", 0)));

        projection.replaceMonthDocuments();

        assertThat(database.collectionExists(AnalyticsProjection.MONTHS)).isFalse();
        assertThat(database.getCollection(AnalyticsProjection.DAYS).countDocuments()).isZero();
        assertThat(database.getCollection(AnalyticsProjection.FACTS).countDocuments()).isZero();
        assertThat(database.getCollection(AnalyticsProjection.TOKENS).distinct("processorName", String.class))
                .as("only the analytics start again").containsExactly("policies");
        // and at a start with nothing to replace, nothing is touched
        project(stored());
        long days = database.getCollection(AnalyticsProjection.DAYS).countDocuments();
        projection.replaceMonthDocuments();
        assertThat(database.getCollection(AnalyticsProjection.DAYS).countDocuments()).isEqualTo(days).isPositive();
    }

    /** The figures of the same events folded once, event by event, into a second database. */
    private <T> List<T> onePass(List<TrackedEventMessage<?>> events, Report<T> report) {
        try (ProjectionTestMongo other = new ProjectionTestMongo()) {
            AnalyticsFold fold = new AnalyticsFold(ZONE, new FirstActionSla(3, new BusinessCalendar(
                    Clock.fixed(Instant.parse("2026-03-31T12:00:00Z"), ZONE), ZONE)));
            AnalyticsProjection single = new AnalyticsProjection(other.template(), fold);
            for (TrackedEventMessage<?> event : events) {
                single.on(event.getPayload(), (DomainEventMessage<?>) event, event.trackingToken());
            }
            AnalyticsReports theirs = new AnalyticsReports(other.template(), engine, fold, ZONE, () -> -1, () -> false);
            LocalDate from = LocalDate.parse("2026-01-01");
            return theirs.withLedger(null, Long.MAX_VALUE, ledger -> report.rows(ledger, null,
                    AnalyticsReports.periods(from, TODAY, GroupBy.MONTH), TODAY));
        }
    }

    @Test
    void weeks_and_days_add_up_to_the_month() {
        book();
        project(stored());
        long reportedByDay = rows(GroupBy.DAY, "HEALTH", null, reports::claims).stream()
                .filter(r -> r.start().getMonthValue() == 3).mapToLong(ClaimsRow::reported).sum();
        assertThat(reportedByDay).isEqualTo(2);
        BigDecimal earnedByWeek = rows(GroupBy.WEEK, "HEALTH", null, reports::portfolio).stream()
                .map(PortfolioRow::premiumEarned).reduce(BigDecimal.ZERO, BigDecimal::add);
        assertThat(earnedByWeek).as("220.00 + 289.00 + 325.00").isEqualByComparingTo("834.00");
        assertThat(rows(GroupBy.WEEK, "HEALTH", null, reports::portfolio).get(0).period()).isEqualTo("2026-W01");
    }

    // ------------------------------------------------------------------ the figures kept between reports

    /** Every report, day by day, for every product and ALL, from the figures as they stand now. */
    private static List<Object> everyReport(AnalyticsReports of) {
        List<Period> days = AnalyticsReports.periods(LocalDate.parse("2026-01-01"), TODAY, GroupBy.DAY);
        return of.withLedger(null, Long.MAX_VALUE, ledger -> List.of(of.portfolio(ledger, null, days, TODAY),
                of.claims(ledger, null, days, TODAY), of.cycleTimes(ledger, null, days, TODAY),
                of.adjusters(ledger, null, days, TODAY)));
    }

    /** The reports from a ledger read whole, as a fresh instance reads it. */
    private List<Object> readWhole() {
        return readWhole(server.template());
    }

    /** The reports from the template's day documents read whole, as a fresh instance reads them. */
    private List<Object> readWhole(org.springframework.data.mongodb.core.MongoTemplate template) {
        return everyReport(reports(template, () -> -1, () -> false));
    }

    private AnalyticsReports reports(org.springframework.data.mongodb.core.MongoTemplate template,
                                     java.util.function.LongSupplier passed,
                                     java.util.function.BooleanSupplier cutting) {
        return new AnalyticsReports(template, engine, fold, ZONE, passed, cutting);
    }

    private static long position(TrackedEventMessage<?> event) {
        return event.trackingToken().position().orElseThrow();
    }

    /** Every day document as stored now, by id (read without the position, to count what a batch changed). */
    private Map<String, org.bson.Document> daysStored() {
        Map<String, org.bson.Document> days = new HashMap<>();
        server.template().getDb().getCollection(AnalyticsProjection.DAYS).find()
                .forEach(day -> days.put(day.getString("_id"), day));
        return days;
    }

    @Test
    void the_figures_kept_between_reports_equal_the_figures_read_whole_after_every_batch() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        java.util.concurrent.atomic.AtomicLong passed = new java.util.concurrent.atomic.AtomicLong(-1);
        AnalyticsReports kept = reports(server.template(), passed::get, () -> false);
        assertThat(everyReport(kept)).isEqualTo(readWhole());
        for (int i = 0; i < events.size(); i += 4) {
            List<TrackedEventMessage<?>> batch = events.subList(i, Math.min(i + 4, events.size()));
            Map<String, org.bson.Document> was = daysStored();
            projectInBatch(batch);
            Map<String, org.bson.Document> is = daysStored();
            long changed = is.keySet().stream().filter(id -> !is.get(id).equals(was.get(id))).count();
            passed.set(position(batch.get(batch.size() - 1))); // the batch committed, its token stored
            long before = kept.liveReads()[1];
            assertThat(everyReport(kept)).as("after the events up to %d", i + batch.size()).isEqualTo(readWhole());
            assertThat(kept.liveReads()[1] - before).as("read only the day documents the batch changed")
                    .isEqualTo(changed);
        }
        long before = kept.liveReads()[1];
        assertThat(everyReport(kept)).isEqualTo(readWhole());
        assertThat(kept.liveReads()[1]).as("nothing past the position: nothing read").isEqualTo(before);
        assertThat(kept.liveReads()[0]).isEqualTo((events.size() + 3) / 4 + 2);
    }

    @Test
    void a_day_written_late_in_a_batch_read_half_written_is_still_taken_in() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        // events 1 and 2: P1 started on 01-10, P2 issued on 01-15; different policies, different days
        assertThat(((DomainEventMessage<?>) events.get(1)).getAggregateIdentifier()).isEqualTo("P1");
        assertThat(((DomainEventMessage<?>) events.get(2)).getAggregateIdentifier()).isEqualTo("P2");
        java.util.concurrent.atomic.AtomicLong passed = new java.util.concurrent.atomic.AtomicLong(-1);
        AnalyticsReports kept = reports(server.template(), passed::get, () -> false);
        project(events.subList(0, 1));
        passed.set(position(events.get(0)));
        everyReport(kept);
        // the batch of events 1 and 2 half written (its days go out in one unordered bulk write):
        // 01-15 is written at event 2's position, 01-10 not yet at event 1's, lower
        project(events.subList(2, 3));
        everyReport(kept);
        project(events.subList(1, 2));
        passed.set(position(events.get(2)));
        assertThat(everyReport(kept)).isEqualTo(readWhole());
        project(events.subList(3, events.size()));
        passed.set(position(events.get(events.size() - 1)));
        assertThat(everyReport(kept)).isEqualTo(readWhole());
    }

    @Test
    void the_figures_are_read_whole_again_when_the_days_were_emptied_or_the_position_went_back() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        java.util.concurrent.atomic.AtomicLong passed = new java.util.concurrent.atomic.AtomicLong(-1);
        AnalyticsReports kept = reports(server.template(), passed::get, () -> false);
        project(events);
        passed.set(position(events.get(events.size() - 1)));
        List<Object> all = everyReport(kept);
        assertThat(all).isEqualTo(readWhole());

        // emptied and folded again in part, the position where it was (as a test that drops the database)
        server.template().getDb().getCollection(AnalyticsProjection.DAYS).drop();
        server.template().getDb().getCollection(AnalyticsProjection.FACTS).drop();
        project(events.subList(0, 10));
        List<Object> part = everyReport(kept);
        assertThat(part).isEqualTo(readWhole()).isNotEqualTo(all);

        // the token reset: the position goes back, the days are folded again from the first event
        server.template().getDb().getCollection(AnalyticsProjection.DAYS).drop();
        server.template().getDb().getCollection(AnalyticsProjection.FACTS).drop();
        project(events.subList(0, 12));
        passed.set(position(events.get(11)));
        assertThat(everyReport(kept)).isEqualTo(readWhole()).isNotEqualTo(part);
    }

    @Test
    void the_position_is_asked_for_before_the_days_are_read() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        java.util.concurrent.atomic.AtomicInteger projected = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong position = new java.util.concurrent.atomic.AtomicLong(-1);
        // each time the position is asked for, the next batch commits and the position is past it:
        // a read of the days made before asking would have missed the batch for good
        AnalyticsReports kept = reports(server.template(), () -> {
            int from = projected.get();
            if (from < events.size()) {
                List<TrackedEventMessage<?>> batch = events.subList(from, Math.min(from + 5, events.size()));
                projectInBatch(batch);
                projected.addAndGet(batch.size());
                position.set(position(batch.get(batch.size() - 1)));
            }
            return position.get();
        }, () -> false);
        while (projected.get() < events.size()) {
            everyReport(kept);
        }
        assertThat(everyReport(kept)).isEqualTo(readWhole());
    }

    @Test
    void just_after_a_cut_over_every_day_is_read_until_the_position_is_the_new_generations() {
        book();
        List<TrackedEventMessage<?>> events = stored();
        String[] generation = {""};
        org.springframework.data.mongodb.core.MongoTemplate generations =
                new org.springframework.data.mongodb.core.MongoTemplate(server.template().getMongoDatabaseFactory()) {
                    @Override
                    public com.mongodb.client.MongoCollection<org.bson.Document> getCollection(String name) {
                        boolean owned = name.equals(AnalyticsProjection.DAYS) || name.equals(AnalyticsProjection.FACTS);
                        return super.getCollection(owned ? name + generation[0] : name);
                    }
                };
        java.util.concurrent.atomic.AtomicLong passed = new java.util.concurrent.atomic.AtomicLong(-1);
        java.util.concurrent.atomic.AtomicBoolean cutting = new java.util.concurrent.atomic.AtomicBoolean();
        AnalyticsReports kept = reports(generations, passed::get, cutting::get);
        AnalyticsProjection live = new AnalyticsProjection(generations, fold);
        for (TrackedEventMessage<?> event : events) {
            live.on(event.getPayload(), (DomainEventMessage<?>) event, event.trackingToken());
        }
        passed.set(position(events.get(events.size() - 1)));
        List<Object> all = everyReport(kept);

        // the rebuild's generation holds the first 12 events; cut over, the old processor's token not yet handed over
        generation[0] = "__g1";
        for (TrackedEventMessage<?> event : events.subList(0, 12)) {
            live.on(event.getPayload(), (DomainEventMessage<?>) event, event.trackingToken());
        }
        cutting.set(true);
        List<Object> rebuilt = everyReport(kept);
        assertThat(rebuilt).isNotEqualTo(all)
                .isEqualTo(readWhole(generations));
        // the live processor goes on in the new generation from the rebuild's position
        for (TrackedEventMessage<?> event : events.subList(12, events.size())) {
            live.on(event.getPayload(), (DomainEventMessage<?>) event, event.trackingToken());
        }
        cutting.set(false);
        assertThat(everyReport(kept)).isEqualTo(all)
                .isEqualTo(readWhole(generations));
    }
}
