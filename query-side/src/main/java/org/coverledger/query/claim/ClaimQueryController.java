package org.coverledger.query.claim;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.Caller;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.platform.ProblemTexts;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

@RestController
@RequestMapping("/api/claims")
@Tag(name = "Claims", description = "Claim list, the adjusters' work queue and each claim's progress")
public class ClaimQueryController {

    static final List<String> STATUSES = Arrays.stream(ClaimStatus.values()).map(Enum::name).toList();
    static final List<String> OPEN_STATUSES = Arrays.stream(ClaimStatus.values()).filter(ClaimStatus::isOpen)
            .map(Enum::name).toList();

    /** A line of the claim list. */
    public record ClaimSummary(String claimId, String policyId, String policyNumber, String product, String claimant,
                               String status, String statusWords, LocalDate incidentDate, String incidentType,
                               Instant submittedAt, String currency, BigDecimal amountClaimed,
                               BigDecimal amountPayable, BigDecimal amountPaid, String assignee, String outcome,
                               Instant lastStepAt) {
        static ClaimSummary of(ClaimProgressView v, Locale locale) {
            return new ClaimSummary(v.claimId(), v.policyId(), v.policyNumber(), v.product(), v.claimant(), v.status(),
                    ClaimWords.status(v.status(), locale), v.incidentDate(), v.incidentType(), v.submittedAt(),
                    v.currency(), v.amountClaimed(), v.assessment() == null ? null : v.assessment().payable(),
                    v.payout() == null ? null : v.payout().paid(), v.assignee(), v.outcome(), v.lastStepAt());
        }
    }

    /** A line of the adjusters' work queue. */
    public record ClaimQueueItem(String claimId, String policyId, String policyNumber, String product, String status,
                            String assignee, Instant submittedAt, Instant lastStepAt,
                            @Schema(description = "business days since the last step") long daysSinceLastStep,
                            Instant firstActionDueBy, Instant firstActionAt,
                            @Schema(description = "the first action of staff came, or is still to come, after its "
                                    + "working-days deadline") boolean slaBreached,
                            ClaimProgress.Actor nextActor, Instant nextDueBy, String currency,
                            BigDecimal amountClaimed) {
    }

    private final MongoTemplate mongo;
    private final FirstActionSla sla;
    private final ClaimProgressStreams streams;
    private final HttpServletRequest request;

    private final org.coverledger.query.audit.ViewReplay replay;

    public ClaimQueryController(MongoTemplate mongo, FirstActionSla sla, ClaimProgressStreams streams,
                                HttpServletRequest request, org.coverledger.query.audit.ViewReplay replay) {
        this.replay = replay;
        this.mongo = mongo;
        this.sla = sla;
        this.streams = streams;
        this.request = request;
    }

    @GetMapping("/{claimId}/progress")
    @Operation(summary = "Where a claim stands, the next step and who takes it by when, materials outstanding, "
            + "amounts, the decision's reasons and the timeline (Accept-Language: zh-CN or English); a customer "
            + "sees only their own; with asOf (an ISO-8601 instant) as it stood then, folded from its events by "
            + "the projection's own code")
    public ClaimProgress progress(@PathVariable String claimId, @RequestParam(required = false) String asOf,
                                  Caller caller) {
        java.time.Instant instant = org.coverledger.query.audit.ViewReplay.instant("asOf", asOf);
        ClaimProgressView view = visible(mongo, claimId, caller);
        if (instant != null) {
            view = replay.<ClaimProgressView>asOf(org.coverledger.query.audit.ViewReplay.Kind.CLAIM, claimId, instant)
                    .orElseThrow(() -> new NotFound("claim", claimId + " at " + asOf));
        }
        return ClaimProgress.of(view, caller, ProblemTexts.localeOf(request), sla);
    }

    @GetMapping("/{claimId}")
    @Operation(summary = "One claim, as its progress page shows it; analysts see personal text withheld")
    public ClaimProgress get(@PathVariable String claimId, Caller caller) {
        return progress(claimId, null, caller);
    }

    @GetMapping(value = "/{claimId}/progress/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "The claim's progress as Server-Sent Events: the current one at once (event "
            + "\"progress\"), then a new one on every change; the stream ends after 5 minutes (reconnect)")
    public SseEmitter follow(@PathVariable String claimId, Caller caller) {
        visible(mongo, claimId, caller); // 404 before the stream starts
        Locale locale = ProblemTexts.localeOf(request);
        return streams.follow(claimId, () -> ClaimProgress.of(visible(mongo, claimId, caller), caller, locale, sla));
    }

    @GetMapping
    @Operation(summary = "Page through claims, newest first, filtered by status, policy, assignee (staff) and the "
            + "day submitted (from/to, inclusive ISO dates, business time); a customer sees only their own")
    public Paging.Page<ClaimSummary> list(@RequestParam(required = false) String status,
                                          @RequestParam(required = false) String policyId,
                                          @RequestParam(required = false) String assignee,
                                          @RequestParam(required = false) String from,
                                          @RequestParam(required = false) String to,
                                          @RequestParam(required = false) Integer page,
                                          @RequestParam(required = false) Integer size, Caller caller) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        if (status != null && !STATUSES.contains(status)) {
            problems.add(new FieldProblem("status", "must be one of " + STATUSES));
        }
        if (assignee != null && caller.isCustomerOnly()) {
            problems.add(new FieldProblem("assignee", "is for staff: a customer's list holds their own claims"));
        }
        LocalDate fromDay = day("from", from, problems);
        LocalDate toDay = day("to", to, problems);
        ProblemResponses.throwIfAny(problems);

        Criteria criteria = caller.isCustomerOnly() ? where("claimant").is(caller.login()) : new Criteria();
        if (status != null) {
            criteria = criteria.and("status").is(status);
        }
        if (policyId != null) {
            criteria = criteria.and("policyId").is(policyId);
        }
        if (assignee != null) {
            criteria = criteria.and("assignee").is(assignee);
        }
        if (fromDay != null && toDay != null) {
            criteria = criteria.and("submittedAt").gte(sla.calendar().startOf(fromDay))
                    .lt(sla.calendar().startOf(toDay.plusDays(1)));
        } else if (fromDay != null) {
            criteria = criteria.and("submittedAt").gte(sla.calendar().startOf(fromDay));
        } else if (toDay != null) {
            criteria = criteria.and("submittedAt").lt(sla.calendar().startOf(toDay.plusDays(1)));
        }
        Query query = Query.query(criteria);
        long total = mongo.count(query, ClaimProgressView.class);
        Locale locale = ProblemTexts.localeOf(request);
        List<ClaimSummary> items = mongo.find(query.with(Sort.by(Sort.Direction.DESC, "submittedAt")
                                .and(Sort.by("_id"))).skip(paging.offset()).limit(paging.size()),
                        ClaimProgressView.class)
                .stream().map(v -> ClaimSummary.of(v, locale)).toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), total);
    }

    @GetMapping("/queue")
    @Operation(summary = "The adjusters' work queue: open claims, oldest first, by assignee and status, with the "
            + "days since the last step and whether the first action's SLA (coverledger.claims."
            + "first-action-working-days working days from submission) is breached")
    public Paging.Page<ClaimQueueItem> queue(@RequestParam(required = false) String assignee,
                                        @RequestParam(required = false) String status,
                                        @RequestParam(required = false) Integer page,
                                        @RequestParam(required = false) Integer size, Caller caller) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        if (status != null && !OPEN_STATUSES.contains(status)) {
            problems.add(new FieldProblem("status", "must be one of the open statuses " + OPEN_STATUSES));
        }
        ProblemResponses.throwIfAny(problems);
        Criteria criteria = where("open").is(true);
        if (assignee != null) {
            criteria = criteria.and("assignee").is(assignee);
        }
        if (status != null) {
            criteria = criteria.and("status").is(status);
        }
        Query query = Query.query(criteria);
        long total = mongo.count(query, ClaimProgressView.class);
        List<ClaimQueueItem> items = mongo.find(query.with(Sort.by("submittedAt").and(Sort.by("_id")))
                        .skip(paging.offset()).limit(paging.size()), ClaimProgressView.class)
                .stream().map(this::queueItem).toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), total);
    }

    ClaimQueueItem queueItem(ClaimProgressView v) {
        ClaimProgress.NextStep next = ClaimProgress.next(v, sla, Locale.ENGLISH, sla.calendar().now());
        Instant last = v.lastStepAt() == null ? v.submittedAt() : v.lastStepAt();
        long days = ChronoUnit.DAYS.between(LocalDate.ofInstant(last, sla.calendar().zone()), sla.calendar().today());
        return new ClaimQueueItem(v.claimId(), v.policyId(), v.policyNumber(), v.product(), v.status(), v.assignee(),
                v.submittedAt(), last, Math.max(0, days), sla.deadline(v.submittedAt()), v.firstActionAt(),
                sla.breached(v.submittedAt(), v.firstActionAt()), next.actor(), next.dueBy(), v.currency(),
                v.amountClaimed());
    }

    /** The claim, if the caller may see it (404 otherwise: a customer sees only their own). */
    static ClaimProgressView visible(MongoTemplate mongo, String claimId, Caller caller) {
        // by _id alone, which the embedded server answers from its index; the owner is checked here
        ClaimProgressView view = mongo.findById(claimId, ClaimProgressView.class);
        if (view == null || caller.isCustomerOnly() && !caller.login().equals(view.claimant())) {
            throw new NotFound("claim", claimId);
        }
        return view;
    }

    private static LocalDate day(String field, String value, List<FieldProblem> problems) {
        if (value == null) {
            return null;
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            problems.add(new FieldProblem(field, "must be a date such as 2027-03-01"));
            return null;
        }
    }
}
