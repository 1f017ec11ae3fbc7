package org.coverledger.query.analytics;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.bson.Document;

/**
 * The figures a report adds up: per product, per effective day, per metric, the sum of what was
 * recorded up to the report's moment. Read from the pre-aggregated month documents (each
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

    /** A month document's days recorded before {@code recordedBefore} (null: all of them). */
    void addMonth(Document month, LocalDate recordedBefore) {
        String product = month.getString("product");
        Document days = month.get("d", Document.class);
        if (days == null || product == null) {
            return;
        }
        for (Map.Entry<String, Object> recorded : days.entrySet()) {
            if (recordedBefore != null && !LocalDate.parse(recorded.getKey()).isBefore(recordedBefore)) {
                continue;
            }
            for (Map.Entry<String, Object> effective : ((Document) recorded.getValue()).entrySet()) {
                LocalDate day = LocalDate.parse(effective.getKey());
                flatten(product, day, "", (Document) effective.getValue());
            }
        }
    }

    private void flatten(String product, LocalDate day, String prefix, Document metrics) {
        for (Map.Entry<String, Object> metric : metrics.entrySet()) {
            if (metric.getValue() instanceof Document nested) {
                flatten(product, day, prefix + metric.getKey() + ".", nested);
            } else if (metric.getValue() instanceof Number number) {
                add(product, day, prefix + metric.getKey(), number.longValue());
            }
        }
    }

    /** The products that have figures, by name. */
    java.util.List<String> products() {
        return new java.util.ArrayList<>(new java.util.TreeSet<>(products.keySet()));
    }

    /** The days of the product that have figures, in order (empty for an unknown product). */
    TreeMap<LocalDate, Map<String, Long>> days(String product) {
        return products.getOrDefault(product, new TreeMap<>());
    }
}
