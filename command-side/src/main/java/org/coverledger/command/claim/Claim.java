package org.coverledger.command.claim;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.events.account.Notices.NoticeType;
import org.coverledger.events.claim.ClaimApi.AssessClaim;
import org.coverledger.events.claim.ClaimApi.AssessmentLine;
import org.coverledger.events.claim.ClaimApi.AssignClaim;
import org.coverledger.events.claim.ClaimApi.ChangePayoutCard;
import org.coverledger.events.claim.ClaimApi.ClaimApproved;
import org.coverledger.events.claim.ClaimApi.ClaimAssessed;
import org.coverledger.events.claim.ClaimApi.ClaimAssigned;
import org.coverledger.events.claim.ClaimApi.ClaimClosed;
import org.coverledger.events.claim.ClaimApi.ClaimPaid;
import org.coverledger.events.claim.ClaimApi.ClaimPayoutFailed;
import org.coverledger.events.claim.ClaimApi.ClaimReopened;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.ClaimWithdrawn;
import org.coverledger.events.claim.ClaimApi.CloseForMissingMaterials;
import org.coverledger.events.claim.ClaimApi.Decision;
import org.coverledger.events.claim.ClaimApi.DecideApproval;
import org.coverledger.events.claim.ClaimApi.MaterialUploaded;
import org.coverledger.events.claim.ClaimApi.MaterialsProvided;
import org.coverledger.events.claim.ClaimApi.MaterialsReminded;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.Outcome;
import org.coverledger.events.claim.ClaimApi.PayClaim;
import org.coverledger.events.claim.ClaimApi.PayoutCardChanged;
import org.coverledger.events.claim.ClaimApi.PayoutRetried;
import org.coverledger.events.claim.ClaimApi.ProvideMaterials;
import org.coverledger.events.claim.ClaimApi.ReasonCode;
import org.coverledger.events.claim.ClaimApi.RemindMaterials;
import org.coverledger.events.claim.ClaimApi.ReopenClaim;
import org.coverledger.events.claim.ClaimApi.RequestMaterials;
import org.coverledger.events.claim.ClaimApi.RetryPayout;
import org.coverledger.events.claim.ClaimApi.SecondApprovalRefused;
import org.coverledger.events.claim.ClaimApi.UploadMaterial;
import org.coverledger.events.claim.ClaimApi.WithdrawClaim;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.NoteClaim;
import org.coverledger.events.policy.ProductCatalogue;
import org.coverledger.privacy.DataSubject;

/**
 * A claim on a policy, from the first notice of loss to its close: materials asked for and sent,
 * the adjuster's assessment, a second approval above the adjuster's authority, the payout
 * (exactly once per key, tried again with back-off, parked for an admin when it keeps failing),
 * withdrawal and reopening. What the policy must agree to (its cover, held on approval and used
 * by the payout) the Policy decides in the same commit ({@link ClaimCovers}); every key step
 * tells the customer in the same commit too ({@link NoticeIssued}).
 */
@Aggregate(cache = "claimCache")
public class Claim {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule());
    private static final Set<String> UNKNOWN_OUTCOMES = Set.of("OUTCOME_UNKNOWN", "ERROR");

    @AggregateIdentifier
    private String claimId;
    @DataSubject
    private String accountId;
    private String claimant;
    private String policyId;
    private String product;
    private ClaimStatus status;
    private LocalDate incidentDate;
    private String incidentType;
    private Money amountClaimed;
    private String payoutCardId;
    private String assignee;
    private final Map<String, String> materialsByHash = new HashMap<>();
    private LocalDate materialsDueOn;
    private boolean reminded;
    private String assessedBy;
    private Money payable;
    private Money paid = Money.cny("0.00");
    private int round;
    private int attempts;
    private final Set<String> unsettledKeys = new LinkedHashSet<>(); // payouts whose outcome was not known
    private Instant closedAt;

    protected Claim() {
    }

    /** Submitted through {@link ClaimSubmission}, assigned and told in the same commit. */
    Claim(ClaimSubmitted submitted, String adjuster, Optional<NoticeIssued> notice) {
        apply(submitted);
        if (adjuster != null) {
            apply(new ClaimAssigned(submitted.claimId(), submitted.accountId(), adjuster, "system", submitted.submittedAt()));
        }
        notice.ifPresent(n -> apply(n));
    }

    // ------------------------------------------------------------------ assignment and materials

    @CommandHandler
    public void handle(AssignClaim command, Caller caller, BusinessCalendar calendar, ClaimRules rules) {
        visibleTo(caller);
        if (!caller.hasAnyRole(Role.ADMIN)) {
            throw new ActionNotPermitted("Only an admin may reassign a claim.");
        }
        requireOpen();
        if (!rules.isAdjuster(command.adjuster())) {
            throw new BusinessRuleViolation("ADJUSTER_UNKNOWN", command.adjuster() + " is not one of the adjusters.");
        }
        if (command.adjuster().equals(assignee)) {
            return;
        }
        apply(new ClaimAssigned(claimId, accountId, command.adjuster(), caller.login(), calendar.now()));
    }

    @CommandHandler
    public ClaimStatus handle(RequestMaterials command, Caller caller, BusinessCalendar calendar, ClaimRules rules,
                       ClaimAccounts accounts) {
        staffOnly(caller, "request materials");
        requireOpen();
        requireStatus("The claim can be asked for materials only before it is decided.",
                ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW, ClaimStatus.MATERIALS_REQUESTED);
        if (command.items().isEmpty()) {
            throw new BusinessRuleViolation("NO_MATERIALS_NAMED", "Name at least one item of material.");
        }
        LocalDate dueOn = calendar.today().plusDays(rules.materialsDueDays());
        apply(new MaterialsRequested(claimId, accountId, command.items(), command.note(), caller.login(),
                calendar.now(), dueOn));
        StringBuilder items = new StringBuilder();
        command.items().forEach(item -> items.append(items.isEmpty() ? "" : "; ").append(item.category())
                .append(item.description() == null ? "" : ": " + item.description()));
        tell(accounts, NoticeType.MATERIALS_REQUEST, "materials-requested:" + dueOn + ":" + calendar.now(),
                "Claim " + shortId() + ": please upload " + items + " by " + dueOn + ". / 理赔 " + shortId()
                        + "：请于 " + dueOn + " 前上传补充材料。", calendar);
        return status;
    }

    /**
     * Records a file stored for the claim; the same bytes (by SHA-256) uploaded again answer the
     * material the claim has, appending nothing.
     */
    @CommandHandler
    public Upload handle(UploadMaterial command, Caller caller, BusinessCalendar calendar, ClaimRules rules) {
        visibleTo(caller);
        String known = materialsByHash.get(command.sha256());
        if (known != null) {
            return new Upload(known, false);
        }
        requireRoomForMaterial(rules);
        apply(new MaterialUploaded(claimId, accountId, command.materialId(), command.category(),
                command.contentType(), command.size(), command.sha256(), command.fileName(), caller.login(),
                calendar.now()));
        return new Upload(command.materialId(), true);
    }

    /** The material the claim holds for an upload, and whether the upload added it. */
    public record Upload(String materialId, boolean created) {
    }

    /** Asked by {@link MaterialSweep}: whether the claim recorded the upload of a stored file. Changes nothing. */
    public record HoldsMaterial(@org.axonframework.modelling.command.TargetAggregateIdentifier String claimId,
                                String materialId) {
    }

    /** Whether the material is one of the claim's (internal: no HTTP path sends this). */
    @CommandHandler
    public boolean handle(HoldsMaterial command) {
        return materialsByHash.containsValue(command.materialId());
    }

    /** Asked before an upload's bytes are stored: whether the claim takes another material. Changes nothing. */
    public record PrepareUpload(@org.axonframework.modelling.command.TargetAggregateIdentifier String claimId) {
    }

    /** The claimant's account, whose key seals the material, if the claim is open and below its limit. */
    @CommandHandler
    public String handle(PrepareUpload command, Caller caller, ClaimRules rules) {
        visibleTo(caller);
        requireRoomForMaterial(rules);
        return accountId;
    }

    /** Open, and below the configured number of materials. */
    private void requireRoomForMaterial(ClaimRules rules) {
        requireOpen();
        if (materialsByHash.size() >= rules.maxMaterials()) {
            throw new BusinessRuleViolation("MATERIALS_LIMIT", "A claim holds at most " + rules.maxMaterials()
                    + " materials.");
        }
    }

    @CommandHandler
    public ClaimStatus handle(ProvideMaterials command, Caller caller, BusinessCalendar calendar, ClaimAccounts accounts) {
        visibleTo(caller);
        requireOpen();
        if (status != ClaimStatus.MATERIALS_REQUESTED) {
            throw new BusinessRuleViolation("NO_MATERIALS_REQUESTED", "No materials are asked for on this claim.");
        }
        apply(new MaterialsProvided(claimId, accountId, caller.login(), calendar.now()));
        tell(accounts, NoticeType.CLAIM_PROGRESS, "materials-provided:" + calendar.now(),
                "Claim " + shortId() + ": your materials are in; the adjuster reviews the claim. / 理赔 " + shortId()
                        + "：材料已收齐，正在审核。", calendar);
        return status;
    }

    @CommandHandler
    public void handle(RemindMaterials command, BusinessCalendar calendar, ClaimAccounts accounts) {
        if (status != ClaimStatus.MATERIALS_REQUESTED || reminded || !command.dueOn().equals(materialsDueOn)) {
            return; // provided, closed, or asked again with a later date since
        }
        apply(new MaterialsReminded(claimId, accountId, materialsDueOn, calendar.now()));
        tell(accounts, NoticeType.MATERIALS_REQUEST, "materials-reminder:" + materialsDueOn,
                "Claim " + shortId() + ": the materials asked for are due on " + materialsDueOn
                        + "; after that the claim closes. / 理赔 " + shortId() + "：补充材料截止日期为 " + materialsDueOn
                        + "，逾期将结案。", calendar);
    }

    @CommandHandler
    public void handle(CloseForMissingMaterials command, BusinessCalendar calendar, ClaimAccounts accounts,
                       ClaimCovers covers) {
        if (status != ClaimStatus.MATERIALS_REQUESTED || !command.dueOn().equals(materialsDueOn)) {
            return;
        }
        close(Outcome.MATERIALS_NOT_PROVIDED, calendar, accounts, covers);
    }

    // ------------------------------------------------------------------ the decision

    /**
     * The adjuster's assessment: each line's approved amount at most what was claimed for it, a
     * reason on every line below its claim. What is payable is the approved total less the
     * product's deductible and what the claim paid before (a reopened claim); nothing payable
     * closes the claim. Above the assessor's authority a second person approves; otherwise the
     * cover is held on the policy in this commit and the payout follows.
     */
    @CommandHandler
    public ClaimStatus handle(AssessClaim command, Caller caller, BusinessCalendar calendar, ClaimRules rules,
                       ClaimAccounts accounts, ClaimCovers covers) {
        staffOnly(caller, "assess a claim");
        requireOpen();
        requireStatus("The claim is decided already.", ClaimStatus.SUBMITTED, ClaimStatus.UNDER_REVIEW,
                ClaimStatus.MATERIALS_REQUESTED);
        if (command.lines().isEmpty()) {
            throw new BusinessRuleViolation("NO_ASSESSMENT_LINES", "An assessment has at least one line.");
        }
        BigDecimal claimed = BigDecimal.ZERO;
        BigDecimal approved = BigDecimal.ZERO;
        boolean allFull = true;
        boolean allDuplicate = true;
        List<ReasonCode> reasons = new ArrayList<>();
        for (int i = 0; i < command.lines().size(); i++) {
            AssessmentLine line = command.lines().get(i);
            int compared = line.approved().amount().compareTo(line.claimed().amount());
            if (compared > 0) {
                throw new BusinessRuleViolation("APPROVED_ABOVE_CLAIMED", "Line " + (i + 1) + " approves more than "
                        + "was claimed for it.");
            }
            if (compared < 0 && line.reasonCode() == null) {
                throw new BusinessRuleViolation("REASON_REQUIRED", "Line " + (i + 1) + " is approved below its "
                        + "claim: give the reason.");
            }
            if (line.reasonCode() != null) {
                reasons.add(line.reasonCode());
            }
            allFull &= compared == 0;
            allDuplicate &= line.reasonCode() == ReasonCode.DUPLICATE;
            claimed = claimed.add(line.claimed().amount());
            approved = approved.add(line.approved().amount());
        }
        Decision decision = approved.signum() == 0 ? Decision.REJECTED
                : allFull ? Decision.APPROVED : Decision.PARTIALLY_APPROVED;
        BigDecimal deductible = deductible();
        Money toPay = Money.cny(approved.subtract(deductible).subtract(paid.amount()).max(BigDecimal.ZERO)
                .setScale(2, java.math.RoundingMode.HALF_UP));
        boolean payNothing = decision == Decision.REJECTED || toPay.amount().signum() == 0;
        boolean second = !payNothing && !caller.hasAnyRole(Role.ADMIN) && toPay.exceeds(rules.authorityOf(caller.login()));
        apply(new ClaimAssessed(claimId, accountId, policyId, linesJson(command.lines()), reasons, decision,
                Money.cny(claimed), Money.cny(approved), Money.cny(deductible), toPay, command.note(), caller.login(),
                second, calendar.now()));
        if (payNothing) {
            Outcome outcome = paid.amount().signum() > 0 ? Outcome.PAID
                    : allDuplicate && decision == Decision.REJECTED ? Outcome.DUPLICATE : Outcome.REJECTED;
            tell(accounts, NoticeType.CLAIM_PROGRESS, "decided:" + calendar.now(), "Claim " + shortId() + " is "
                    + (decision == Decision.REJECTED ? "rejected" : "assessed with nothing left to pay after the deductible")
                    + (reasons.isEmpty() ? "" : ": " + reasons.get(0).words()) + " / 理赔 " + shortId() + " 审核结果："
                    + (decision == Decision.REJECTED ? "拒赔" : "扣除免赔额后无应付金额") + "。", calendar);
            close(outcome, calendar, accounts, covers);
        } else if (second) {
            tell(accounts, NoticeType.CLAIM_PROGRESS, "assessed:" + calendar.now(), "Claim " + shortId() + " is "
                    + "assessed for " + toPay.amount().toPlainString() + " CNY and waits for a second approval. / 理赔 "
                    + shortId() + " 已核定 " + toPay.amount().toPlainString() + " 元，待复核。", calendar);
        } else {
            approve(List.of(caller.login()), calendar, accounts, covers);
        }
        return status;
    }

    /** The second person with authority: another than the assessor, whose own limit covers the payout, or an admin. */
    @CommandHandler
    public ClaimStatus handle(DecideApproval command, Caller caller, BusinessCalendar calendar, ClaimRules rules,
                       ClaimAccounts accounts, ClaimCovers covers) {
        staffOnly(caller, "approve a claim");
        if (status != ClaimStatus.AWAITING_SECOND_APPROVAL) {
            throw new BusinessRuleViolation("NO_APPROVAL_PENDING", "No approval of this claim is waiting.");
        }
        if (caller.login().equals(assessedBy)) {
            throw new BusinessRuleViolation("SAME_APPROVER", "The second approval is by another person than the "
                    + "assessor.");
        }
        if (!caller.hasAnyRole(Role.ADMIN) && payable.exceeds(rules.authorityOf(caller.login()))) {
            throw new BusinessRuleViolation("ABOVE_AUTHORITY", "Approving " + payable.amount().toPlainString()
                    + " needs an adjuster whose limit covers it, or an admin.");
        }
        if (command.approve()) {
            approve(List.of(assessedBy, caller.login()), calendar, accounts, covers);
        } else {
            apply(new SecondApprovalRefused(claimId, accountId, policyId, command.note(), caller.login(), calendar.now()));
        }
        return status;
    }

    private void approve(List<String> approvers, BusinessCalendar calendar, ClaimAccounts accounts, ClaimCovers covers) {
        covers.reserve(policyId, claimId, payable); // refused beyond the cover left: nothing of this commit stays
        apply(new ClaimApproved(claimId, accountId, policyId, payable, approvers, calendar.now()));
        tell(accounts, NoticeType.CLAIM_PROGRESS, "approved:" + calendar.now(), "Claim " + shortId() + " is approved: "
                + payable.amount().toPlainString() + " CNY will be paid to your card. / 理赔 " + shortId() + " 已核准，"
                + payable.amount().toPlainString() + " 元将支付至您的银行卡。", calendar);
    }

    // ------------------------------------------------------------------ the payout

    /**
     * One payout attempt of an approved claim (sent by the settlement process and by the timed
     * retries; anything else is ignored). Payouts whose outcome was not known are looked up first:
     * one that went through is the payment, and while one is still unknown nothing new is tried.
     * The key of the attempt is looked up too, so an attempt cut off between the gateway's answer
     * and this record is not paid again.
     */
    @CommandHandler
    public void handle(PayClaim command, BusinessCalendar calendar, ClaimAccounts accounts, ClaimRules rules,
                       ClaimCovers covers) {
        if (status != ClaimStatus.APPROVED) {
            return;
        }
        int attempt = attempts + 1;
        boolean pending = false;
        for (String key : unsettledKeys) {
            Optional<PaymentGateway.Outcome> earlier = accounts.lookUp(key);
            if (earlier.isPresent() && earlier.get() instanceof PaymentGateway.Succeeded succeeded) {
                paidOut(key, succeeded, calendar, accounts, covers);
                return;
            }
            pending |= earlier.isEmpty() || earlier.get() instanceof PaymentGateway.Unknown;
        }
        String key = "claim:" + claimId + ":payout:" + round + ":" + attempt;
        if (pending) {
            failed(attempt, key, "OUTCOME_PENDING", calendar, accounts, rules);
            return;
        }
        PaymentGateway.Outcome outcome;
        String reason;
        try {
            Optional<PaymentGateway.Outcome> answered = accounts.lookUp(key);
            if (answered.isEmpty()) {
                answered = accounts.pay(key, accountId, payoutCardId, payable, "claim " + claimId);
            }
            outcome = answered.orElse(null);
            reason = outcome == null ? "CARD_UNBOUND" : outcome instanceof PaymentGateway.Declined ? "DECLINED"
                    : outcome instanceof PaymentGateway.Unknown ? "OUTCOME_UNKNOWN" : null;
        } catch (RuntimeException e) {
            outcome = null;
            reason = "ERROR"; // the gateway may have paid: the key is looked up before anything else is tried
        }
        if (outcome instanceof PaymentGateway.Succeeded succeeded) {
            paidOut(key, succeeded, calendar, accounts, covers);
        } else {
            failed(attempt, key, reason, calendar, accounts, rules);
        }
    }

    private void paidOut(String key, PaymentGateway.Succeeded succeeded, BusinessCalendar calendar,
                         ClaimAccounts accounts, ClaimCovers covers) {
        apply(new ClaimPaid(claimId, accountId, policyId, succeeded.amount(), payoutCardId, key, succeeded.reference(),
                calendar.now()));
        tell(accounts, NoticeType.CLAIM_PAYOUT, "paid:" + key, "Claim " + shortId() + ": "
                + succeeded.amount().amount().toPlainString() + " CNY paid to your card ending "
                + accounts.cardEnding(accountId, payoutCardId) + ". / 理赔 " + shortId() + "：已向尾号 "
                + accounts.cardEnding(accountId, payoutCardId) + " 的银行卡支付 "
                + succeeded.amount().amount().toPlainString() + " 元。", calendar);
        close(Outcome.PAID, calendar, accounts, covers);
    }

    private void failed(int attempt, String key, String reason, BusinessCalendar calendar, ClaimAccounts accounts,
                        ClaimRules rules) {
        Instant next = attempt < rules.payoutAttempts() ? calendar.now().plus(rules.pauseAfter(attempt)) : null;
        apply(new ClaimPayoutFailed(claimId, accountId, attempt, key, reason, next, calendar.now()));
        if (next == null) {
            tell(accounts, NoticeType.CLAIM_PAYOUT, "payout-failed:" + key, "Claim " + shortId() + ": the payout to "
                    + "your card could not be made. Check the card or choose another; we will try again. / 理赔 "
                    + shortId() + "：赔款支付失败，请核对或更换收款银行卡。", calendar);
        }
    }

    /** An admin tries a parked payout again: a new round of attempts, with the card the claim has now. */
    @CommandHandler
    public ClaimStatus handle(RetryPayout command, Caller caller, BusinessCalendar calendar) {
        visibleTo(caller);
        if (!caller.hasAnyRole(Role.ADMIN)) {
            throw new ActionNotPermitted("Only an admin may retry a payout.");
        }
        if (status != ClaimStatus.PAYOUT_FAILED) {
            throw new BusinessRuleViolation("PAYOUT_NOT_FAILED", "The claim's payout has not failed.");
        }
        apply(new PayoutRetried(claimId, accountId, round + 1, caller.login(), calendar.now()));
        return status;
    }

    @CommandHandler
    public void handle(ChangePayoutCard command, Caller caller, BusinessCalendar calendar, ClaimAccounts accounts) {
        visibleTo(caller);
        requireOpen();
        accounts.requireCard(accountId, command.payoutCardId());
        if (command.payoutCardId().equals(payoutCardId)) {
            return;
        }
        apply(new PayoutCardChanged(claimId, accountId, command.payoutCardId(), caller.login(), calendar.now()));
    }

    // ------------------------------------------------------------------ withdrawal, close and reopening

    @CommandHandler
    public ClaimStatus handle(WithdrawClaim command, Caller caller, BusinessCalendar calendar, ClaimAccounts accounts,
                       ClaimCovers covers) {
        if (!caller.mayActOn(claimant, Role.ADMIN)) {
            if (caller.hasAnyRole(Role.ADJUSTER, Role.COMPLIANCE)) {
                throw new ActionNotPermitted("Only the customer or an admin may withdraw a claim.");
            }
            throw new UnknownObject("claim", claimId);
        }
        requireOpen();
        if (status == ClaimStatus.APPROVED || status == ClaimStatus.PAYOUT_FAILED) {
            throw new BusinessRuleViolation("CLAIM_BEING_PAID", "The claim is approved and being paid: it can no "
                    + "longer be withdrawn.");
        }
        apply(new ClaimWithdrawn(claimId, accountId, command.reason(), caller.login(), calendar.now()));
        close(Outcome.WITHDRAWN, calendar, accounts, covers);
        return status;
    }

    private void close(Outcome outcome, BusinessCalendar calendar, ClaimAccounts accounts, ClaimCovers covers) {
        covers.settle(policyId, claimId, outcome.name(), paid);
        apply(new ClaimClosed(claimId, accountId, policyId, outcome, paid, calendar.now()));
        String words = switch (outcome) {
            case PAID -> "paid and closed / 已赔付结案";
            case REJECTED -> "closed: rejected / 已拒赔结案";
            case WITHDRAWN -> "withdrawn and closed / 已撤案";
            case MATERIALS_NOT_PROVIDED -> "closed: the materials asked for did not arrive in time / 因未按时补充材料结案";
            case DUPLICATE -> "closed as a duplicate / 因重复报案结案";
        };
        tell(accounts, NoticeType.CLAIM_PROGRESS, "closed:" + calendar.now(), "Claim " + shortId() + " is " + words
                + ".", calendar);
    }

    @CommandHandler
    public ClaimStatus handle(ReopenClaim command, Caller caller, BusinessCalendar calendar, ClaimRules rules,
                       ClaimAccounts accounts, ClaimCovers covers) {
        staffOnly(caller, "reopen a claim");
        if (status != ClaimStatus.CLOSED) {
            throw new BusinessRuleViolation("CLAIM_NOT_CLOSED", "The claim is open.");
        }
        LocalDate closedOn = LocalDate.ofInstant(closedAt, calendar.zone());
        if (calendar.today().isAfter(closedOn.plus(rules.reopenWithin()))) {
            throw new BusinessRuleViolation("REOPEN_PERIOD_OVER", "The claim closed on " + closedOn
                    + ": it can be reopened within " + rules.reopenWithin() + " of its close only.");
        }
        accounts.requireOpen(accountId);
        covers.note(new NoteClaim(policyId, claimId, incidentDate, incidentType, amountClaimed, true));
        apply(new ClaimReopened(claimId, accountId, policyId, command.reason(), caller.login(), calendar.now()));
        tell(accounts, NoticeType.CLAIM_PROGRESS, "reopened:" + calendar.now(), "Claim " + shortId()
                + " is reopened and reviewed again. / 理赔 " + shortId() + " 已重新开启审核。", calendar);
        return status;
    }

    // ------------------------------------------------------------------ what others ask

    /** Until it is closed, a claim binds its account. */
    public boolean isOpen() {
        return status.isOpen();
    }

    /** Whether this is an open claim on the policy (which may then not be cancelled). */
    public boolean isOpenOn(String policy) {
        return isOpen() && policy.equals(policyId);
    }

    // ------------------------------------------------------------------ helpers

    private void visibleTo(Caller caller) {
        if (!caller.mayActOn(claimant, Role.ADJUSTER, Role.ADMIN)) {
            throw new UnknownObject("claim", claimId);
        }
    }

    private void staffOnly(Caller caller, String what) {
        visibleTo(caller);
        if (!caller.hasAnyRole(Role.ADJUSTER, Role.ADMIN)) {
            throw new ActionNotPermitted("Only an adjuster or an admin may " + what + ".");
        }
    }

    private void requireOpen() {
        if (status == ClaimStatus.CLOSED) {
            throw new BusinessRuleViolation("CLAIM_CLOSED", "The claim is closed.");
        }
    }

    private void requireStatus(String otherwise, ClaimStatus... allowed) {
        for (ClaimStatus s : allowed) {
            if (s == status) {
                return;
            }
        }
        throw new BusinessRuleViolation("CLAIM_NOT_IN_REVIEW", otherwise + " It is " + status + ".");
    }

    private BigDecimal deductible() {
        if (product == null) {
            return BigDecimal.ZERO.setScale(2);
        }
        return ProductCatalogue.of(org.coverledger.events.policy.Product.valueOf(product)).deductible();
    }

    private String shortId() {
        return shortId(claimId);
    }

    /** How notices name a claim: the first 8 characters of its id. */
    static String shortId(String claimId) {
        return claimId.length() > 8 ? claimId.substring(0, 8) : claimId;
    }

    private void tell(ClaimAccounts accounts, NoticeType type, String step, String text, BusinessCalendar calendar) {
        accounts.notice(accountId, type, claimId, step, text, calendar).ifPresent(notice -> apply(notice));
    }

    private static String linesJson(List<AssessmentLine> lines) {
        try {
            return JSON.writeValueAsString(lines);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ state

    @EventSourcingHandler
    void on(ClaimSubmitted event) {
        claimId = event.claimId();
        accountId = event.accountId();
        claimant = event.claimant();
        policyId = event.policyId();
        product = event.product();
        incidentDate = event.incidentDate();
        incidentType = event.incidentType();
        amountClaimed = event.amountClaimed();
        payoutCardId = event.payoutCardId();
        status = ClaimStatus.SUBMITTED;
    }

    @EventSourcingHandler
    void on(ClaimAssigned event) {
        assignee = event.adjuster();
    }

    @EventSourcingHandler
    void on(MaterialsRequested event) {
        status = ClaimStatus.MATERIALS_REQUESTED;
        materialsDueOn = event.dueOn();
        reminded = false;
    }

    @EventSourcingHandler
    void on(MaterialUploaded event) {
        materialsByHash.put(event.sha256(), event.materialId());
    }

    @EventSourcingHandler
    void on(MaterialsProvided event) {
        status = ClaimStatus.UNDER_REVIEW;
    }

    @EventSourcingHandler
    void on(MaterialsReminded event) {
        reminded = true;
    }

    @EventSourcingHandler
    void on(ClaimAssessed event) {
        assessedBy = event.assessedBy();
        payable = event.payable();
        if (event.needsSecondApproval()) {
            status = ClaimStatus.AWAITING_SECOND_APPROVAL;
        }
    }

    @EventSourcingHandler
    void on(ClaimApproved event) {
        status = ClaimStatus.APPROVED;
        payable = event.payable();
        round++;
        attempts = 0;
    }

    @EventSourcingHandler
    void on(SecondApprovalRefused event) {
        status = ClaimStatus.UNDER_REVIEW;
    }

    @EventSourcingHandler
    void on(ClaimPayoutFailed event) {
        attempts = Math.max(attempts, event.attempt());
        if (UNKNOWN_OUTCOMES.contains(event.reason())) {
            unsettledKeys.add(event.paymentKey());
        }
        if (event.nextAttemptAt() == null) {
            status = ClaimStatus.PAYOUT_FAILED;
        }
    }

    @EventSourcingHandler
    void on(PayoutRetried event) {
        status = ClaimStatus.APPROVED;
        round = event.round();
        attempts = 0;
    }

    @EventSourcingHandler
    void on(ClaimPaid event) {
        paid = paid.plus(event.amount());
        unsettledKeys.clear();
    }

    @EventSourcingHandler
    void on(PayoutCardChanged event) {
        payoutCardId = event.payoutCardId();
    }

    @EventSourcingHandler
    void on(ClaimClosed event) {
        status = ClaimStatus.CLOSED;
        closedAt = event.at();
    }

    @EventSourcingHandler
    void on(ClaimReopened event) {
        status = ClaimStatus.UNDER_REVIEW;
        closedAt = null;
    }
}
