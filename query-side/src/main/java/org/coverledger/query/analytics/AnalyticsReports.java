package org.coverledger.query.analytics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.swagger.v3.oas.annotations.media.Schema;
import org.HdrHistogram.Histogram;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.bson.Document;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.query.analytics.AnalyticsFold.Delta;
import org.coverledger.query.analytics.AnalyticsFold.Facts;
import org.springframework.data.mongodb.core.MongoTemplate;

/**
 * The analysts' reports, added up from {@link AnalyticsLedger}: flows (new business, claims
 * reported, amounts paid, ...) are sums over a period's days; stocks (policies in force, open
 * claims) are sums of everything up to the period's last day; premium is earned day by day at
 * each term's daily rate. Every figure is as the store knew it at the report's moment: now, or
 * {@code asOf}.
 */
final class AnalyticsReports {

    /** "ALL": a row that adds up every product (or, for adjusters, the product asked for). */
    static final String ALL = "ALL";
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final int MAX_PERIODS = 2000;

    enum GroupBy { DAY, WEEK, MONTH }

    /** One row's period: its label ({@code 2026-12}, {@code 2026-W49}, {@code 2026-12-06}) and its first and last day. */
    record Period(String period, LocalDate start, LocalDate end) {
    }

    @Schema(description = "A report: the rows for each period (and product), as the store knew them at asOf")
    record Report<T>(Instant asOf, LocalDate from, LocalDate to, String groupBy, String product, String currency,
                     List<T> rows) {
    }

    @Schema(description = "Policies of a product (or ALL) in a period; amounts in the currency, ratios 0..1, "
            + "null where nothing to divide by")
    record PortfolioRow(String period, LocalDate start, LocalDate end, String product, long newBusiness,
                        long renewals, BigDecimal premiumWritten, BigDecimal averagePremium, BigDecimal premiumEarned,
                        @Schema(description = "in force at the end of the period") long inForce, long lapses,
                        long reinstatements, long cancellationsInCoolingOff, long cancellationsAfterCoolingOff,
                        long expiries, @Schema(description = "renewals over renewals and expiries") BigDecimal renewalRate,
                        BigDecimal refunds) {
    }

    @Schema(description = "Claims of a product (or ALL) in a period")
    record ClaimsRow(String period, LocalDate start, LocalDate end, String product, long reported,
                     Map<String, Long> reportedByIncidentType, @Schema(description = "open at the end of the period")
                     long open, long closed, Map<String, Long> closedByOutcome, Map<String, Long> decisions,
                     @Schema(description = "approved and partially approved over all decisions") BigDecimal approvalRatio,
                     BigDecimal claimed, BigDecimal approved, BigDecimal paid, BigDecimal premiumEarned,
                     @Schema(description = "paid over premium earned") BigDecimal lossRatio, long materialsRequests,
                     long reopened) {
    }

    @Schema(description = "How long claims took, from their report, in hours (HdrHistogram, 2 significant digits)")
    record Cycle(long count, BigDecimal p50Hours, BigDecimal p90Hours, BigDecimal p99Hours) {
    }

    @Schema(description = "Cycle times of claims of a product (or ALL), counted in the period the step happened")
    record CycleRow(String period, LocalDate start, LocalDate end, String product, Cycle firstAction, Cycle decision,
                    Cycle payment, long closed, BigDecimal materialsLoopsPerClosedClaim,
                    @Schema(description = "first actions later than the service level") long slaBreached) {
    }

    @Schema(description = "One adjuster's work in a period (staff logins only, no customer)")
    record AdjusterRow(String period, LocalDate start, LocalDate end, String adjuster,
                       @Schema(description = "assigned and open at the end of the period") long openClaims,
                       long decisions, BigDecimal decisionsPerWeek,
                       @Schema(description = "report to first assessment, of the claims first assessed in the period")
                       BigDecimal averageCycleHours,
                       @Schema(description = "assessments above the adjuster's authority over all") BigDecimal aboveAuthorityShare) {
    }

    private final MongoTemplate mongo;
    private final MongoCommitLogEngine engine;
    private final AnalyticsFold fold;
    private final ZoneId zone;

    private final LiveLedger live;

    /**
     * @param passed  how far the analytics projection has got (its position, -1 when unknown): the
     *                figures as they stand now are kept, and read again only past it
     * @param cutting whether a blue/green cut-over is under way or recent (see {@link LiveLedger})
     */
    AnalyticsReports(MongoTemplate mongo, MongoCommitLogEngine engine, AnalyticsFold fold, ZoneId zone,
                     java.util.function.LongSupplier passed, java.util.function.BooleanSupplier cutting) {
        this.mongo = mongo;
        this.engine = engine;
        this.fold = fold;
        this.zone = zone;
        this.live = new LiveLedger(mongo, passed, cutting);
    }

    static List<Period> periods(LocalDate from, LocalDate to, GroupBy groupBy) {
        List<Period> periods = new ArrayList<>();
        LocalDate start = from;
        while (!start.isAfter(to)) {
            LocalDate natural = switch (groupBy) {
                case DAY -> start;
                case WEEK -> start.with(TemporalAdjusters.nextOrSame(DayOfWeek.SUNDAY));
                case MONTH -> start.with(TemporalAdjusters.lastDayOfMonth());
            };
            LocalDate end = natural.isAfter(to) ? to : natural;
            String label = switch (groupBy) {
                case DAY -> start.toString();
                case WEEK -> String.format("%d-W%02d", start.get(IsoFields.WEEK_BASED_YEAR),
                        start.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
                case MONTH -> start.toString().substring(0, 7);
            };
            periods.add(new Period(label, start, end));
            if (periods.size() > MAX_PERIODS) {
                return null;
            }
            start = end.plusDays(1);
        }
        return periods;
    }

    static int maxPeriods() {
        return MAX_PERIODS;
    }

    // ------------------------------------------------------------------ what the store knew

    /**
     * The work done on the figures as known at {@code asOf}, or now (null). Now: the figures kept
     * between reports ({@link LiveLedger}), one report at a time. At a moment: worked out for it,
     * of the events before global position {@code head} (the store's end when the report was
     * asked for: what is appended while it is worked out does not enter it).
     */
    <T> T withLedger(Instant asOf, long head, java.util.function.Function<AnalyticsLedger, T> work) {
        return asOf == null ? live.read(work) : work.apply(ledger(asOf, head));
    }

    /** How many reads of the figures as they stand now, and how many day documents they read. */
    long[] liveReads() {
        return live.readsAndDocuments();
    }

    private AnalyticsLedger ledger(Instant asOf, long head) {
        AnalyticsLedger ledger = new AnalyticsLedger();
        LocalDate day = asOf.atZone(zone).toLocalDate();
        long first = Long.MAX_VALUE;
        for (org.bson.RawBsonDocument recorded : mongo.getCollection(AnalyticsProjection.DAYS)
                .withDocumentClass(org.bson.RawBsonDocument.class).find()) {
            LocalDate when = LocalDate.parse(recorded.getString("day").getValue());
            org.bson.BsonValue firstOfDay = recorded.get("first");
            if (when.isBefore(day)) {
                ledger.addDay(recorded, 1);
            } else if (when.equals(day) && firstOfDay != null && firstOfDay.isNumber()) {
                first = Math.min(first, firstOfDay.asNumber().longValue());
            }
        }
        if (first != Long.MAX_VALUE) {
            foldDay(ledger, first, day, asOf, head);
        }
        return ledger;
    }

    /**
     * The events of {@code day} up to the instant, from the first the projection saw of that day,
     * folded by the projection's own code; each aggregate's facts as its events before told them.
     */
    private void foldDay(AnalyticsLedger ledger, long first, LocalDate day, Instant asOf, long head) {
        Map<String, Facts> facts = new HashMap<>();
        // writers' clocks differ and commits land after their events were stamped, so a day's events
        // are not strictly in position order: read on to the first event two days later
        Instant until = day.plusDays(2).atStartOfDay(zone).toInstant();
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(
                first == 0 ? null : new GlobalSequenceTrackingToken(first - 1), false)) {
            var iterator = events.iterator();
            while (iterator.hasNext()) {
                TrackedEventMessage<?> event = iterator.next();
                long position = event.trackingToken().position().orElse(-1);
                if (!event.getTimestamp().isBefore(until) || position >= head) {
                    break;
                }
                if (event.getTimestamp().isAfter(asOf) || !(event instanceof DomainEventMessage<?> domain)
                        || !AnalyticsFold.folds(domain.getPayloadType())
                        || !event.getTimestamp().atZone(zone).toLocalDate().equals(day)) {
                    continue;
                }
                Facts known = facts.computeIfAbsent(domain.getAggregateIdentifier(),
                        id -> factsBefore(id, domain.getSequenceNumber()));
                for (Delta delta : fold.apply(domain, position, known)) {
                    ledger.add(delta.product(), delta.effective(), delta.metric(), delta.value());
                }
            }
        }
    }

    private Facts factsBefore(String aggregateId, long sequence) {
        Facts facts = new Facts(aggregateId);
        DomainEventStream stream = engine.readEvents(aggregateId);
        while (stream.hasNext()) {
            DomainEventMessage<?> event = stream.next();
            if (event.getSequenceNumber() >= sequence) {
                break;
            }
            if (AnalyticsFold.folds(event.getPayloadType())) {
                fold.apply(event, -1, facts);
            }
        }
        return facts;
    }

    // ------------------------------------------------------------------ the reports

    /** The last day whose figures are known: the moment's day (business time). */
    LocalDate knownUntil(Instant asOf, LocalDate today) {
        return asOf == null ? today : asOf.atZone(zone).toLocalDate();
    }

    List<PortfolioRow> portfolio(AnalyticsLedger ledger, String product, List<Period> periods, LocalDate known) {
        return perProduct(ledger, product, periods, known, AnalyticsReports::portfolioRow);
    }

    private static PortfolioRow portfolioRow(Period period, String product, List<Days> days) {
        long issued = sum(days, d -> d.flow("issued"));
        long renewed = sum(days, d -> d.flow("renewed"));
        long expired = sum(days, d -> d.flow("expired"));
        BigDecimal written = money(sum(days, d -> d.flow("written") + d.flow("renewedWritten")));
        return new PortfolioRow(period.period(), period.start(), period.end(), product, issued, renewed, written,
                issued + renewed == 0 ? null : written.divide(BigDecimal.valueOf(issued + renewed), 2, RoundingMode.HALF_UP),
                earned(days), sum(days, d -> d.stock("inForce")), sum(days, d -> d.flow("lapsed")),
                sum(days, d -> d.flow("reinstated")), sum(days, d -> d.flow("cancelledCoolingOff")),
                sum(days, d -> d.flow("cancelledAfter")), expired, ratio(renewed, renewed + expired),
                money(sum(days, d -> d.flow("refunds"))));
    }

    /** The rows of each period: ALL (when no product is asked for), then each product's. */
    private static <T> List<T> perProduct(AnalyticsLedger ledger, String product, List<Period> periods,
                                          LocalDate known, RowOf<T> rowOf) {
        List<T> rows = new ArrayList<>();
        List<String> products = product != null ? List.of(product) : ledger.products();
        for (Period period : periods) {
            List<Days> all = new ArrayList<>();
            List<T> perProduct = new ArrayList<>();
            for (String each : products) {
                Days days = new Days(ledger.series(each), period, known);
                all.add(days);
                perProduct.add(rowOf.row(period, each, List.of(days)));
            }
            if (product == null) {
                rows.add(rowOf.row(period, ALL, all));
            }
            rows.addAll(perProduct);
        }
        return rows;
    }

    private interface RowOf<T> {
        T row(Period period, String product, List<Days> days);
    }

    private static long sum(List<Days> days, java.util.function.ToLongFunction<Days> figure) {
        return days.stream().mapToLong(figure).sum();
    }

    private static BigDecimal earned(List<Days> days) {
        return BigDecimal.valueOf(sum(days, Days::earnedMillionths)).divide(MILLION, 2, RoundingMode.HALF_UP);
    }

    List<ClaimsRow> claims(AnalyticsLedger ledger, String product, List<Period> periods, LocalDate known) {
        return perProduct(ledger, product, periods, known, AnalyticsReports::claimsRow);
    }

    private static ClaimsRow claimsRow(Period period, String product, List<Days> days) {
        Map<String, Long> reported = new TreeMap<>();
        Map<String, Long> closed = new TreeMap<>();
        Map<String, Long> decisions = new TreeMap<>();
        long open = 0;
        long claimed = 0;
        long approved = 0;
        long paid = 0;
        long requests = 0;
        long reopened = 0;
        for (Days d : days) {
            d.flows("reported.").forEach((k, v) -> reported.merge(k, v, Long::sum));
            d.flows("closed.").forEach((k, v) -> closed.merge(k, v, Long::sum));
            d.flows("decided.").forEach((k, v) -> decisions.merge(k, v, Long::sum));
            open += d.stock("open");
            claimed += d.flow("claimed");
            approved += d.flow("approved");
            paid += d.flow("paid");
            requests += d.flow("materialsRequested");
            reopened += d.flow("reopened");
        }
        long decided = decisions.values().stream().mapToLong(Long::longValue).sum();
        BigDecimal premiumEarned = earned(days);
        BigDecimal paidMoney = money(paid);
        return new ClaimsRow(period.period(), period.start(), period.end(), product,
                reported.values().stream().mapToLong(Long::longValue).sum(), reported, open,
                closed.values().stream().mapToLong(Long::longValue).sum(), closed, decisions,
                ratio(decisions.getOrDefault("APPROVED", 0L) + decisions.getOrDefault("PARTIALLY_APPROVED", 0L), decided),
                money(claimed), money(approved), paidMoney, premiumEarned,
                premiumEarned.signum() <= 0 ? null : paidMoney.divide(premiumEarned, 4, RoundingMode.HALF_UP),
                requests, reopened);
    }

    List<CycleRow> cycleTimes(AnalyticsLedger ledger, String product, List<Period> periods, LocalDate known) {
        return perProduct(ledger, product, periods, known, AnalyticsReports::cycleRow);
    }

    private static CycleRow cycleRow(Period period, String product, List<Days> days) {
        long closed = 0;
        long loops = 0;
        long breached = 0;
        for (Days d : days) {
            closed += d.flows("closed.").values().stream().mapToLong(Long::longValue).sum();
            loops += d.flow("closedLoops");
            breached += d.flow("slaBreached");
        }
        return new CycleRow(period.period(), period.start(), period.end(), product, cycle(days, "ct.first."),
                cycle(days, "ct.decision."), cycle(days, "ct.payment."), closed,
                closed == 0 ? null : BigDecimal.valueOf(loops).divide(BigDecimal.valueOf(closed), 2, RoundingMode.HALF_UP),
                breached);
    }

    private static Cycle cycle(List<Days> days, String prefix) {
        Histogram histogram = new Histogram(AnalyticsFold.CYCLE_DIGITS);
        for (Days d : days) {
            d.flows(prefix).forEach((bucket, count) -> {
                if (count > 0) {
                    histogram.recordValueWithCount(Long.parseLong(bucket.substring(1)), count);
                }
            });
        }
        long count = histogram.getTotalCount();
        return new Cycle(count, count == 0 ? null : hours(histogram.getValueAtPercentile(50)),
                count == 0 ? null : hours(histogram.getValueAtPercentile(90)),
                count == 0 ? null : hours(histogram.getValueAtPercentile(99)));
    }

    private static BigDecimal hours(long seconds) {
        return BigDecimal.valueOf(seconds).divide(BigDecimal.valueOf(3600), 2, RoundingMode.HALF_UP);
    }

    List<AdjusterRow> adjusters(AnalyticsLedger ledger, String product, List<Period> periods, LocalDate known) {
        List<AdjusterRow> rows = new ArrayList<>();
        List<String> products = product != null ? List.of(product) : ledger.products();
        for (Period period : periods) {
            Map<String, long[]> byAdjuster = new TreeMap<>(); // open, decisions, above, cycle seconds, cycles
            for (String each : products) {
                Days days = new Days(ledger.series(each), period, known);
                days.stocks("adj.").forEach((metric, value) -> {
                    if (metric.endsWith(".open")) {
                        adjuster(byAdjuster, metric)[0] += value;
                    }
                });
                days.flows("adj.").forEach((metric, value) -> {
                    long[] figures = adjuster(byAdjuster, metric);
                    String what = metric.substring(metric.lastIndexOf('.') + 1);
                    switch (what) {
                        case "decisions" -> figures[1] += value;
                        case "aboveAuthority" -> figures[2] += value;
                        case "cycleSeconds" -> figures[3] += value;
                        case "cycles" -> figures[4] += value;
                        default -> { }
                    }
                });
            }
            LocalDate last = period.end().isAfter(known) ? known : period.end();
            long days = Math.max(1, ChronoUnit.DAYS.between(period.start(), last) + 1);
            byAdjuster.forEach((adjuster, f) -> {
                if (f[0] == 0 && f[1] == 0) {
                    return; // nothing open, nothing decided
                }
                rows.add(new AdjusterRow(period.period(), period.start(), period.end(), adjuster, f[0], f[1],
                        BigDecimal.valueOf(f[1] * 7).divide(BigDecimal.valueOf(days), 2, RoundingMode.HALF_UP),
                        f[4] == 0 ? null : BigDecimal.valueOf(f[3]).divide(BigDecimal.valueOf(f[4] * 3600L), 2,
                                RoundingMode.HALF_UP), ratio(f[2], f[1])));
            });
        }
        return rows;
    }

    private static long[] adjuster(Map<String, long[]> byAdjuster, String metric) {
        String name = AnalyticsFold.name(metric.substring(0, metric.lastIndexOf('.')));
        return byAdjuster.computeIfAbsent(name, n -> new long[5]);
    }

    static BigDecimal money(long cents) {
        return BigDecimal.valueOf(cents, 2);
    }

    private static BigDecimal ratio(long part, long whole) {
        return whole == 0 ? null : BigDecimal.valueOf(part).divide(BigDecimal.valueOf(whole), 4, RoundingMode.HALF_UP);
    }

    /** One product's days seen from one period: flows inside it, stocks at its end, premium earned in it. */
    private static final class Days {
        private final AnalyticsLedger.Series series;
        private final LocalDate start;
        private final LocalDate last;
        private AnalyticsLedger.Sums sums;

        Days(AnalyticsLedger.Series series, Period period, LocalDate known) {
            this.series = series;
            this.start = period.start();
            this.last = period.end().isAfter(known) ? known : period.end();
        }

        /**
         * Every metric's sum over the period's days, added up once: a row asks for a dozen flows and
         * prefixes, and the ALL row asks again of each product's.
         */
        private AnalyticsLedger.Sums total() {
            if (sums == null) {
                sums = series.ledger().new Sums();
                if (!last.isBefore(start)) {
                    for (AnalyticsLedger.Figures day : series.days(start, last).values()) {
                        day.addTo(sums);
                    }
                }
            }
            return sums;
        }

        long flow(String metric) {
            return total().get(metric);
        }

        /** The flows whose metric starts with the prefix, by the rest of their name. */
        Map<String, Long> flows(String prefix) {
            return total().startingWith(prefix);
        }

        long stock(String metric) {
            return series.stocks(last).get(metric);
        }

        /** The stocks whose metric starts with the prefix, by the rest of their name. */
        Map<String, Long> stocks(String prefix) {
            return series.stocks(last).startingWith(prefix);
        }

        /** Premium earned on the period's known days: each day at the rate in force that day, in millionths. */
        long earnedMillionths() {
            return last.isBefore(start) ? 0 : series.earnedUpTo(last) - series.earnedUpTo(start.minusDays(1));
        }
    }
}
