package org.coverledger.query.claim;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.swagger.v3.oas.annotations.media.Schema;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.privacy.PersonalDataSeal;

/**
 * A claim as the caller may see it, in their language: where it stands, the step it is at and
 * the next one, who acts next and by when, the materials asked for and whether they arrived,
 * the amounts, the decision and its reasons, and the timeline. Analysts see personal text
 * (description, notes, file names, assessment items) as {@code [withheld]}; an erased customer's
 * reads {@code [erased]} for everyone.
 */
public record ClaimProgress(String claimId, String policyId, String policyNumber, String product, String accountId,
                            String claimant,
                            @Schema(description = "SUBMITTED, MATERIALS_REQUESTED, UNDER_REVIEW, "
                                    + "AWAITING_SECOND_APPROVAL, APPROVED, PAYOUT_FAILED or CLOSED") String status,
                            @Schema(description = "where the claim stands, in plain words") String statusWords,
                            @Schema(description = "the latest step of the timeline") TimelineStep currentStep,
                            NextStep nextStep, String assignee, LocalDate incidentDate, String incidentType,
                            String description, Instant submittedAt, Amounts amounts, Decision decision,
                            @Schema(description = "the latest materials request; open while the claim waits for it")
                            MaterialsRequest materialsRequest, List<Material> materials, Payout payout,
                            FirstAction firstAction,
                            @Schema(description = "once closed: PAID, REJECTED, WITHDRAWN, MATERIALS_NOT_PROVIDED or "
                                    + "DUPLICATE") String outcome, String outcomeWords, Instant closedAt,
                            List<TimelineStep> timeline,
                            @Schema(description = "the claim's last event applied: changes whenever the claim does")
                            long lastSequence) {

    /** Who acts next: CUSTOMER, ADJUSTER, SECOND_APPROVER, SYSTEM, ADMIN, or NOBODY once closed. */
    public enum Actor { CUSTOMER, ADJUSTER, SECOND_APPROVER, SYSTEM, ADMIN, NOBODY }

    public record NextStep(Actor actor, String words,
                           @Schema(description = "by when: the SLA of the first action, the end of the materials' due "
                                   + "day, or the next payout attempt; none when there is no deadline") Instant dueBy,
                           @Schema(description = "the day materials are due, when asked for") LocalDate dueOn,
                           boolean overdue) {
    }

    public record TimelineStep(long sequence, String step, String words, Instant at, String by,
                               List<ClaimProgressView.Item> items, String note) {
    }

    public record Amounts(String currency, BigDecimal claimed, BigDecimal approved, BigDecimal deductible,
                          BigDecimal payable, BigDecimal paid) {
    }

    public record Reason(String code, String words) {
    }

    public record Line(String item, BigDecimal claimed, BigDecimal approved, Reason reason) {
    }

    public record Decision(String decision, List<Reason> reasons, List<Line> lines, boolean needsSecondApproval,
                           List<String> approvers, String assessedBy, Instant at) {
    }

    public record RequestedItem(String category, String description,
                                @Schema(description = "a material of the category was uploaded since the request")
                                boolean received) {
    }

    public record MaterialsRequest(Instant requestedAt, String requestedBy, LocalDate dueOn, String note,
                                   Instant remindedAt, boolean open, List<RequestedItem> items) {
    }

    public record Material(String materialId, String category, String contentType, long size, String sha256,
                           String fileName, String uploadedBy, Instant at,
                           @Schema(description = "where to download it (not for analysts)") String href) {
    }

    public record Payout(int failedAttempts, String lastFailure, Instant lastFailedAt, Instant nextAttemptAt,
                         Instant cardChangedAt, Instant paidAt, String gatewayReference) {
    }

    /** The SLA of staff's first action: due by, done when and by whom, and whether it was (or is) late. */
    public record FirstAction(Instant dueBy, Instant at, String by, boolean breached) {
    }

    static boolean analystOnly(Caller caller) {
        return caller.roles().equals(Set.of(Role.ANALYST));
    }

    /** The view as the caller may see it, in the locale, judged at the SLA's calendar's now. */
    static ClaimProgress of(ClaimProgressView view, Caller caller, Locale locale, FirstActionSla sla) {
        boolean analyst = analystOnly(caller);
        Instant now = sla.calendar().now();
        List<ClaimProgressView.Step> steps = view.timeline() == null ? List.of() : view.timeline();
        List<TimelineStep> timeline = steps.stream().map(s -> new TimelineStep(s.sequence(), s.step(),
                ClaimWords.step(s.step(), locale), s.at(), s.by(), s.items() == null ? List.of()
                        : s.items().stream().map(i -> new ClaimProgressView.Item(i.category(),
                        personal(i.description(), analyst))).toList(),
                note(s, caller, analyst))).toList();
        List<ClaimProgressView.Material> held = view.materials() == null ? List.of() : view.materials();
        Instant dueBy = sla.deadline(view.submittedAt());
        FirstAction firstAction = new FirstAction(dueBy, view.firstActionAt(), view.firstActionBy(),
                sla.breached(view.submittedAt(), view.firstActionAt()));
        ClaimProgressView.Assessment assessment = view.assessment();
        ClaimProgressView.Payout payout = view.payout();
        return new ClaimProgress(view.claimId(), view.policyId(), view.policyNumber(), view.product(),
                view.accountId(), view.claimant(), view.status(), ClaimWords.status(view.status(), locale),
                timeline.isEmpty() ? null : timeline.get(timeline.size() - 1), next(view, sla, locale, now),
                view.assignee(), view.incidentDate(), view.incidentType(), personal(view.description(), analyst),
                view.submittedAt(), new Amounts(view.currency(), view.amountClaimed(),
                assessment == null ? null : assessment.approvedTotal(),
                assessment == null ? null : assessment.deductible(), assessment == null ? null : assessment.payable(),
                payout == null ? null : payout.paid()),
                assessment == null ? null : decision(assessment, analyst, locale),
                request(view, held, analyst),
                held.stream().map(m -> new Material(m.materialId(), m.category(), m.contentType(), m.size(),
                        m.sha256(), personal(m.fileName(), analyst), m.uploadedBy(), m.at(), analyst ? null
                        : "/api/claims/" + view.claimId() + "/materials/" + m.materialId())).toList(),
                payout == null ? null : new Payout(payout.failedAttempts(), payout.lastFailure(),
                        payout.lastFailedAt(), payout.nextAttemptAt(), payout.cardChangedAt(), payout.paidAt(),
                        payout.gatewayReference()),
                firstAction, view.outcome(), view.outcome() == null ? null : ClaimWords.outcome(view.outcome(), locale),
                view.closedAt(), timeline, view.lastSequence());
    }

    /** Who acts next and by when, from the status. */
    static NextStep next(ClaimProgressView view, FirstActionSla sla, Locale locale, Instant now) {
        ClaimStatus status = ClaimStatus.valueOf(view.status());
        Instant firstActionDue = view.firstActionAt() == null ? sla.deadline(view.submittedAt()) : null;
        ClaimProgressView.Payout payout = view.payout();
        NextStep next = switch (status) {
            case SUBMITTED, UNDER_REVIEW -> new NextStep(Actor.ADJUSTER, ClaimWords.next(status.name(), locale),
                    firstActionDue, null, false);
            case MATERIALS_REQUESTED -> {
                LocalDate dueOn = view.materialsRequest() == null ? null : view.materialsRequest().dueOn();
                yield new NextStep(Actor.CUSTOMER, ClaimWords.next(status.name(), locale),
                        dueOn == null ? null : sla.calendar().startOf(dueOn.plusDays(1)), dueOn, false);
            }
            case AWAITING_SECOND_APPROVAL -> new NextStep(Actor.SECOND_APPROVER,
                    ClaimWords.next(status.name(), locale), null, null, false);
            case APPROVED -> payout != null && payout.nextAttemptAt() != null && payout.paidAt() == null
                    ? new NextStep(Actor.SYSTEM, ClaimWords.next("APPROVED_RETRYING", locale), payout.nextAttemptAt(),
                    null, false)
                    : new NextStep(Actor.SYSTEM, ClaimWords.next(status.name(), locale), null, null, false);
            case PAYOUT_FAILED -> payout != null && payout.cardChangedAt() != null && payout.lastFailedAt() != null
                    && payout.cardChangedAt().isAfter(payout.lastFailedAt())
                    ? new NextStep(Actor.ADMIN, ClaimWords.next("PAYOUT_FAILED_CARD_CHANGED", locale), null, null,
                    false)
                    : new NextStep(Actor.CUSTOMER, ClaimWords.next(status.name(), locale), null, null, false);
            case CLOSED -> new NextStep(Actor.NOBODY, ClaimWords.next(status.name(), locale), null, null, false);
        };
        return next.dueBy() == null || !now.isAfter(next.dueBy()) ? next
                : new NextStep(next.actor(), next.words(), next.dueBy(), next.dueOn(), true);
    }

    private static MaterialsRequest request(ClaimProgressView view, List<ClaimProgressView.Material> held,
                                            boolean analyst) {
        ClaimProgressView.MaterialsRequest request = view.materialsRequest();
        if (request == null) {
            return null;
        }
        List<RequestedItem> items = request.items().stream().map(item -> new RequestedItem(item.category(),
                personal(item.description(), analyst), held.stream().anyMatch(m -> m.category().equals(item.category())
                && !m.at().isBefore(request.requestedAt())))).toList();
        return new MaterialsRequest(request.requestedAt(), request.requestedBy(), request.dueOn(),
                personal(request.note(), analyst), request.remindedAt(),
                ClaimStatus.MATERIALS_REQUESTED.name().equals(view.status()), items);
    }

    private static Decision decision(ClaimProgressView.Assessment a, boolean analyst, Locale locale) {
        return new Decision(a.decision(), a.reasonCodes() == null ? List.of() : a.reasonCodes().stream()
                .map(code -> reason(code, locale)).toList(),
                a.lines() == null ? List.of() : a.lines().stream().map(l -> new Line(personal(l.item(), analyst),
                        l.claimed(), l.approved(), l.reasonCode() == null ? null : reason(l.reasonCode(), locale)))
                        .toList(),
                a.needsSecondApproval(), a.approvers(), a.assessedBy(), a.at());
    }

    private static Reason reason(String code, Locale locale) {
        return new Reason(code, ClaimWords.reason(code, locale));
    }

    /** A step's note: withheld from analysts; the second approver's note stays among staff. */
    private static String note(ClaimProgressView.Step step, Caller caller, boolean analyst) {
        if (caller.isCustomerOnly() && "SECOND_APPROVAL_REFUSED".equals(step.step())) {
            return null;
        }
        return personal(step.note(), analyst);
    }

    static String personal(String value, boolean analyst) {
        if (value == null || PersonalDataSeal.ERASED.equals(value) || !analyst) {
            return value;
        }
        return PersonalDataSeal.WITHHELD;
    }
}
