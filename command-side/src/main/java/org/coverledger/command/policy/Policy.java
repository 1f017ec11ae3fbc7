package org.coverledger.command.policy;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.time.Instant;
import java.time.LocalDate;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.ChangePolicy;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.PolicyApi.EndCover;
import org.coverledger.events.policy.PolicyApi.DecideReinstatement;
import org.coverledger.events.policy.PolicyApi.DecideRenewalReferral;
import org.coverledger.events.policy.PolicyApi.RenewalReferralDecided;
import org.coverledger.events.policy.PolicyApi.RenewalReferred;
import org.coverledger.events.policy.PolicyApi.ReinstatementDecided;
import org.coverledger.events.policy.PolicyApi.ReinstatementReferred;
import org.coverledger.events.policy.PolicyApi.ApprovePolicyChange;
import org.coverledger.events.policy.PolicyApi.PolicyChangeApproved;
import org.coverledger.events.policy.PolicyApi.PolicyChangeRejected;
import org.coverledger.events.policy.PolicyApi.PolicyChangeRequested;
import org.coverledger.events.policy.PolicyApi.RejectPolicyChange;
import org.coverledger.events.policy.PolicyApi.AutoRenewalChosen;
import org.coverledger.events.policy.PolicyApi.ChooseAutoRenewal;
import org.coverledger.events.policy.PolicyApi.PolicyRenewed;
import org.coverledger.events.policy.PolicyApi.RemindRenewal;
import org.coverledger.events.policy.PolicyApi.RenewAutomatically;
import org.coverledger.events.policy.PolicyApi.RenewPolicy;
import org.coverledger.events.policy.PolicyApi.RenewalNoticeSent;
import org.coverledger.events.policy.PolicyApi.ArrearsPaid;
import org.coverledger.events.policy.PolicyApi.CollectInstalment;
import org.coverledger.events.policy.PolicyApi.EndGrace;
import org.coverledger.events.policy.PolicyApi.InstalmentMissed;
import org.coverledger.events.policy.PolicyApi.InstalmentPaid;
import org.coverledger.events.policy.PolicyApi.PolicyLapsed;
import org.coverledger.events.policy.PolicyApi.PolicyReinstated;
import org.coverledger.events.policy.PolicyApi.ReinstatePolicy;
import org.coverledger.events.policy.Product;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.events.policy.PolicyApi.CancelPolicy;
import org.coverledger.events.policy.PolicyApi.PolicyCancelled;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.events.policy.PolicyApi.StartCover;
import org.coverledger.events.policy.PolicyApi.ClaimNoted;
import org.coverledger.events.policy.PolicyApi.ClaimSettled;
import org.coverledger.events.policy.PolicyApi.CoverReleased;
import org.coverledger.events.policy.PolicyApi.CoverReserved;
import org.coverledger.events.policy.PolicyApi.NoteClaim;
import org.coverledger.events.policy.PolicyApi.ReleaseCover;
import org.coverledger.events.policy.PolicyApi.ReserveCover;
import org.coverledger.events.policy.PolicyApi.SettleClaim;
import org.coverledger.events.policy.ProductCatalogue;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/**
 * An insurance policy: issued for an account, changed after review (effective at 00:00 the next
 * business day), and the cover a claim is checked against.
 */
@org.axonframework.serialization.Revision("3") // snapshots of earlier revisions (before terms, plans, statuses, the claims' ledger) are not used
@Aggregate(snapshotTriggerDefinition = "policySnapshotTrigger", cache = "policyCache")
public class Policy {

    @AggregateIdentifier
    private String policyId;
    @DataSubject
    private String accountId; // whose key seals this policy's personal data, in snapshots too
    private String policyholder;
    private LocalDate startDate;
    private LocalDate endDate;
    private Money sumInsured;
    @PersonalData
    private String beneficiary;
    private Status status; // null in a snapshot taken before statuses were kept: see status()
    private PaymentPlan paymentPlan;
    private Money firstPremium; // null for a policy issued before quotes: nothing was collected through the port
    private String paymentReference;
    private Instant issuedAt;
    private String policyNumber;
    private String quoteId;
    private LocalDate lastDayOfCover; // once cancelled: the last day covered, or none when void
    private LocalDate cancelledOn;

    /** Where the policy is in its life, as its events tell it. */
    enum Status { PENDING_START, IN_FORCE, LAPSED, EXPIRED, CANCELLED }

    /** Days after a missed instalment's due date that cover goes on; the policy lapses after them. */
    static final int GRACE_DAYS = 30;
    /** How long after a lapse a policy may be reinstated. */
    static final java.time.Period REINSTATEMENT_PERIOD = java.time.Period.ofYears(2);

    /**
     * One term of cover: its days, yearly premium and plan, the instalment (MONTHLY), what was
     * paid for it and the last day that payment covers.
     */
    record Term(int number, LocalDate from, LocalDate to, Money annualPremium, PaymentPlan plan, Money instalment,
                Money paid, LocalDate paidThrough) {
        Term paying(Money amount, LocalDate through) {
            LocalDate covered = through.isAfter(to) ? to : through;
            return new Term(number, from, to, annualPremium, plan, instalment, paid.plus(amount),
                    covered.isAfter(paidThrough) ? covered : paidThrough);
        }

        boolean contains(LocalDate day) {
            return !day.isBefore(from) && !day.isAfter(to);
        }
    }

    /** Days before the end of a term that renewal opens and the notice goes out. */
    static final int RENEWAL_WINDOW_DAYS = 30;

    /** Days without cover: from a lapse to the day before the reinstatement ({@code to} none while lapsed). */
    record Gap(LocalDate from, LocalDate to) {
        boolean contains(LocalDate day) {
            return !day.isBefore(from) && (to == null || !day.isAfter(to));
        }
    }

    private Product product;
    private java.util.List<Term> terms = new java.util.ArrayList<>(); // the first, then each renewal's
    private java.util.Set<Integer> paidInstalments = new java.util.TreeSet<>(); // MONTHLY: numbered from the first start
    private boolean autoRenewal;
    private PendingChange pendingChange;
    private ReinstatementReferral reinstatementReferral;
    private RenewalReferral renewalReferral; // the latest term's, once its claims referred its renewal
    @PersonalData
    private String contactMobile; // where notices about this policy go, when not the account's mobile

    private int noticeSentForTerm;
    private int missedInstalment; // MONTHLY: the first unpaid instalment past its due date, 0 when none
    private java.util.List<Gap> gaps = new java.util.ArrayList<>();

    /** A claim made on the policy: the term its incident falls in, what it holds of the cover and has paid. */
    record ClaimOnPolicy(LocalDate incidentDate, String incidentType, int term, Money reserved, Money paid,
                         boolean open) {
    }

    private java.util.Map<String, ClaimOnPolicy> claims = new java.util.LinkedHashMap<>();
    /** The sum insured from each day on: the issue's, then each approved change's. */
    private java.util.TreeMap<LocalDate, Money> sumInsuredFrom = new java.util.TreeMap<>();

    protected Policy() {
    }

    /** Issued by {@link PolicyPurchases} with what {@link #decide} made of the command. */
    Policy(PolicyIssued issued, BusinessCalendar calendar) {
        apply(issued);
        if (!calendar.today().isBefore(issued.startDate())) {
            // bought on its start date: 00:00 of it has passed, cover is in force at once
            // (the fields are not set yet: Axon applies a new aggregate's events once it is constructed)
            apply(new PolicyStarted(issued.policyId(), issued.accountId(), issued.startDate(), calendar.now()));
        }
    }

    /**
     * The policy's own rules applied to an issue the caller may make: the event that issues it,
     * or the refusal, thrown before any aggregate exists (so that Axon does not log an expected
     * refusal as a failed creation).
     */
    static PolicyIssued decide(IssuePolicy command, String policyholder) {
        if (!command.endDate().isAfter(command.startDate())) {
            throw new BusinessRuleViolation("COVER_PERIOD_INVALID", "The cover must end after it starts.");
        }
        if (command.sumInsured().belowZero() || command.premium().belowZero()) {
            throw new BusinessRuleViolation("NEGATIVE_AMOUNT", "Sum insured and premium cannot be negative.");
        }
        return new PolicyIssued(command.policyId(), command.policyNumber(), command.accountId(), policyholder,
                command.product(), command.sumInsured(), command.premium(), command.startDate(), command.endDate(),
                command.paymentPlan(), command.quoteId(), command.termsVersion(), command.firstPremium(),
                command.paymentReference(), command.beneficiaries());
    }

    /** A major change waiting for an underwriter. */
    record PendingChange(String changeId, Money sumInsured, String requestedBy) {
    }

    /**
     * A change asked for by the customer (or staff). A new beneficiary is minor and applies at
     * once; a new sum insured is major and waits for an underwriter (one at a time). Refused for
     * a policy that has ended or been cancelled.
     */
    @CommandHandler
    public String handle(ChangePolicy command, Caller caller, BusinessCalendar calendar) {
        requireVisibleTo(caller, Role.UNDERWRITER, Role.ADMIN);
        if (command.beneficiary() == null && command.sumInsured() == null && command.contactMobile() == null) {
            throw new BusinessRuleViolation("NOTHING_TO_CHANGE", "Name a new beneficiary, contact mobile or sum insured.");
        }
        if (endDate.isBefore(calendar.today())) {
            throw new BusinessRuleViolation("POLICY_EXPIRED", "An expired policy cannot be changed.");
        }
        if (status() == Status.CANCELLED || status() == Status.LAPSED) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "A cancelled or lapsed policy cannot be changed.");
        }
        if (command.sumInsured() != null && command.sumInsured().belowZero()) {
            throw new BusinessRuleViolation("NEGATIVE_AMOUNT", "The sum insured cannot be negative.");
        }
        if (command.sumInsured() != null && pendingChange != null) {
            throw new BusinessRuleViolation("CHANGE_PENDING", "A change of the sum insured waits for an underwriter "
                    + "already (" + pendingChange.changeId() + ").");
        }
        if (command.sumInsured() != null && product != null) {
            org.coverledger.events.policy.ProductCatalogue.Range range =
                    org.coverledger.events.policy.ProductCatalogue.of(product).sumInsured();
            if (command.sumInsured().amount().compareTo(range.min()) < 0
                    || command.sumInsured().amount().compareTo(range.max()) > 0) {
                throw new BusinessRuleViolation("PRODUCT_RULES_NOT_MET", "The " + product + " product covers a sum "
                        + "insured from " + range.min() + " to " + range.max() + ".");
            }
        }
        if (command.beneficiary() != null || command.contactMobile() != null) {
            apply(new PolicyChanged(policyId, accountId, command.beneficiary(), null, calendar.now(),
                    command.contactMobile()));
        }
        if (command.sumInsured() != null) {
            apply(new PolicyChangeRequested(policyId, accountId, command.changeId(), sumInsured, command.sumInsured(),
                    caller.login(), calendar.now()));
            return "REFERRED";
        }
        return "APPLIED";
    }

    /** What an approved change came to. */
    public record ChangeDecision(String changeId, Money sumInsured, Instant effectiveFrom, Money annualPremium,
                                 Money premiumDifference, String paymentReference) {
    }

    /**
     * An underwriter (not the one who asked) approves the pending change: the sum insured changes
     * from 00:00 the next day, the yearly premium is the rules' for the new sum, and for an
     * annual plan the difference for the rest of the term is charged to the card of the
     * auto-debit authorization (422 AUTO_DEBIT_REQUIRED without one) or refunded to the card that
     * paid, once per change; a monthly plan pays the new premium in its next instalments.
     */
    @CommandHandler
    public ChangeDecision handle(ApprovePolicyChange command, Caller caller, BusinessCalendar calendar,
                                 PolicyRenewals renewals, PremiumDebits debits, PolicyCancellations refunds) {
        PendingChange change = pendingChangeFor(command.changeId(), caller);
        LocalDate effectiveDay = calendar.today().plusDays(1);
        // the term the change takes effect in, priced as it was: at the insured's age on that term's start
        Term term = termOn(effectiveDay) != null ? termOn(effectiveDay) : terms.isEmpty() ? null : terms.get(terms.size() - 1);
        Money newAnnual = renewals.annualPremium(quoteId, change.sumInsured(), term == null ? startDate : term.from())
                .orElseThrow(() -> new BusinessRuleViolation("CHANGE_NEEDS_QUOTE", "The cover cannot be re-priced (the "
                        + "insured's details were erased or the rules no longer offer it): the customer asks for a new quote."));
        Money difference = Money.cny("0.00");
        String key = null;
        String reference = null;
        if (term != null && term.plan() == PaymentPlan.ANNUAL && !effectiveDay.isAfter(term.to())) {
            long termDays = java.time.temporal.ChronoUnit.DAYS.between(term.from(), term.to()) + 1;
            LocalDate from = effectiveDay.isBefore(term.from()) ? term.from() : effectiveDay;
            long remaining = java.time.temporal.ChronoUnit.DAYS.between(from, term.to()) + 1;
            difference = Money.cny(newAnnual.amount().subtract(term.annualPremium().amount())
                    .multiply(java.math.BigDecimal.valueOf(remaining))
                    .divide(java.math.BigDecimal.valueOf(termDays), 2, java.math.RoundingMode.HALF_UP));
            key = "policy:" + policyId + ":change:" + change.changeId();
            if (difference.amount().signum() > 0) {
                // an earlier attempt that went through is the charge, and what it charged is the difference
                java.util.Optional<PremiumDebits.Attempt> charged = debits.earlier(key);
                if (charged.isEmpty()) {
                    charged = debits.debitNext(key, accountId, difference, "change of policy " + policyNumber);
                }
                if (charged.isEmpty()) {
                    throw new BusinessRuleViolation("AUTO_DEBIT_REQUIRED", "The premium difference of "
                            + difference.amount() + " is charged under the customer's auto-debit authorization, which "
                            + "does not cover it.");
                }
                PaymentGateway.Succeeded paid = succeeded(charged.get().outcome(), "charge");
                key = charged.get().key();
                difference = paid.amount();
                reference = paid.reference();
            } else if (difference.amount().signum() < 0) {
                reference = refunds.refund(key, accountId, paymentReference, Money.cny(difference.amount().negate()),
                        "change of policy " + policyNumber).reference();
            } else {
                key = null;
            }
        }
        Instant effectiveFrom = calendar.startOf(effectiveDay);
        apply(new PolicyChangeApproved(policyId, accountId, change.changeId(), change.sumInsured(), effectiveFrom,
                effectiveDay, newAnnual, difference, key, reference, caller.login(), calendar.now()));
        return new ChangeDecision(change.changeId(), change.sumInsured(), effectiveFrom, newAnnual, difference, reference);
    }

    @CommandHandler
    public void handle(RejectPolicyChange command, Caller caller, BusinessCalendar calendar) {
        PendingChange change = pendingChangeFor(command.changeId(), caller);
        apply(new PolicyChangeRejected(policyId, accountId, change.changeId(), command.reason(), caller.login(),
                calendar.now()));
    }

    private PendingChange pendingChangeFor(String changeId, Caller caller) {
        if (!caller.hasAnyRole(Role.UNDERWRITER, Role.ADMIN)) {
            throw new UnknownObject("policy", policyId);
        }
        if (pendingChange == null || !pendingChange.changeId().equals(changeId)
                || status() != Status.IN_FORCE && status() != Status.PENDING_START) {
            throw new UnknownObject("change", changeId); // decided, withdrawn, or the policy has ended or was cancelled
        }
        if (caller.login().equals(pendingChange.requestedBy())) {
            throw new BusinessRuleViolation("OWN_CHANGE", "Another underwriter decides a change you asked for.");
        }
        return pendingChange;
    }

    /**
     * The timed step at 00:00 of the start date: the policy comes into force. The step may fire
     * more than once (a restart, another instance); only the first changes anything. Before the
     * start date (a clock moved back) it is not due, and the scheduler tries again later.
     */
    @CommandHandler
    public void handle(StartCover command, BusinessCalendar calendar) {
        if (status() != Status.PENDING_START) {
            return;
        }
        if (calendar.today().isBefore(startDate)) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "Cover starts on " + startDate + ".");
        }
        apply(new PolicyStarted(policyId, accountId, startDate, calendar.now()));
    }

    /** The timed step after the last day of cover: a policy not renewed expires, once. */
    @CommandHandler
    public void handle(EndCover command, BusinessCalendar calendar) {
        if (status() == Status.EXPIRED || status() == Status.CANCELLED
                || command.day() != null && !command.day().equals(endDate.plusDays(1))) {
            return; // ended before, or renewed since: the end this step was for has moved on
        }
        if (!calendar.today().isAfter(endDate)) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "Cover ends after " + endDate + ".");
        }
        apply(new PolicyExpired(policyId, accountId, endDate, calendar.now()));
    }

    /** Instalment n (1 at purchase) is due on the start date plus n - 1 months. */
    private LocalDate dueOn(int instalment) {
        return startDate.plusMonths(instalment - 1L);
    }

    /** The instalment due on the day, or 0 when none is. */
    private int instalmentDueOn(LocalDate day) {
        for (int n = 1; !dueOn(n).isAfter(endDate); n++) {
            if (dueOn(n).equals(day)) {
                return n;
            }
        }
        return 0;
    }

    /** The due date of the instalment after {@code instalment}, or none when the term has no more. */
    private LocalDate nextDueAfter(int instalment) {
        LocalDate next = dueOn(instalment + 1);
        return next.isAfter(endDate) ? null : next;
    }

    /** The last instalment due on or before the day. */
    private int lastDueBy(LocalDate day) {
        int n = 1;
        while (!dueOn(n + 1).isAfter(day) && !dueOn(n + 1).isAfter(endDate)) {
            n++;
        }
        return n;
    }

    /**
     * The timed step on an instalment's due date: the instalment is debited under the account's
     * auto-debit authorization, under one key per instalment (an earlier attempt's debit is the
     * debit). Declined, or without an authorization that covers it, the instalment is missed and
     * the grace period begins. Fired again, or for an instalment already settled, or for a policy
     * no longer in force, it does nothing.
     */
    @CommandHandler
    public void handle(CollectInstalment command, BusinessCalendar calendar, PremiumDebits debits) {
        int n = instalmentDueOn(command.dueOn());
        Term term = termOn(command.dueOn());
        if (term == null || term.plan() != PaymentPlan.MONTHLY || n < 2 || paidInstalments.contains(n)
                || missedInstalment != 0 || (status() != Status.IN_FORCE && status() != Status.PENDING_START)) {
            return;
        }
        if (calendar.today().isBefore(command.dueOn())) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "Instalment " + n + " is due on " + command.dueOn() + ".");
        }
        String key = "policy:" + policyId + ":instalment:" + n;
        java.util.Optional<PaymentGateway.Outcome> outcome = debits.debit(key, accountId, term.instalment(),
                "instalment " + n + " of policy " + policyNumber);
        if (outcome.isPresent() && outcome.get() instanceof PaymentGateway.Succeeded paid) {
            apply(new InstalmentPaid(policyId, accountId, n, command.dueOn(), paid.amount(), key, paid.reference(),
                    nextDueAfter(n), calendar.now()));
        } else if (outcome.isPresent() && outcome.get() instanceof PaymentGateway.Unknown) {
            throw new BusinessRuleViolation("PAYMENT_PENDING", "The debit's outcome is not known yet.");
        } else {
            apply(new InstalmentMissed(policyId, accountId, n, command.dueOn(), term.instalment(),
                    outcome.isEmpty() ? "NO_AUTHORIZATION" : "DECLINED", command.dueOn().plusDays(GRACE_DAYS),
                    calendar.now()));
        }
    }

    /**
     * The timed step after a grace period: with the missed instalment still unpaid, the policy
     * lapses. Paid meanwhile, or already lapsed, it does nothing.
     */
    @CommandHandler
    public void handle(EndGrace command, BusinessCalendar calendar) {
        if (missedInstalment == 0 || status() != Status.IN_FORCE && status() != Status.PENDING_START) {
            return;
        }
        int n = missedInstalment;
        LocalDate lastDay = dueOn(n).plusDays(GRACE_DAYS);
        if (!calendar.today().isAfter(lastDay)) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "The grace period runs to the end of " + lastDay + ".");
        }
        apply(new PolicyLapsed(policyId, accountId, n, lastDay, calendar.now()));
    }

    /** What paying the arrears came to. */
    public record Reinstatement(String policyId, boolean wasLapsed, int fromInstalment, int toInstalment, Money amount,
                                String paymentReference, LocalDate nextDueOn, String status, String referralId) {
    }

    enum ReferralState { PENDING, APPROVED, DECLINED }

    /** A reinstatement referred to an underwriter, for the lapse that began on {@code lapsedOn}. */
    record ReinstatementReferral(String referralId, LocalDate lapsedOn, String requestedBy, ReferralState state) {
    }

    /** The renewal of term {@code term} referred by what its claims paid; accepted with a loading, percent. */
    record RenewalReferral(String referralId, int term, String requestedBy, ReferralState state, int loadingPercent) {
    }

    /**
     * An underwriter (not the one who asked) accepts a renewal the term's claims referred, with a
     * loading of 0 to 200 percent on the renewal's premium, or declines it with a reason.
     */
    @CommandHandler
    public void handle(DecideRenewalReferral command, Caller caller, BusinessCalendar calendar) {
        if (!caller.hasAnyRole(Role.UNDERWRITER, Role.ADMIN)) {
            throw new UnknownObject("policy", policyId);
        }
        if (renewalReferral == null || renewalReferral.state() != ReferralState.PENDING
                || !renewalReferral.referralId().equals(command.referralId())
                || status() != Status.IN_FORCE && status() != Status.PENDING_START) {
            throw new UnknownObject("renewal referral", command.referralId());
        }
        if (caller.login().equals(renewalReferral.requestedBy())) {
            throw new BusinessRuleViolation("OWN_CHANGE", "Another underwriter decides a renewal you asked for.");
        }
        int loading = command.loadingPercent() == null ? 0 : command.loadingPercent();
        if (command.accept() && (loading < 0 || loading > 200)) {
            throw new BusinessRuleViolation("LOADING_INVALID", "A loading is from 0 to 200 percent.");
        }
        apply(new RenewalReferralDecided(policyId, accountId, command.referralId(), command.accept(),
                command.accept() ? loading : null, command.accept() ? null : command.reason(), caller.login(),
                calendar.now()));
    }

    /** Whether the term's claims paid more than the share of its sum insured a renewal takes without an underwriter. */
    private boolean claimsReferRenewal(Term term, PolicyRenewals renewals) {
        java.math.BigDecimal limit = sumInsured.amount().multiply(renewals.referralShare());
        return claimsPaidIn(term.number()).amount().compareTo(limit) > 0;
    }

    /** The referral of the term's renewal, if there is one. */
    private RenewalReferral renewalReferralOf(Term term) {
        return renewalReferral != null && renewalReferral.term() == term.number() ? renewalReferral : null;
    }

    /** Refers the term's renewal to an underwriter when its claims call for it and it is not referred yet. */
    private void referRenewalIfDue(Term term, PolicyRenewals renewals, String requestedBy, BusinessCalendar calendar) {
        if (renewalReferralOf(term) != null || !claimsReferRenewal(term, renewals)) {
            return;
        }
        String referralId = java.util.UUID.nameUUIDFromBytes(("renewal:" + policyId + ":" + term.number())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
        apply(new RenewalReferred(policyId, accountId, referralId, term.number(), claimsPaidIn(term.number()),
                sumInsured, renewals.referralShare(), requestedBy, calendar.now()));
    }

    /** An underwriter (not the one who asked) approves or declines a referred reinstatement. */
    @CommandHandler
    public void handle(DecideReinstatement command, Caller caller, BusinessCalendar calendar) {
        if (!caller.hasAnyRole(Role.UNDERWRITER, Role.ADMIN)) {
            throw new UnknownObject("policy", policyId);
        }
        if (reinstatementReferral == null || reinstatementReferral.state() != ReferralState.PENDING
                || !reinstatementReferral.referralId().equals(command.referralId()) || status() != Status.LAPSED) {
            throw new UnknownObject("reinstatement referral", command.referralId());
        }
        if (caller.login().equals(reinstatementReferral.requestedBy())) {
            throw new BusinessRuleViolation("OWN_CHANGE", "Another underwriter decides a reinstatement you asked for.");
        }
        apply(new ReinstatementDecided(policyId, accountId, command.referralId(), command.approve(),
                command.approve() ? null : command.reason(), caller.login(), calendar.now()));
    }

    /**
     * The customer pays what is due: in the grace period the missed instalments up to today (the
     * policy never left force); once lapsed, within two years and before the term ends, the same
     * brings it back into force from today, HEALTH and LIFE only on a new health declaration
     * that needs no underwriter. Paid from a bound card, exactly once per key.
     */
    @CommandHandler
    public Reinstatement handle(ReinstatePolicy command, Caller caller, BusinessCalendar calendar, PremiumDebits debits) {
        requireVisibleTo(caller, Role.ADMIN);
        LocalDate today = calendar.today();
        boolean lapsed = status() == Status.LAPSED;
        if (missedInstalment == 0 || !lapsed && status() != Status.IN_FORCE && status() != Status.PENDING_START) {
            throw new BusinessRuleViolation("NOTHING_DUE", "Nothing is due on this policy.");
        }
        if (lapsed) {
            LocalDate lapsedOn = gaps.get(gaps.size() - 1).from();
            if (today.isAfter(endDate) || today.isAfter(lapsedOn.plus(REINSTATEMENT_PERIOD))) {
                throw new BusinessRuleViolation("REINSTATEMENT_PERIOD_OVER", "A lapsed policy is reinstated within "
                        + "two years of the lapse and before its term ends (" + endDate + ").");
            }
            if (product == Product.HEALTH || product == Product.LIFE) {
                if (reinstatementReferral != null && reinstatementReferral.state() == ReferralState.DECLINED
                        && reinstatementReferral.lapsedOn().equals(lapsedOn)) {
                    throw new BusinessRuleViolation("REINSTATEMENT_DECLINED", "An underwriter declined to reinstate "
                            + "this policy; ask for a new quote.");
                }
                boolean approved = reinstatementReferral != null && reinstatementReferral.state() == ReferralState.APPROVED
                        && reinstatementReferral.lapsedOn().equals(lapsedOn);
                if (reinstatementReferral != null && reinstatementReferral.state() == ReferralState.PENDING) {
                    throw new BusinessRuleViolation("REINSTATEMENT_REFERRED", "The new declaration waits for an "
                            + "underwriter; pay once they have approved it.");
                }
                org.coverledger.events.policy.ProductCatalogue.Assessment health = org.coverledger.events.policy
                        .ProductCatalogue.reassessDeclarations(product, sumInsured.amount(), command.declarations());
                if (health.refused() && !approved) {
                    throw new BusinessRuleViolation("PRODUCT_RULES_NOT_MET", "Answer the health declaration again: "
                            + String.join("; ", health.refusals()) + ".");
                }
                if (!health.referrals().isEmpty() && !approved) {
                    String referralId = java.util.UUID.nameUUIDFromBytes(("reinstatement:" + policyId + ":" + lapsedOn)
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
                    apply(new ReinstatementReferred(policyId, accountId, referralId, "[\"" + String.join("\",\"",
                            health.referrals()) + "\"]", caller.login(), calendar.now()));
                    return new Reinstatement(policyId, true, 0, 0, Money.cny("0.00"), null, null, "REFERRED", referralId);
                }
            }
        }
        int from = missedInstalment;
        String prefix = "policy:" + policyId + ":arrears:" + from;
        // an earlier attempt that went through is the payment, and what it paid says which instalments it settles
        PremiumDebits.Attempt attempt = debits.earlier(prefix).orElse(null);
        if (attempt == null) {
            int due = Math.max(from, lastDueBy(today));
            Money amount = Money.cny("0.00");
            for (int n = from; n <= due; n++) {
                amount = amount.plus(termOn(dueOn(n)).instalment());
            }
            String card = debits.cardToPayFrom(accountId, caller, command.paymentCardId());
            attempt = debits.payNext(prefix, accountId, card, amount, "arrears of policy " + policyNumber);
        }
        String key = attempt.key();
        PaymentGateway.Succeeded paid = succeeded(attempt.outcome(), "payment");
        int to = from;
        Money covered = termOn(dueOn(from)).instalment();
        while (covered.amount().compareTo(paid.amount().amount()) < 0 && !dueOn(to + 1).isAfter(endDate)) {
            to++;
            covered = covered.plus(termOn(dueOn(to)).instalment());
        }
        LocalDate next = nextDueAfter(to);
        if (lapsed) {
            apply(new PolicyReinstated(policyId, accountId, from, to, paid.amount(), key, paid.reference(), today, next,
                    calendar.now()));
        } else {
            apply(new ArrearsPaid(policyId, accountId, from, to, paid.amount(), key, paid.reference(), next,
                    calendar.now()));
        }
        return new Reinstatement(policyId, lapsed, from, to, paid.amount(), paid.reference(), next, "IN_FORCE", null);
    }

    /**
     * The timed step 30 days before a term ends: the customer is told renewal is open, once per
     * term. Nothing for a policy that is no longer in force.
     */
    @CommandHandler
    public void handle(RemindRenewal command, BusinessCalendar calendar, PolicyRenewals renewals) {
        int term = terms.isEmpty() ? 1 : terms.get(terms.size() - 1).number();
        if (noticeSentForTerm >= term || status() != Status.IN_FORCE && status() != Status.PENDING_START
                || calendar.today().isAfter(endDate)) {
            return; // told already, no longer in force, or the term is over (a late step on an old policy)
        }
        if (calendar.today().isBefore(endDate.minusDays(RENEWAL_WINDOW_DAYS))) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "Renewal opens on " + endDate.minusDays(RENEWAL_WINDOW_DAYS) + ".");
        }
        apply(new RenewalNoticeSent(policyId, accountId, term, endDate, calendar.now()));
        renewals.notifyOnceRecorded(accountId, policyNumber, endDate, contactMobile);
        if (!terms.isEmpty()) {
            referRenewalIfDue(terms.get(terms.size() - 1), renewals, org.coverledger.events.common.CommandMetadata.SYSTEM_ACTOR, calendar); // the underwriter has the month
        }
    }

    /**
     * What a renewal came to: RENEWED, or REFERRED to an underwriter ({@code referralId}; the new
     * term's dates, nothing paid).
     */
    public record Renewal(String policyId, int term, LocalDate startDate, LocalDate endDate, Money annualPremium,
                          PaymentPlan paymentPlan, Money firstPremium, String paymentReference, String status,
                          String referralId) {
    }

    /**
     * The customer renews for a further term of the same length from the day after the end, at
     * the premium the rules give now (see {@link PolicyRenewals.Rerating}), paying its first
     * premium from a bound card; open from 30 days before the end to the last day, for a policy in
     * force with nothing owed. Sent again, a renewal already made answers the same.
     */
    @CommandHandler
    public Renewal handle(RenewPolicy command, Caller caller, BusinessCalendar calendar, PolicyRenewals renewals,
                          PremiumDebits debits) {
        requireVisibleTo(caller, Role.ADMIN);
        return renew(command.paymentPlan(), caller.login(), calendar, renewals, debits, (prefix, amount) -> {
            String card = debits.cardToPayFrom(accountId, caller, command.paymentCardId());
            return java.util.Optional.of(debits.payNext(prefix, accountId, card, amount, "renewal of " + policyNumber));
        });
    }

    /**
     * The timed step on the last day of a term: with automatic renewal chosen, the policy renews
     * on the same plan, its first premium debited under the account's authorization. A debit that
     * fails leaves the policy to expire after the day (the customer may still renew until then).
     */
    @CommandHandler
    public void handle(RenewAutomatically command, BusinessCalendar calendar, PolicyRenewals renewals,
                       PremiumDebits debits) {
        Term current = terms.isEmpty() ? null : terms.get(terms.size() - 1);
        // renewed already (the end moved on), or a step of an earlier term: nothing to do
        if (!autoRenewal || current == null || status() != Status.IN_FORCE || calendar.today().isBefore(endDate)) {
            return;
        }
        try {
            renew(current.plan(), null, calendar, renewals, debits, (prefix, amount) -> debits.debitNext(prefix, accountId,
                    amount, "automatic renewal of " + policyNumber));
        } catch (BusinessRuleViolation refused) {
            if ("STEP_NOT_DUE".equals(refused.code()) || "PAYMENT_PENDING".equals(refused.code())) {
                throw refused;
            }
            // declined, no authorization, the rules no longer offer the cover, or an underwriter has not
            // accepted what the term's claims referred: it ends after today
        }
    }

    /** Renews for the customer {@code requestedBy}, or automatically ({@code null}). */
    private Renewal renew(PaymentPlan plan, String requestedBy, BusinessCalendar calendar, PolicyRenewals renewals,
                          PremiumDebits debits,
                          java.util.function.BiFunction<String, Money, java.util.Optional<PremiumDebits.Attempt>> pay) {
        boolean automatic = requestedBy == null;
        LocalDate today = calendar.today();
        if (status() != Status.IN_FORCE && status() != Status.PENDING_START) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "Only a policy in force is renewed.");
        }
        if (missedInstalment != 0) {
            throw new BusinessRuleViolation("ARREARS_OUTSTANDING", "Pay what is due first "
                    + "(POST /api/policies/{id}/reinstatement).");
        }
        if (today.isBefore(endDate.minusDays(RENEWAL_WINDOW_DAYS)) || today.isAfter(endDate)) {
            throw new BusinessRuleViolation(automatic && today.isBefore(endDate) ? "STEP_NOT_DUE" : "RENEWAL_NOT_OPEN",
                    "Renewal is open from "
                    + endDate.minusDays(RENEWAL_WINDOW_DAYS) + " to " + endDate + ".");
        }
        if (terms.isEmpty() || quoteId == null) {
            throw new BusinessRuleViolation("RENEWAL_NEEDS_QUOTE", "This policy was issued before quotes: ask for a "
                    + "new quote to go on.");
        }
        Term current = terms.get(terms.size() - 1);
        LocalDate newStart = endDate.plusDays(1);
        long months = java.time.temporal.ChronoUnit.MONTHS.between(current.from(), current.to().plusDays(1));
        LocalDate newEnd = newStart.plusMonths(months).minusDays(1);
        Money rated = renewals.annualPremium(quoteId, sumInsured, newStart).orElseThrow(() -> new BusinessRuleViolation(
                "RENEWAL_NEEDS_QUOTE", "This cover cannot be renewed as it is (the insured's details or the "
                + "product's rules have changed): ask for a new quote."));
        // claims that paid more than the share of the sum insured: an underwriter decides first
        boolean referredBefore = renewalReferralOf(current) != null;
        referRenewalIfDue(current, renewals, automatic ? org.coverledger.events.common.CommandMetadata.SYSTEM_ACTOR : requestedBy, calendar);
        RenewalReferral referral = renewalReferralOf(current);
        if (referral != null && referral.state() == ReferralState.PENDING) {
            if (referredBefore) {
                throw new BusinessRuleViolation("RENEWAL_REFERRED", "The claims of this term have paid more than "
                        + renewals.referralShare().movePointRight(2).stripTrailingZeros().toPlainString()
                        + " % of the sum insured: an underwriter is looking at the renewal.");
            }
            return new Renewal(policyId, current.number() + 1, newStart, newEnd, null, null, null, null, "REFERRED",
                    referral.referralId());
        }
        if (referral != null && referral.state() == ReferralState.DECLINED) {
            throw new BusinessRuleViolation("RENEWAL_DECLINED", "An underwriter declined to renew this policy after "
                    + "the claims of this term.");
        }
        Money annual = referral == null ? rated : rated.loadedBy(referral.loadingPercent());
        PaymentPlan chosen = plan == null ? current.plan() : plan;
        Money first = chosen == PaymentPlan.MONTHLY ? Money.cny(annual.amount().divide(java.math.BigDecimal.valueOf(12), 2,
                java.math.RoundingMode.HALF_UP)) : annual;
        String prefix = "policy:" + policyId + ":renewal:" + (current.number() + 1);
        // an earlier attempt that went through is the renewal's payment: what it paid says the plan
        java.util.Optional<PremiumDebits.Attempt> outcome = debits.earlier(prefix);
        if (outcome.isEmpty()) {
            if (chosen == PaymentPlan.MONTHLY && !automatic) {
                renewals.requireAutoDebit(accountId, first);
            }
            outcome = pay.apply(prefix, first);
        }
        if (outcome.isEmpty()) {
            throw new BusinessRuleViolation("AUTO_DEBIT_REQUIRED", "No auto-debit authorization covers " + first + ".");
        }
        PaymentGateway.Succeeded paid = succeeded(outcome.get().outcome(), "renewal");
        chosen = paid.amount().amount().compareTo(annual.amount()) == 0 ? PaymentPlan.ANNUAL : PaymentPlan.MONTHLY;
        int term = current.number() + 1;
        LocalDate nextDue = chosen == PaymentPlan.MONTHLY && !newStart.plusMonths(1).isAfter(newEnd)
                ? newStart.plusMonths(1) : null;
        apply(new PolicyRenewed(policyId, accountId, term, newStart, newEnd, annual, chosen, paid.amount(), outcome.get().key(),
                paid.reference(), nextDue, automatic, calendar.now()));
        return new Renewal(policyId, term, newStart, newEnd, annual, chosen, paid.amount(), paid.reference(), "RENEWED",
                null);
    }

    /** Automatic renewal on the same plan, debited under the account's authorization; or not. */
    @CommandHandler
    public void handle(ChooseAutoRenewal command, Caller caller, BusinessCalendar calendar, PolicyRenewals renewals) {
        requireVisibleTo(caller, Role.ADMIN);
        if (status() != Status.IN_FORCE && status() != Status.PENDING_START) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "Only a policy in force is renewed.");
        }
        if (command.enabled() && terms.isEmpty()) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "This policy was issued before quotes and is not "
                    + "renewed automatically.");
        }
        if (command.enabled()) {
            Term current = terms.get(terms.size() - 1);
            renewals.requireAutoDebit(accountId, current.plan() == PaymentPlan.MONTHLY ? current.instalment()
                    : current.annualPremium());
        }
        if (command.enabled() != autoRenewal) {
            apply(new AutoRenewalChosen(policyId, accountId, command.enabled(), calendar.now()));
        }
    }

    /**
     * The payment that went through, or the refusal the customer is told: declined (another card
     * may follow), or not known yet (the same request sent again completes it; nothing is taken twice).
     */
    private static PaymentGateway.Succeeded succeeded(PaymentGateway.Outcome outcome, String what) {
        if (outcome instanceof PaymentGateway.Succeeded paid) {
            return paid;
        }
        if (outcome instanceof PaymentGateway.Declined declined) {
            throw new BusinessRuleViolation("PAYMENT_DECLINED", "The " + what + " was declined: " + declined.reason());
        }
        throw new BusinessRuleViolation("PAYMENT_PENDING", "The " + what + "'s outcome is not known yet. Send the same "
                + "request again in a minute to complete it; nothing is taken twice.");
    }

    /** What a cancellation came to, for the one who asked. */
    public record Cancellation(String policyId, boolean withinCoolingOff, LocalDate lastDayOfCover, Money premiumPaid,
                               Money premiumEarned, Money fee, Money refund, String refundReference) {
    }

    /**
     * The customer (or an admin) cancels. Within the cooling-off period (the day of purchase and
     * the catalogue's {@code coolingOffDays} after it) the policy is void and what was paid comes
     * back whole. Afterwards cover ends after today (or never began, if it was to start later),
     * the premium paid is earned pro rata over the period it paid for (the year, or the month of
     * a monthly instalment), and the rest comes back less the catalogue's fee. Refused while a
     * claim on the policy is open, and for a policy that has ended or was cancelled. The refund
     * goes out through the payment port under one key per policy, before the event is recorded:
     * a cancellation sent again after a failure pays nothing twice.
     */
    @CommandHandler
    public Cancellation handle(CancelPolicy command, Caller caller, BusinessCalendar calendar,
                               PolicyCancellations cancellations) {
        requireVisibleTo(caller, Role.ADMIN);
        LocalDate today = calendar.today();
        if (status() == Status.CANCELLED) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "The policy is cancelled already.");
        }
        if (status() == Status.EXPIRED || today.isAfter(endDate)) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "The policy's cover ended on " + endDate + ".");
        }
        if (status() == Status.LAPSED) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "The policy has lapsed: it has no cover to cancel.");
        }
        if (!openClaims().isEmpty() || cancellations.claimOpenOn(accountId, policyId, claims.keySet())) {
            throw new BusinessRuleViolation("CLAIM_OPEN", "A claim on this policy is open; it is cancelled once "
                    + "the claim is settled or closed.");
        }
        boolean coolingOff = issuedAt != null && !today.isAfter(LocalDate.ofInstant(issuedAt, calendar.zone())
                .plusDays(org.coverledger.events.policy.ProductCatalogue.coolingOffDays()));
        LocalDate lastDay = coolingOff || today.isBefore(startDate) ? null : today;
        // each term's payment is earned pro rata over the days it paid for (a renewal paid ahead earns nothing yet)
        Money paid = Money.cny("0.00");
        java.math.BigDecimal earned = java.math.BigDecimal.ZERO.setScale(2);
        for (Term term : terms) {
            paid = paid.plus(term.paid());
            if (term.paidThrough().isBefore(term.from())) {
                continue; // nothing paid for it
            }
            long periodDays = java.time.temporal.ChronoUnit.DAYS.between(term.from(), term.paidThrough()) + 1;
            long coveredDays = lastDay == null || lastDay.isBefore(term.from()) ? 0
                    : Math.min(periodDays, java.time.temporal.ChronoUnit.DAYS.between(term.from(), lastDay) + 1);
            earned = earned.add(term.paid().amount().multiply(java.math.BigDecimal.valueOf(coveredDays))
                    .divide(java.math.BigDecimal.valueOf(periodDays), 2, java.math.RoundingMode.HALF_UP));
        }
        java.math.BigDecimal unearned = paid.amount().subtract(earned);
        java.math.BigDecimal fee = coolingOff ? java.math.BigDecimal.ZERO.setScale(2)
                : unearned.multiply(java.math.BigDecimal.valueOf(
                        org.coverledger.events.policy.ProductCatalogue.cancellationFeePercent()))
                .divide(java.math.BigDecimal.valueOf(100), 2, java.math.RoundingMode.HALF_UP);
        Money refund = Money.cny(unearned.subtract(fee));
        String key = "policy:" + policyId + ":refund";
        String reference = null;
        if (refund.amount().signum() > 0) {
            PolicyCancellations.Refunded refunded = cancellations.refund(key, accountId, paymentReference, refund,
                    "refund of policy " + policyNumber);
            refund = refunded.amount(); // an earlier attempt's refund is the refund
            reference = refunded.reference();
        }
        apply(new PolicyCancelled(policyId, accountId, today, coolingOff, lastDay, paid, Money.cny(earned),
                Money.cny(fee), refund, reference == null ? null : key, reference, command.reason(), calendar.now()));
        return new Cancellation(policyId, coolingOff, lastDay, paid, Money.cny(earned), Money.cny(fee), refund, reference);
    }

    // ------------------------------------------------------------------ the cover claims draw on

    /** What a claim learns of the policy it is made on. */
    public record ClaimCover(String accountId, String policyholder, Product product, String policyNumber,
                             Money deductible) {
    }

    /**
     * A claim is reported (or, {@code reopening}, opened again): it is noted against the term its
     * incident falls in, in the claim's own commit. A first notice is refused when the policy did
     * not cover the incident date, the product does not cover the incident type, another open claim
     * on the policy is for the same day and type, or the amount claimed is more than the cover
     * left for it (the sum insured in force that day, and the incident type's share of it, less
     * what other claims of the term hold or have paid).
     */
    @CommandHandler
    public ClaimCover handle(NoteClaim command, Caller caller, BusinessCalendar calendar) {
        if (!caller.mayActOn(policyholder, Role.ADJUSTER, Role.ADMIN)) {
            throw unknown(policyId);
        }
        ClaimOnPolicy known = claims.get(command.claimId());
        if (!command.reopening()) {
            holderCovering(command.incidentDate(), caller);
            java.util.List<String> covered = product == null ? java.util.List.of()
                    : ProductCatalogue.of(product).incidentTypes();
            if (!covered.contains(command.incidentType())) {
                throw new BusinessRuleViolation("INCIDENT_TYPE_NOT_COVERED", "A " + product + " policy covers "
                        + String.join(", ", covered) + ", not " + command.incidentType() + ".");
            }
            for (var other : claims.entrySet()) {
                ClaimOnPolicy claim = other.getValue();
                if (claim.open() && !other.getKey().equals(command.claimId())
                        && claim.incidentDate().equals(command.incidentDate())
                        && command.incidentType().equals(claim.incidentType())) {
                    throw new BusinessRuleViolation("DUPLICATE_CLAIM", "Claim " + other.getKey() + " on this policy "
                            + "is open for the same day and incident already.");
                }
            }
            Money remaining = remainingCover(command.incidentDate(), command.incidentType(), command.claimId());
            if (command.amountClaimed().exceeds(remaining)) {
                throw new BusinessRuleViolation("AMOUNT_EXCEEDS_COVER", "The cover left for " + command.incidentType()
                        + " on " + command.incidentDate() + " is " + remaining.amount().toPlainString() + ".");
            }
        }
        if (known == null || !known.open()) {
            LocalDate day = command.incidentDate() != null ? command.incidentDate()
                    : known != null ? known.incidentDate() : startDate;
            String type = command.incidentType() != null ? command.incidentType() : known == null ? null : known.incidentType();
            Term term = termOn(day);
            apply(new ClaimNoted(policyId, accountId, command.claimId(), day, type,
                    command.amountClaimed(), term == null ? 1 : term.number(), command.reopening(), calendar.now()));
        }
        return new ClaimCover(accountId, policyholder, product, policyNumber,
                product == null ? Money.cny("0.00") : Money.cny(ProductCatalogue.of(product).deductible()));
    }

    /**
     * An approval holds {@code amount} of the cover for the claim, in the approval's own commit,
     * so that two claims can never together be approved beyond the cover, however close in time
     * (on two instances too: the second append of this policy's next event is refused, retried
     * against the new state, and then refused here).
     */
    @CommandHandler
    public void handle(ReserveCover command, BusinessCalendar calendar) {
        ClaimOnPolicy claim = claims.get(command.claimId());
        if (claim == null || !claim.open()) {
            throw new IllegalStateException("claim " + command.claimId() + " is not open on policy " + policyId);
        }
        if (claim.reserved().amount().compareTo(command.amount().amount()) == 0) {
            return; // held already
        }
        Money remaining = remainingCover(claim.incidentDate(), claim.incidentType(), command.claimId());
        if (command.amount().exceeds(remaining)) {
            throw new BusinessRuleViolation("COVER_EXCEEDED", "The policy's cover left for this claim is "
                    + remaining.amount().toPlainString() + " (other claims of the term hold or have paid the rest); "
                    + "it can be approved for at most that.");
        }
        apply(new CoverReserved(policyId, accountId, command.claimId(), claim.incidentType(), claim.term(),
                command.amount(), calendar.now()));
    }

    /** What the claim held is free again (its approval was sent back). Nothing when it held nothing. */
    @CommandHandler
    public void handle(ReleaseCover command, BusinessCalendar calendar) {
        ClaimOnPolicy claim = claims.get(command.claimId());
        if (claim == null || claim.reserved().amount().signum() == 0) {
            return;
        }
        apply(new CoverReleased(policyId, accountId, command.claimId(), claim.reserved(), calendar.now()));
    }

    /** The claim closed: what it paid is used for good, the rest of its hold is free. Once per close. */
    @CommandHandler
    public void handle(SettleClaim command, BusinessCalendar calendar, PolicyRenewals renewals) {
        ClaimOnPolicy claim = claims.get(command.claimId());
        if (claim == null || !claim.open()) {
            return; // settled already, or a claim from before the policy kept its claims
        }
        apply(new ClaimSettled(policyId, accountId, command.claimId(), command.outcome(), claim.term(), command.paid(),
                claim.reserved(), calendar.now()));
        Term current = terms.isEmpty() ? null : terms.get(terms.size() - 1);
        if (current != null && claim.term() == current.number() && noticeSentForTerm >= current.number()
                && (status() == Status.IN_FORCE || status() == Status.PENDING_START)) {
            // renewal is open already: the underwriter hears of it now, not when the customer renews
            referRenewalIfDue(current, renewals, org.coverledger.events.common.CommandMetadata.SYSTEM_ACTOR, calendar);
        }
    }

    /** The claims the policy knows to be open (a claim closed a moment ago may still be among them). */
    java.util.List<String> openClaims() {
        return claims.entrySet().stream().filter(e -> e.getValue().open()).map(java.util.Map.Entry::getKey).toList();
    }

    /** What the claims of the term paid, for the renewal's look at the term. */
    Money claimsPaidIn(int term) {
        Money paid = Money.cny("0.00");
        for (ClaimOnPolicy claim : claims.values()) {
            if (claim.term() == term) {
                paid = paid.plus(claim.paid());
            }
        }
        return paid;
    }

    /** The cover left on the day for the incident type, beside what the term's other claims hold or paid. */
    private Money remainingCover(LocalDate day, String incidentType, String exceptClaim) {
        Term term = termOn(day);
        int number = term == null ? 1 : term.number();
        java.math.BigDecimal insured = sumInsuredOn(day).amount();
        java.math.BigDecimal usedAll = java.math.BigDecimal.ZERO;
        java.math.BigDecimal usedType = java.math.BigDecimal.ZERO;
        for (var entry : claims.entrySet()) {
            ClaimOnPolicy claim = entry.getValue();
            if (entry.getKey().equals(exceptClaim) || claim.term() != number) {
                continue;
            }
            java.math.BigDecimal held = claim.reserved().amount().add(claim.paid().amount());
            usedAll = usedAll.add(held);
            if (incidentType != null && incidentType.equals(claim.incidentType())) {
                usedType = usedType.add(held);
            }
        }
        java.math.BigDecimal remaining = insured.subtract(usedAll);
        if (incidentType != null && product != null) {
            for (ProductCatalogue.Coverage coverage : ProductCatalogue.of(product).coverages()) {
                if (coverage.code().equals(incidentType)) {
                    remaining = remaining.min(insured.multiply(coverage.limitShare()).subtract(usedType));
                }
            }
        }
        return Money.cny(remaining.max(java.math.BigDecimal.ZERO).setScale(2, java.math.RoundingMode.DOWN));
    }

    /** The sum insured in force on the day (changes take effect from the day they name). */
    private Money sumInsuredOn(LocalDate day) {
        var entry = day == null ? null : sumInsuredFrom.floorEntry(day);
        if (entry != null) {
            return entry.getValue();
        }
        return sumInsuredFrom.isEmpty() ? sumInsured : sumInsuredFrom.firstEntry().getValue();
    }

    @EventSourcingHandler
    void on(ClaimNoted event) {
        ClaimOnPolicy known = claims.get(event.claimId());
        Money zero = Money.cny("0.00");
        claims.put(event.claimId(), new ClaimOnPolicy(event.incidentDate(), event.incidentType(), event.term(),
                known == null ? zero : known.reserved(), known == null ? zero : known.paid(), true));
    }

    @EventSourcingHandler
    void on(CoverReserved event) {
        ClaimOnPolicy claim = claims.get(event.claimId());
        claims.put(event.claimId(), new ClaimOnPolicy(claim.incidentDate(), claim.incidentType(), claim.term(),
                event.amount(), claim.paid(), claim.open()));
    }

    @EventSourcingHandler
    void on(CoverReleased event) {
        ClaimOnPolicy claim = claims.get(event.claimId());
        claims.put(event.claimId(), new ClaimOnPolicy(claim.incidentDate(), claim.incidentType(), claim.term(),
                Money.cny("0.00"), claim.paid(), claim.open()));
    }

    @EventSourcingHandler
    void on(RenewalReferred event) {
        renewalReferral = new RenewalReferral(event.referralId(), event.term(), event.requestedBy(),
                ReferralState.PENDING, 0);
    }

    @EventSourcingHandler
    void on(RenewalReferralDecided event) {
        renewalReferral = new RenewalReferral(renewalReferral.referralId(), renewalReferral.term(),
                renewalReferral.requestedBy(), event.accepted() ? ReferralState.APPROVED : ReferralState.DECLINED,
                event.loadingPercent() == null ? 0 : event.loadingPercent());
    }

    @EventSourcingHandler
    void on(ClaimSettled event) {
        ClaimOnPolicy claim = claims.get(event.claimId());
        claims.put(event.claimId(), new ClaimOnPolicy(claim.incidentDate(), claim.incidentType(), claim.term(),
                Money.cny("0.00"), event.paid(), false));
    }

    /** A snapshot from before statuses were kept has none: the timed steps are what set it since. */
    private Status status() {
        return status == null ? Status.PENDING_START : status;
    }

    /** Who holds a policy: the account, and the login that owns it. */
    public record Holder(String accountId, String policyholder) {
    }

    /**
     * The holder whose cover includes the incident date, if the caller may claim on this
     * policy. A customer claims on their own policies only; another's looks like no policy.
     */
    private Holder holderCovering(LocalDate incidentDate, Caller caller) {
        if (!caller.mayActOn(policyholder, Role.ADJUSTER, Role.ADMIN)) {
            throw unknown(policyId);
        }
        for (Gap gap : gaps) {
            if (gap.contains(incidentDate)) {
                throw new BusinessRuleViolation("INCIDENT_OUTSIDE_COVER", "The policy had lapsed on " + incidentDate
                        + ": an unpaid premium left it without cover from " + gap.from() + ".");
            }
        }
        if (status() == Status.CANCELLED && (lastDayOfCover == null || incidentDate.isAfter(lastDayOfCover))) {
            throw new BusinessRuleViolation("INCIDENT_OUTSIDE_COVER", lastDayOfCover == null
                    ? "The policy was cancelled in its cooling-off period: it never covered anything."
                    : "The policy was cancelled: its cover ended after " + lastDayOfCover + ".");
        }
        if (incidentDate.isBefore(startDate) || incidentDate.isAfter(endDate)) {
            throw new BusinessRuleViolation("INCIDENT_OUTSIDE_COVER",
                    "The incident date " + incidentDate + " is outside the cover period " + startDate + " to " + endDate + ".");
        }
        return new Holder(accountId, policyholder);
    }

    /** The last day of cover: for a cancelled policy the last day it covered (the day it was cancelled, if void). */
    public LocalDate coverEnd() {
        if (status() == Status.CANCELLED) {
            return lastDayOfCover != null ? lastDayOfCover : cancelledOn;
        }
        return endDate;
    }

    /** A claim names an unknown policy, or one the caller may not claim on: the same answer. */
    public static BusinessRuleViolation unknown(String policyId) {
        return new BusinessRuleViolation("POLICY_UNKNOWN", "There is no policy " + policyId + ".");
    }

    private void requireVisibleTo(Caller caller, Role... staff) {
        if (!caller.mayActOn(policyholder, staff)) {
            throw new UnknownObject("policy", policyId);
        }
    }

    @EventSourcingHandler
    void on(InstalmentPaid event) {
        paidInstalments.add(event.instalment());
        paidIn(event.dueOn(), event.amount(), event.dueOn().plusMonths(1).minusDays(1));
    }

    @EventSourcingHandler
    void on(InstalmentMissed event) {
        missedInstalment = event.instalment();
    }

    @EventSourcingHandler
    void on(PolicyLapsed event) {
        status = Status.LAPSED;
        gaps.add(new Gap(event.lastDayOfCover().plusDays(1), null));
    }

    @EventSourcingHandler
    void on(ArrearsPaid event) {
        settled(event.toInstalment(), event.amount());
    }

    @EventSourcingHandler
    void on(PolicyReinstated event) {
        settled(event.toInstalment(), event.amount());
        status = Status.IN_FORCE;
        Gap open = gaps.remove(gaps.size() - 1);
        gaps.add(new Gap(open.from(), event.reinstatedOn().minusDays(1)));
    }

    private void settled(int toInstalment, Money amount) {
        for (int n = missedInstalment; n <= toInstalment && n > 0; n++) {
            paidInstalments.add(n);
        }
        paidIn(dueOn(toInstalment), amount, dueOn(toInstalment).plusMonths(1).minusDays(1));
        missedInstalment = 0;
    }

    /** Money paid for the term that holds {@code day}, covering to {@code through}. */
    private void paidIn(LocalDate day, Money amount, LocalDate through) {
        for (int i = 0; i < terms.size(); i++) {
            if (terms.get(i).contains(day)) {
                terms.set(i, terms.get(i).paying(amount, through));
                return;
            }
        }
    }

    /** The term that holds the day, or none. */
    private Term termOn(LocalDate day) {
        return terms.stream().filter(t -> t.contains(day)).findFirst().orElse(null);
    }

    @EventSourcingHandler
    void on(ReinstatementReferred event) {
        reinstatementReferral = new ReinstatementReferral(event.referralId(), gaps.get(gaps.size() - 1).from(),
                event.requestedBy(), ReferralState.PENDING);
    }

    @EventSourcingHandler
    void on(ReinstatementDecided event) {
        reinstatementReferral = new ReinstatementReferral(reinstatementReferral.referralId(),
                reinstatementReferral.lapsedOn(), reinstatementReferral.requestedBy(),
                event.approved() ? ReferralState.APPROVED : ReferralState.DECLINED);
    }

    @EventSourcingHandler
    void on(PolicyChangeRequested event) {
        pendingChange = new PendingChange(event.changeId(), event.sumInsured(), event.requestedBy());
    }

    @EventSourcingHandler
    void on(PolicyChangeApproved event) {
        pendingChange = null;
        sumInsured = event.sumInsured();
        sumInsuredFrom.put(event.effectiveOn() != null ? event.effectiveOn()
                : LocalDate.ofInstant(event.effectiveFrom(), BusinessCalendar.DEFAULT_ZONE), event.sumInsured());
        LocalDate effectiveDay = event.effectiveOn();
        int index = terms.size() - 1;
        for (int i = 0; effectiveDay != null && i < terms.size(); i++) {
            if (terms.get(i).contains(effectiveDay)) {
                index = i;
            }
        }
        Term current = terms.isEmpty() ? null : terms.get(index);
        if (current != null) {
            Money instalment = current.plan() == PaymentPlan.MONTHLY ? Money.cny(event.annualPremium().amount()
                    .divide(java.math.BigDecimal.valueOf(12), 2, java.math.RoundingMode.HALF_UP)) : current.instalment();
            Money paid = event.premiumDifference() == null || current.plan() != PaymentPlan.ANNUAL ? current.paid()
                    : current.paid().plus(event.premiumDifference());
            terms.set(index, new Term(current.number(), current.from(), current.to(), event.annualPremium(),
                    current.plan(), instalment, paid, current.paidThrough()));
        }
    }

    @EventSourcingHandler
    void on(PolicyChangeRejected event) {
        pendingChange = null;
    }

    @EventSourcingHandler
    void on(RenewalNoticeSent event) {
        noticeSentForTerm = event.term();
    }

    @EventSourcingHandler
    void on(AutoRenewalChosen event) {
        autoRenewal = event.enabled();
    }

    @EventSourcingHandler
    void on(PolicyRenewed event) {
        Money instalment = event.paymentPlan() == PaymentPlan.MONTHLY ? event.firstPremium() : event.annualPremium();
        terms.add(new Term(event.term(), event.startDate(), event.endDate(), event.annualPremium(), event.paymentPlan(),
                instalment, event.firstPremium(), event.paymentPlan() == PaymentPlan.MONTHLY
                        ? event.startDate().plusMonths(1).minusDays(1) : event.endDate()));
        endDate = event.endDate();
        paymentPlan = event.paymentPlan();
        int first = instalmentDueOn(event.startDate());
        if (first > 0) {
            paidInstalments.add(first);
        }
    }

    @EventSourcingHandler
    void on(PolicyCancelled event) {
        pendingChange = null; // a change waiting for an underwriter goes with the policy
        status = Status.CANCELLED;
        lastDayOfCover = event.lastDayOfCover();
        cancelledOn = event.requestedOn();
    }

    @EventSourcingHandler
    void on(PolicyIssued event, @org.axonframework.eventhandling.Timestamp Instant at) {
        policyId = event.policyId();
        accountId = event.accountId();
        policyholder = event.policyholder();
        startDate = event.startDate();
        endDate = event.endDate();
        sumInsured = event.sumInsured();
        sumInsuredFrom = new java.util.TreeMap<>(java.util.Map.of(event.startDate(), event.sumInsured()));
        status = Status.PENDING_START;
        paymentPlan = event.paymentPlan();
        firstPremium = event.firstPremium();
        Money first = event.firstPremium() == null ? Money.cny("0.00") : event.firstPremium();
        terms = new java.util.ArrayList<>(java.util.List.of(new Term(1, event.startDate(), event.endDate(), event.premium(),
                event.paymentPlan(), first, first, event.firstPremium() == null ? event.startDate().minusDays(1)
                        : event.paymentPlan() == PaymentPlan.MONTHLY ? event.startDate().plusMonths(1).minusDays(1)
                        : event.endDate())));
        paidInstalments = new java.util.TreeSet<>(java.util.Set.of(1));
        product = event.product();
        paymentReference = event.paymentReference();
        issuedAt = at;
        policyNumber = event.policyNumber();
        quoteId = event.quoteId();
    }

    @EventSourcingHandler
    void on(PolicyStarted event) {
        status = Status.IN_FORCE;
    }

    @EventSourcingHandler
    void on(PolicyExpired event) {
        status = Status.EXPIRED;
    }

    @EventSourcingHandler
    void on(PolicyChanged event) {
        if (event.contactMobile() != null) {
            contactMobile = event.contactMobile();
        }
        if (event.beneficiary() != null) {
            beneficiary = event.beneficiary();
        }
        if (event.sumInsured() != null) {
            sumInsured = event.sumInsured();
            sumInsuredFrom.put(LocalDate.ofInstant(event.effectiveFrom(), BusinessCalendar.DEFAULT_ZONE),
                    event.sumInsured());
        }
    }
}
