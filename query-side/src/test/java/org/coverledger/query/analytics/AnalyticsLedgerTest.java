package org.coverledger.query.analytics;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.bson.BsonDocument;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.coverledger.query.analytics.AnalyticsReports.AdjusterRow;
import org.coverledger.query.analytics.AnalyticsReports.ClaimsRow;
import org.coverledger.query.analytics.AnalyticsReports.GroupBy;
import org.coverledger.query.analytics.AnalyticsReports.Period;
import org.coverledger.query.analytics.AnalyticsReports.PortfolioRow;
import org.junit.jupiter.api.Test;

/**
 * The ledger's sums against the plainest way to get them: every figure of every day document
 * added, taken away and added again in random order, then each report's flows, stocks and premium
 * earned worked out by going over every figure ever added, for every period. The ledger keeps
 * metric numbers, running stocks and rate changes, and works them out again only after a
 * product's figures changed; the reference keeps nothing, so a sum the ledger kept too long, a
 * metric it numbered after a report had looked, or a period's edge it got wrong shows as a
 * difference.
 */
class AnalyticsLedgerTest {

    private static final List<String> PRODUCTS = List.of("HEALTH", "AUTO", "LIFE", "PROPERTY");
    private static final LocalDate FIRST = LocalDate.parse("2026-01-01");

    /** One figure as added: product, effective day, metric, value (already signed). */
    private record Figure(String product, LocalDate day, String metric, long value) {
    }

    @Test
    void every_report_equals_the_sums_over_every_figure_added_through_changes_and_takings_away() {
        for (int seed = 1; seed <= 40; seed++) {
            Random random = new Random(seed);
            AnalyticsLedger ledger = new AnalyticsLedger();
            List<Figure> added = new ArrayList<>();
            List<BsonDocument> documents = new ArrayList<>();
            for (int round = 0; round < 6; round++) {
                for (int i = 0; i < 1 + random.nextInt(12); i++) {
                    if (!documents.isEmpty() && random.nextInt(4) == 0) {
                        // a document read again: its earlier version taken away, a grown one added
                        BsonDocument before = documents.remove(random.nextInt(documents.size()));
                        ledger.addDay(before, -1);
                        record(before, -1, added);
                        BsonDocument after = grown(before, random);
                        ledger.addDay(after, 1);
                        record(after, 1, added);
                        documents.add(after);
                    } else {
                        BsonDocument day = document(random, round);
                        ledger.addDay(day, 1);
                        record(day, 1, added);
                        documents.add(day);
                    }
                }
                LocalDate known = FIRST.plusDays(20 + random.nextInt(120));
                GroupBy groupBy = GroupBy.values()[random.nextInt(GroupBy.values().length)];
                LocalDate from = FIRST.minusDays(random.nextInt(20)).plusDays(random.nextInt(40));
                List<Period> periods = AnalyticsReports.periods(from, from.plusDays(30 + random.nextInt(150)), groupBy);
                String product = random.nextInt(3) == 0 ? PRODUCTS.get(random.nextInt(PRODUCTS.size())) : null;
                String as = "seed " + seed + ", round " + round + ", " + groupBy + ", known " + known + ", product " + product;
                compare(ledger, added, periods, known, product, as);
            }
        }
    }

    private static void compare(AnalyticsLedger ledger, List<Figure> added, List<Period> periods, LocalDate known,
                                String product, String as) {
        AnalyticsReports reports = new AnalyticsReports(null, null, null, java.time.ZoneOffset.UTC, () -> -1, () -> false);
        List<PortfolioRow> portfolio = reports.portfolio(ledger, product, periods, known);
        List<ClaimsRow> claims = reports.claims(ledger, product, periods, known);
        List<AdjusterRow> adjusters = reports.adjusters(ledger, product, periods, known);
        int row = 0;
        for (Period period : periods) {
            LocalDate last = period.end().isAfter(known) ? known : period.end();
            List<String> products = new ArrayList<>();
            if (product == null) {
                products.add(AnalyticsReports.ALL);
                products.addAll(new java.util.TreeSet<>(added.stream().map(Figure::product).toList()));
            } else {
                products.add(product);
            }
            for (String each : products) {
                String of = as + ", " + period.period() + " " + each;
                List<Figure> mine = added.stream()
                        .filter(f -> each.equals(AnalyticsReports.ALL) || f.product().equals(each)).toList();
                PortfolioRow policies = portfolio.get(row);
                ClaimsRow claimed = claims.get(row);
                row++;
                assertThat(policies.product()).as(of).isEqualTo(each);
                assertThat(policies.newBusiness()).as(of).isEqualTo(flow(mine, period.start(), last, "issued"));
                assertThat(policies.inForce()).as(of).isEqualTo(stock(mine, last, "inForce"));
                assertThat(policies.premiumEarned()).as(of).isEqualByComparingTo(earned(mine, period.start(), last));
                assertThat(claimed.reportedByIncidentType()).as(of).isEqualTo(flows(mine, period.start(), last, "reported."));
                assertThat(claimed.closedByOutcome()).as(of).isEqualTo(flows(mine, period.start(), last, "closed."));
                assertThat(claimed.open()).as(of).isEqualTo(stock(mine, last, "open"));
            }
            // adjusters: each adjuster's open claims at the period's end, added over the products asked for
            List<Figure> asked = added.stream().filter(f -> product == null || f.product().equals(product)).toList();
            Map<String, Long> open = new TreeMap<>();
            Map<String, Long> decided = new TreeMap<>();
            for (Figure f : asked) {
                if (f.metric().startsWith("adj.") && f.metric().endsWith(".open") && !f.day().isAfter(last)) {
                    open.merge(adjuster(f.metric()), f.value(), Long::sum);
                }
                if (f.metric().startsWith("adj.") && f.metric().endsWith(".decisions") && !f.day().isBefore(period.start())
                        && !f.day().isAfter(last)) {
                    decided.merge(adjuster(f.metric()), f.value(), Long::sum);
                }
            }
            Map<String, long[]> expected = new TreeMap<>();
            open.forEach((name, n) -> expected.computeIfAbsent(name, k -> new long[2])[0] = n);
            decided.forEach((name, n) -> expected.computeIfAbsent(name, k -> new long[2])[1] = n);
            expected.values().removeIf(f -> f[0] == 0 && f[1] == 0);
            Map<String, List<Long>> reported = new TreeMap<>();
            adjusters.stream().filter(r -> r.period().equals(period.period()))
                    .forEach(r -> reported.put(r.adjuster(), List.of(r.openClaims(), r.decisions())));
            Map<String, List<Long>> wanted = new TreeMap<>();
            expected.forEach((name, f) -> wanted.put(name, List.of(f[0], f[1])));
            assertThat(reported).as(as + ", adjusters in " + period.period()).isEqualTo(wanted);
        }
        assertThat(portfolio).hasSize(row);
    }

    private static String adjuster(String metric) {
        return metric.substring("adj.".length(), metric.lastIndexOf('.'));
    }

    private static long flow(List<Figure> figures, LocalDate first, LocalDate last, String metric) {
        return figures.stream().filter(f -> f.metric().equals(metric) && inside(f.day(), first, last))
                .mapToLong(Figure::value).sum();
    }

    private static Map<String, Long> flows(List<Figure> figures, LocalDate first, LocalDate last, String prefix) {
        Map<String, Long> found = new TreeMap<>();
        for (Figure f : figures) {
            if (f.metric().startsWith(prefix) && inside(f.day(), first, last)) {
                found.merge(f.metric().substring(prefix.length()), f.value(), Long::sum);
            }
        }
        return found;
    }

    private static long stock(List<Figure> figures, LocalDate last, String metric) {
        return figures.stream().filter(f -> f.metric().equals(metric) && !f.day().isAfter(last))
                .mapToLong(Figure::value).sum();
    }

    /** Premium earned day by day: on each day, the rates of every change on or before it. */
    private static BigDecimal earned(List<Figure> figures, LocalDate first, LocalDate last) {
        long millionths = 0;
        for (LocalDate day = first; !day.isAfter(last); day = day.plusDays(1)) {
            millionths += stock(figures, day, AnalyticsLedger.EARN_RATE);
        }
        return BigDecimal.valueOf(millionths).divide(BigDecimal.valueOf(1_000_000), 2, RoundingMode.HALF_UP);
    }

    private static boolean inside(LocalDate day, LocalDate first, LocalDate last) {
        return !day.isBefore(first) && !day.isAfter(last);
    }

    /** A day document of a random product: figures on a few effective days, names from growing sets. */
    private static BsonDocument document(Random random, int round) {
        BsonDocument effective = new BsonDocument();
        for (int i = 0; i < 1 + random.nextInt(5); i++) {
            LocalDate day = FIRST.minusDays(30).plusDays(random.nextInt(200));
            effective.put(day.toString(), figures(random, round));
        }
        return new BsonDocument("product", new BsonString(PRODUCTS.get(random.nextInt(PRODUCTS.size()))))
                .append("e", effective);
    }

    private static BsonDocument figures(Random random, int round) {
        BsonDocument figures = new BsonDocument();
        String[] flat = {"issued", "inForce", "open", AnalyticsLedger.EARN_RATE, "written"};
        for (String metric : flat) {
            if (random.nextBoolean()) {
                figures.put(metric, new BsonInt64(random.nextInt(2_000_001) - 1_000_000));
            }
        }
        // later rounds bring names no report has seen yet
        for (String group : List.of("reported", "closed")) {
            BsonDocument names = new BsonDocument();
            for (int i = 0; i < random.nextInt(4); i++) {
                names.put(group.toUpperCase() + "_" + random.nextInt(3 + 3 * round), new BsonInt64(random.nextInt(9)));
            }
            if (!names.isEmpty()) {
                figures.put(group, names);
            }
        }
        BsonDocument adjusters = new BsonDocument();
        for (int i = 0; i < random.nextInt(3); i++) {
            adjusters.put("a" + random.nextInt(2 + 2 * round), new BsonDocument("open", new BsonInt64(random.nextInt(7) - 3))
                    .append("decisions", new BsonInt64(random.nextInt(5))));
        }
        if (!adjusters.isEmpty()) {
            figures.put("adj", adjusters);
        }
        return figures;
    }

    /** A later version of a document: every figure it had, some grown, and maybe a new effective day. */
    private static BsonDocument grown(BsonDocument before, Random random) {
        BsonDocument after = before.clone();
        BsonDocument effective = after.getDocument("e");
        for (String day : effective.keySet()) {
            BsonDocument figures = effective.getDocument(day);
            for (String metric : figures.keySet()) {
                if (figures.get(metric).isInt64() && random.nextBoolean()) {
                    figures.put(metric, new BsonInt64(figures.getInt64(metric).getValue() + random.nextInt(5)));
                }
            }
        }
        if (random.nextBoolean()) {
            effective.put(FIRST.plusDays(random.nextInt(150)).toString(), figures(random, 5));
        }
        return after;
    }

    /** Every figure of the document, flattened as the ledger names them, with the sign. */
    private static void record(BsonDocument day, int sign, List<Figure> added) {
        String product = day.getString("product").getValue();
        for (Map.Entry<String, org.bson.BsonValue> effective : day.getDocument("e").entrySet()) {
            flatten(product, LocalDate.parse(effective.getKey()), "", effective.getValue().asDocument(), sign, added);
        }
    }

    private static void flatten(String product, LocalDate day, String prefix, BsonDocument figures, int sign,
                                List<Figure> added) {
        for (Map.Entry<String, org.bson.BsonValue> figure : figures.entrySet()) {
            if (figure.getValue().isDocument()) {
                flatten(product, day, prefix + figure.getKey() + ".", figure.getValue().asDocument(), sign, added);
            } else {
                added.add(new Figure(product, day, prefix + figure.getKey(), sign * figure.getValue().asInt64().getValue()));
            }
        }
    }
}
