package org.coverledger.query.audit;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.data.mongodb.core.query.Criteria;

/**
 * Which audit entries a query or an export asks for: exact matches on the fields named, and a
 * time range (from inclusive, to exclusive); nothing given: every entry. One type, so that the
 * query (as a MongoDB criteria) and the export (entry by entry) select the same entries.
 */
record AuditFilter(Map<String, String> equal, Instant from, Instant to) {

    /** The fields an entry is matched on exactly, in the order they are reported. */
    static final List<String> FIELDS = List.of("aggregateId", "actor", "eventType", "correlationId", "requestId",
            "clientIp");

    /** The filter of the request's parameters (in {@link #FIELDS} order), its problems added to {@code problems}. */
    static AuditFilter of(List<String> values, String from, String to, List<FieldProblem> problems) {
        Map<String, String> equal = new LinkedHashMap<>();
        for (int i = 0; i < FIELDS.size(); i++) {
            if (values.get(i) != null) {
                equal.put(FIELDS.get(i), values.get(i));
            }
        }
        // MongoDB's dates hold milliseconds: the criteria and matches() cut the bounds the same way
        Instant fromTime = millis(AuditQueryController.instant("from", from, problems));
        Instant toTime = millis(AuditQueryController.instant("to", to, problems));
        if (fromTime != null && toTime != null && toTime.isBefore(fromTime)) {
            problems.add(new FieldProblem("to", "must not be before from"));
        }
        return new AuditFilter(equal, fromTime, toTime);
    }

    private static Instant millis(Instant instant) {
        return instant == null ? null : instant.truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    boolean none() {
        return equal.isEmpty() && from == null && to == null;
    }

    Criteria criteria() {
        Criteria criteria = new Criteria();
        for (Map.Entry<String, String> wanted : equal.entrySet()) {
            criteria = criteria.and(wanted.getKey()).is(wanted.getValue());
        }
        if (from != null || to != null) {
            Criteria time = criteria.and("timestamp");
            if (from != null) {
                time = time.gte(from);
            }
            if (to != null) {
                time = time.lt(to);
            }
        }
        return criteria;
    }

    /** Whether the entry is one the criteria select: a missing value matches no filter value, "" included. */
    boolean matches(AuditEntry entry) {
        Map<String, String> values = new java.util.HashMap<>();
        values.put("aggregateId", entry.aggregateId());
        values.put("actor", entry.actor());
        values.put("eventType", entry.eventType());
        values.put("correlationId", entry.correlationId());
        values.put("requestId", entry.requestId());
        values.put("clientIp", entry.clientIp());
        for (Map.Entry<String, String> wanted : equal.entrySet()) {
            if (!Objects.equals(values.get(wanted.getKey()), wanted.getValue())) {
                return false;
            }
        }
        return (from == null || !entry.timestamp().isBefore(from)) && (to == null || entry.timestamp().isBefore(to));
    }

}
