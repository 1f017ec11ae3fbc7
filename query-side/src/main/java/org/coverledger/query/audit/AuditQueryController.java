package org.coverledger.query.audit;

import org.coverledger.events.common.Caller;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.Role;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/audit")
@Tag(name = "Audit", description = "The immutable audit trail (compliance, admin)")
public class AuditQueryController {

    /** What a reader without a written need for personal data sees in its place. */
    static final String WITHHELD = "[personal data]";

    private final MongoTemplate mongo;
    private final SubjectKeys keys;
    private final AuditKeys auditKeys;

    public AuditQueryController(MongoTemplate mongo, SubjectKeys keys, AuditKeys auditKeys) {
        this.mongo = mongo;
        this.keys = keys;
        this.auditKeys = auditKeys;
    }

    @io.swagger.v3.oas.annotations.media.Schema(name = "AuditPage")
    public record AuditPage(List<AuditEntry> items,
                            @io.swagger.v3.oas.annotations.media.Schema(description = "the page asked for (offset "
                                    + "paging; 0 with after=)") int page,
                            int size,
                            @io.swagger.v3.oas.annotations.media.Schema(description = "entries matching the filters")
                            long total,
                            @io.swagger.v3.oas.annotations.media.Schema(description = "pass as after= for the next "
                                    + "page; absent on the last one") Long next) {
    }

    @GetMapping
    @Operation(summary = "One entry per event, in global order: type, aggregate, sequence, time, actor, request id, "
            + "client IP, payload",
            description = "Filters are exact matches (aggregateId, actor, eventType, correlationId, requestId, clientIp) "
                    + "and a time range (from inclusive, to exclusive). Page with after=: the position of the last "
                    + "entry seen (next in the answer), which holds at millions of entries; page= (offset) is kept "
                    + "for small trails. Personal data in payloads is stored sealed under the customer's key: "
                    + "compliance reads it opened (or \"[erased]\" after an erasure), other readers see "
                    + "\"[personal data]\".")
    public AuditPage entries(@RequestParam(required = false) String aggregateId,
                             @RequestParam(required = false) String actor,
                             @RequestParam(required = false) String eventType,
                             @RequestParam(required = false) String correlationId,
                             @RequestParam(required = false) String requestId,
                             @RequestParam(required = false) String clientIp,
                             @RequestParam(required = false) String from,
                             @RequestParam(required = false) String to,
                             @RequestParam(required = false) String after,
                             @RequestParam(required = false) Integer page,
                             @RequestParam(required = false) Integer size, Caller caller) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        AuditFilter filter = AuditFilter.of(java.util.Arrays.asList(aggregateId, actor, eventType, correlationId,
                requestId, clientIp), from, to, problems);
        Long afterPosition = null;
        if (after != null) {
            try {
                afterPosition = Long.parseLong(after);
            } catch (NumberFormatException e) {
                // below
            }
            if (afterPosition == null || afterPosition < 0) {
                problems.add(new FieldProblem("after", "must be a global position: a whole number, 0 or more"));
            } else if (page != null) {
                problems.add(new FieldProblem("page", "cannot be combined with after"));
            }
        }
        ProblemResponses.throwIfAny(problems);

        List<AuditEntry> found;
        long total;
        java.util.Optional<List<String>> ofAggregate = auditKeys.entriesFor(filter.equal());
        if (ofAggregate.isPresent()) {
            // one aggregate's history, or one request's or correlation's events: by id, filtered and paged here (AuditKeys)
            List<AuditEntry> matching = auditKeys.entries(ofAggregate.get()).stream().filter(filter::matches).toList();
            total = matching.size();
            Long cursor = afterPosition;
            List<AuditEntry> rest = cursor == null ? matching
                    : matching.stream().filter(e -> e.position() != null && e.position() > cursor).toList();
            int skip = afterPosition != null ? 0 : (int) Math.min(rest.size(), paging.offset());
            found = rest.subList(skip, (int) Math.min(rest.size(), skip + (long) paging.size() + 1));
        } else {
            Criteria criteria = filter.criteria();
            total = mongo.count(Query.query(criteria), AuditEntry.class);
            if (afterPosition != null) {
                criteria = criteria.and("position").gt(afterPosition);
            }
            Query query = Query.query(criteria).with(Sort.by("position", "timestamp", "aggregateId", "sequence"))
                    .skip(afterPosition != null ? 0 : paging.offset()).limit(paging.size() + 1);
            found = mongo.find(query, AuditEntry.class);
        }
        boolean more = found.size() > paging.size();
        List<AuditEntry> items = more ? found.subList(0, paging.size()) : found;
        Long next = more && items.get(items.size() - 1).position() != null ? items.get(items.size() - 1).position() : null;
        boolean opened = caller.hasAnyRole(Role.COMPLIANCE);
        AuditAccessFilter.entries(items.size());
        return new AuditPage(items.stream().map(entry -> entry.withPayload(shown(entry.payload(), opened))).toList(),
                afterPosition != null ? 0 : paging.page(), paging.size(), total, next);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> shown(Map<String, Object> payload, boolean opened) {
        Map<String, Object> shown = new LinkedHashMap<>();
        payload.forEach((field, value) -> {
            if (value instanceof String text && SubjectKeys.isSealed(text)) {
                value = opened ? keys.open(text) : WITHHELD;
            } else if (value instanceof Map<?, ?> nested) {
                value = shown((Map<String, Object>) nested, opened);
            }
            shown.put(field, value);
        });
        return shown;
    }

    /** The instants a stored date can hold (MongoDB's dates are milliseconds in 64 bits; years beyond 9999 are no one's). */
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999Z");

    /** ISO-8601 instant, e.g. 2026-11-24T08:00:00Z; from is inclusive, to exclusive. */
    static Instant instant(String name, String value, List<FieldProblem> problems) {
        if (value == null) {
            return null;
        }
        try {
            Instant instant = Instant.parse(value);
            if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
                problems.add(new FieldProblem(name, "must be between " + EARLIEST + " and " + LATEST));
                return null;
            }
            return instant;
        } catch (DateTimeParseException e) {
            problems.add(new FieldProblem(name, "must be an ISO-8601 instant such as 2026-11-24T08:00:00Z"));
            return null;
        }
    }
}
