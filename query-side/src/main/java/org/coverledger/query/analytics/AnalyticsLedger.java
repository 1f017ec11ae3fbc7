package org.coverledger.query.analytics;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The figures a report adds up: per product, per effective day, per metric, the sum of what was
 * recorded up to the report's moment. Read from the pre-aggregated day documents (each
 * recorded day taken whole or not at all) plus, for a moment inside a day, what the fold makes of
 * that day's events up to it.
 */
final class AnalyticsLedger {

    private final Map<String, TreeMap<LocalDate, Map<String, Long>>> products = new HashMap<>();

    void add(String product, LocalDate effective, String metric, long value) {
        products.computeIfAbsent(product, p -> new TreeMap<>())
                .computeIfAbsent(effective, d -> new HashMap<>())
                .merge(metric, value, Long::sum);
    }

    /**
     * What a day document (a day recorded, a product) adds, by the days it takes effect; with
     * {@code sign} -1, what an earlier version of it added is taken away again (a document only
     * grows by additions, so its later version holds every metric the earlier one did). The
     * product's running sums are worked out again at its next {@link #series}.
     */
    void addDay(BsonDocument recorded, int sign) {
        BsonValue product = recorded.get("product");
        BsonValue effectiveDays = recorded.get("e");
        if (product == null || !product.isString() || effectiveDays == null || !effectiveDays.isDocument()) {
            return;
        }
        String name = product.asString().getValue();
        series.remove(name);
        for (Map.Entry<String, BsonValue> effective : effectiveDays.asDocument().entrySet()) {
            if (effective.getValue().isDocument()) {
                flatten(name, LocalDate.parse(effective.getKey()), "", effective.getValue().asDocument(), sign);
            }
        }
    }

    private void flatten(String product, LocalDate day, String prefix, BsonDocument metrics, int sign) {
        for (Map.Entry<String, BsonValue> metric : metrics.entrySet()) {
            BsonValue value = metric.getValue();
            if (value.isDocument()) {
                flatten(product, day, prefix + metric.getKey() + ".", value.asDocument(), sign);
            } else if (value.isNumber()) {
                add(product, day, prefix + metric.getKey(), sign * value.asNumber().longValue());
            }
        }
    }

    /** The products that have figures, by name. */
    java.util.List<String> products() {
        return new java.util.ArrayList<>(new java.util.TreeSet<>(products.keySet()));
    }

    private final Map<String, Series> series = new HashMap<>();

    /** The product's figures with their running sums, worked out once per ledger (a report). */
    Series series(String product) {
        return series.computeIfAbsent(product, p -> new Series(days(p)));
    }

    /**
     * A product's days with what adds up over time, so that a period's stocks and premium earned
     * are found by one look-up instead of adding every day since the first again: at each day with
     * figures, the stocks (in force, open claims, each adjuster's open claims) as they stand after
     * it, the rate earned from it on and what was earned before it.
     */
    static final class Series {
        private final TreeMap<LocalDate, Map<String, Long>> days;
        private final TreeMap<LocalDate, Map<String, Long>> stocks = new TreeMap<>();
        private final TreeMap<LocalDate, long[]> earning = new TreeMap<>();

        Series(TreeMap<LocalDate, Map<String, Long>> days) {
            this.days = days;
            Map<String, Long> running = new HashMap<>();
            long rate = 0;
            long earned = 0;
            LocalDate previous = null;
            for (Map.Entry<LocalDate, Map<String, Long>> day : days.entrySet()) {
                day.getValue().forEach((metric, value) -> {
                    if (isStock(metric)) {
                        running.merge(metric, value, Long::sum);
                    }
                });
                stocks.put(day.getKey(), new HashMap<>(running));
                if (previous != null) {
                    earned += rate * java.time.temporal.ChronoUnit.DAYS.between(previous, day.getKey());
                }
                rate += day.getValue().getOrDefault("earnRate", 0L);
                earning.put(day.getKey(), new long[] {rate, earned});
                previous = day.getKey();
            }
        }

        static boolean isStock(String metric) {
            return metric.equals("inForce") || metric.equals("open")
                    || metric.startsWith("adj.") && metric.endsWith(".open");
        }

        TreeMap<LocalDate, Map<String, Long>> days() {
            return days;
        }

        /** The stocks as they stand at the end of the day. */
        Map<String, Long> stocks(LocalDate day) {
            Map.Entry<LocalDate, Map<String, Long>> at = stocks.floorEntry(day);
            return at == null ? Map.of() : at.getValue();
        }

        /** Premium earned (millionths) on every day up to and including this one. */
        long earnedUpTo(LocalDate day) {
            Map.Entry<LocalDate, long[]> at = earning.floorEntry(day);
            if (at == null) {
                return 0;
            }
            return at.getValue()[1] + at.getValue()[0] * (java.time.temporal.ChronoUnit.DAYS.between(at.getKey(), day) + 1);
        }
    }

    /** The days of the product that have figures, in order (empty for an unknown product). */
    TreeMap<LocalDate, Map<String, Long>> days(String product) {
        return products.getOrDefault(product, new TreeMap<>());
    }
}
