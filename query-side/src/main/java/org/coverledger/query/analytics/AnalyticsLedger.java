package org.coverledger.query.analytics;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * The figures a report adds up: per product, per effective day, per metric, the sum of what was
 * recorded up to the report's moment. Read from the pre-aggregated day documents (each
 * recorded day taken whole or not at all) plus, for a moment inside a day, what the fold makes of
 * that day's events up to it.
 *
 * <p>Kept for adding up fast: each metric name has a number, and a day's figures are numbers and
 * values side by side ({@link Figures}), so that a period's flows are summed into an array. At
 * 10^6 events a book's day has some 40 figures (histogram buckets, incident types, adjusters),
 * and summing them as maps of names, and copying every day's running stocks, took most of the
 * 20 ms of CPU a claims report cost (ops/BENCHMARKS.md).
 *
 * <p>Filled by one thread at a time; once filled, read by one thread at a time (the reports'
 * {@link Series} keep what they worked out).
 */
final class AnalyticsLedger {

    /** What earns premium: each policy's daily rate (millionths), added on its first day, taken away after its last. */
    static final String EARN_RATE = "earnRate";

    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    /** Per metric number: whether it is a stock (adds up over time). */
    private boolean[] stock = new boolean[64];
    private final Map<String, TreeMap<LocalDate, Figures>> products = new HashMap<>();
    /** Per product, per effective day, the stocks' changes alone: what {@link Series} adds up over time. */
    private final Map<String, TreeMap<LocalDate, Figures>> stockChanges = new HashMap<>();
    /** Per product, per effective day, the change of the rate premium is earned at. */
    private final Map<String, TreeMap<LocalDate, long[]>> rateChanges = new HashMap<>();
    private final Map<String, Series> series = new HashMap<>();
    private final Map<String, LocalDate> dates = new HashMap<>();
    private final Map<String, Prefixed> prefixed = new ConcurrentHashMap<>();

    void add(String product, LocalDate effective, String metric, long value) {
        int id = id(metric);
        products.computeIfAbsent(product, p -> new TreeMap<>())
                .computeIfAbsent(effective, d -> new Figures())
                .add(id, value);
        if (stock[id]) {
            stockChanges.computeIfAbsent(product, p -> new TreeMap<>())
                    .computeIfAbsent(effective, d -> new Figures())
                    .add(id, value);
        } else if (metric.equals(EARN_RATE)) {
            rateChanges.computeIfAbsent(product, p -> new TreeMap<>())
                    .computeIfAbsent(effective, d -> new long[1])[0] += value;
        }
        series.remove(product); // worked out again at its next series(...)
    }

    private int id(String metric) {
        Integer known = ids.get(metric);
        if (known != null) {
            return known;
        }
        int id = names.size();
        names.add(metric);
        ids.put(metric, id);
        if (id == stock.length) {
            stock = Arrays.copyOf(stock, id * 2);
        }
        stock[id] = isStock(metric);
        return id;
    }

    static boolean isStock(String metric) {
        return metric.equals("inForce") || metric.equals("open")
                || metric.startsWith("adj.") && metric.endsWith(".open");
    }

    /** The number of a metric already added, -1 for one never added. */
    int known(String metric) {
        return ids.getOrDefault(metric, -1);
    }

    /** How many metric names have numbers: those numbers are 0 up to it. */
    int metrics() {
        return names.size();
    }

    String name(int metric) {
        return names.get(metric);
    }

    /** The numbers of the metrics whose name starts with the prefix (a report asks for the same few prefixes again and again). */
    int[] startingWith(String prefix) {
        Prefixed known = prefixed.get(prefix);
        if (known != null && known.metrics() == names.size()) {
            return known.ids();
        }
        int[] found = new int[names.size()];
        int n = 0;
        for (int id = 0; id < names.size(); id++) {
            if (names.get(id).startsWith(prefix)) {
                found[n++] = id;
            }
        }
        int[] matching = Arrays.copyOf(found, n);
        prefixed.put(prefix, new Prefixed(names.size(), matching));
        return matching;
    }

    private record Prefixed(int metrics, int[] ids) {
    }

    /**
     * What a day document (a day recorded, a product) adds, by the days it takes effect; with
     * {@code sign} -1, what an earlier version of it added is taken away again (a document only
     * grows by additions, so its later version holds every metric the earlier one did).
     */
    void addDay(BsonDocument recorded, int sign) {
        BsonValue product = recorded.get("product");
        BsonValue effectiveDays = recorded.get("e");
        if (product == null || !product.isString() || effectiveDays == null || !effectiveDays.isDocument()) {
            return;
        }
        String name = product.asString().getValue();
        for (Map.Entry<String, BsonValue> effective : effectiveDays.asDocument().entrySet()) {
            if (effective.getValue().isDocument()) {
                LocalDate day = dates.computeIfAbsent(effective.getKey(), LocalDate::parse);
                flatten(name, day, "", effective.getValue().asDocument(), sign);
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
    List<String> products() {
        return new ArrayList<>(new TreeSet<>(products.keySet()));
    }

    /** The product's figures with what adds up over time, worked out again only after its figures changed. */
    Series series(String product) {
        return series.computeIfAbsent(product, p -> new Series(this, products.getOrDefault(p, new TreeMap<>()),
                stockChanges.getOrDefault(p, new TreeMap<>()), rateChanges.getOrDefault(p, new TreeMap<>())));
    }

    /** One day's figures: metric numbers and their values, side by side, each number once. */
    static final class Figures {
        private int[] metrics = new int[8];
        private long[] values = new long[8];
        private int size;

        void add(int metric, long value) {
            for (int i = 0; i < size; i++) {
                if (metrics[i] == metric) {
                    values[i] += value;
                    return;
                }
            }
            if (size == metrics.length) {
                metrics = Arrays.copyOf(metrics, size * 2);
                values = Arrays.copyOf(values, size * 2);
            }
            metrics[size] = metric;
            values[size++] = value;
        }

        /** Adds these figures to the sums, and marks each of their metrics as there (even at 0). */
        void addTo(Sums sums) {
            for (int i = 0; i < size; i++) {
                sums.values[metrics[i]] += values[i];
                sums.there[metrics[i]] = true;
            }
        }
    }

    /**
     * Figures added up by metric number (a period's flows, or the stocks at a day's end), with
     * which metrics were there at all (a metric added at 0 is there): sized for the metrics
     * numbered when made, so a metric numbered later reads as 0 and not there.
     */
    final class Sums {
        private final long[] values;
        private final boolean[] there;

        /** Empty sums of every metric numbered so far. */
        Sums() {
            this(new long[metrics()], new boolean[metrics()]);
        }

        private Sums(long[] values, boolean[] there) {
            this.values = values;
            this.there = there;
        }

        /** A copy to add more to, sized for every metric numbered so far. */
        Sums copy() {
            return new Sums(Arrays.copyOf(values, metrics()), Arrays.copyOf(there, metrics()));
        }

        long get(String metric) {
            int id = known(metric);
            return id < 0 || id >= values.length ? 0 : values[id];
        }

        /** The sums whose metric starts with the prefix and was there, by the rest of their name. */
        Map<String, Long> startingWith(String prefix) {
            Map<String, Long> found = new TreeMap<>();
            for (int id : AnalyticsLedger.this.startingWith(prefix)) {
                if (id < values.length && there[id]) {
                    found.put(name(id).substring(prefix.length()), values[id]);
                }
            }
            return found;
        }
    }

    /**
     * A product's days with what adds up over time, so that a period's stocks and premium earned
     * are found without adding up every day since the first for each period: premium earned, by
     * the days its rate changed (the rate from each on, and what was earned before it); the stocks
     * (in force, open claims, each adjuster's open claims) at the end of each day a report asked
     * for, each worked out from the nearest such day before it.
     */
    static final class Series {
        private final AnalyticsLedger ledger;
        private final TreeMap<LocalDate, Figures> days;
        private final TreeMap<LocalDate, Figures> stockChanges;
        private final TreeMap<LocalDate, Sums> stocks = new TreeMap<>();
        private final long[] rateDays;
        private final long[] rates;
        private final long[] earnedBefore;

        private Series(AnalyticsLedger ledger, TreeMap<LocalDate, Figures> days, TreeMap<LocalDate, Figures> stockChanges,
                       TreeMap<LocalDate, long[]> rateChanges) {
            this.ledger = ledger;
            this.days = days;
            this.stockChanges = stockChanges;
            int n = rateChanges.size();
            rateDays = new long[n];
            rates = new long[n];
            earnedBefore = new long[n];
            long rate = 0;
            long earned = 0;
            int i = 0;
            for (Map.Entry<LocalDate, long[]> change : rateChanges.entrySet()) {
                long day = change.getKey().toEpochDay();
                if (i > 0) {
                    earned += rate * (day - rateDays[i - 1]);
                }
                rate += change.getValue()[0];
                rateDays[i] = day;
                rates[i] = rate;
                earnedBefore[i] = earned;
                i++;
            }
        }

        AnalyticsLedger ledger() {
            return ledger;
        }

        /** The days with figures from {@code first} to {@code last}, both included. */
        NavigableMap<LocalDate, Figures> days(LocalDate first, LocalDate last) {
            return days.subMap(first, true, last, true);
        }

        /** The stocks at the end of the day. */
        synchronized Sums stocks(LocalDate day) {
            Sums known = stocks.get(day);
            if (known != null) {
                return known;
            }
            Map.Entry<LocalDate, Sums> before = stocks.floorEntry(day);
            Sums running = before == null ? ledger.new Sums() : before.getValue().copy();
            var added = before == null ? stockChanges.headMap(day, true) : stockChanges.subMap(before.getKey(), false, day, true);
            for (Figures change : added.values()) {
                change.addTo(running);
            }
            stocks.put(day, running);
            return running;
        }

        /** Premium earned (millionths) on every day up to and including this one. */
        long earnedUpTo(LocalDate day) {
            long epochDay = day.toEpochDay();
            int at = Arrays.binarySearch(rateDays, epochDay);
            int floor = at >= 0 ? at : -at - 2;
            if (floor < 0) {
                return 0;
            }
            return earnedBefore[floor] + rates[floor] * (epochDay - rateDays[floor] + 1);
        }
    }
}
