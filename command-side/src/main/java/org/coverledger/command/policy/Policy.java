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
import org.coverledger.events.policy.PolicyApi.CancelPolicy;
import org.coverledger.events.policy.PolicyApi.PolicyCancelled;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.events.policy.PolicyApi.StartCover;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/**
 * An insurance policy: issued for an account, changed after review (effective at 00:00 the next
 * business day), and the cover a claim is checked against.
 */
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
    private LocalDate lastDayOfCover; // once cancelled: the last day covered, or none when void
    private LocalDate cancelledOn;

    /** Where the policy is in its life, as its events tell it. */
    enum Status { PENDING_START, IN_FORCE, EXPIRED, CANCELLED }

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
                command.paymentReference());
    }

    @CommandHandler
    public void handle(ChangePolicy command, Caller caller, BusinessCalendar calendar) {
        requireVisibleTo(caller, Role.UNDERWRITER, Role.ADMIN);
        if (command.beneficiary() == null && command.sumInsured() == null) {
            throw new BusinessRuleViolation("NOTHING_TO_CHANGE", "Name a new beneficiary or a new sum insured.");
        }
        if (endDate.isBefore(calendar.today())) {
            throw new BusinessRuleViolation("POLICY_EXPIRED", "An expired policy cannot be changed.");
        }
        if (status() == Status.CANCELLED) {
            throw new BusinessRuleViolation("POLICY_NOT_ACTIVE", "A cancelled policy cannot be changed.");
        }
        if (command.sumInsured() != null && command.sumInsured().belowZero()) {
            throw new BusinessRuleViolation("NEGATIVE_AMOUNT", "The sum insured cannot be negative.");
        }
        apply(new PolicyChanged(policyId, accountId, command.beneficiary(), command.sumInsured(),
                calendar.startOfNextDay().toInstant()));
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
        if (status() == Status.EXPIRED || status() == Status.CANCELLED) {
            return;
        }
        if (!calendar.today().isAfter(endDate)) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "Cover ends after " + endDate + ".");
        }
        apply(new PolicyExpired(policyId, accountId, endDate, calendar.now()));
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
        if (cancellations.claimOpenOn(accountId, policyId)) {
            throw new BusinessRuleViolation("CLAIM_OPEN", "A claim on this policy is open; it is cancelled once "
                    + "the claim is settled or closed.");
        }
        boolean coolingOff = issuedAt != null && !today.isAfter(LocalDate.ofInstant(issuedAt, calendar.zone())
                .plusDays(org.coverledger.events.policy.ProductCatalogue.coolingOffDays()));
        LocalDate lastDay = coolingOff || today.isBefore(startDate) ? null : today;
        Money paid = firstPremium == null ? Money.cny("0.00") : firstPremium;
        LocalDate periodEnd = startDate.plusMonths(paymentPlan == PaymentPlan.MONTHLY ? 1 : 12).minusDays(1);
        if (periodEnd.isAfter(endDate)) {
            periodEnd = endDate;
        }
        long periodDays = java.time.temporal.ChronoUnit.DAYS.between(startDate, periodEnd) + 1;
        long coveredDays = lastDay == null ? 0
                : Math.min(periodDays, java.time.temporal.ChronoUnit.DAYS.between(startDate, lastDay) + 1);
        java.math.BigDecimal earned = paid.amount().multiply(java.math.BigDecimal.valueOf(coveredDays))
                .divide(java.math.BigDecimal.valueOf(periodDays), 2, java.math.RoundingMode.HALF_UP);
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
    public Holder holderCovering(LocalDate incidentDate, Caller caller) {
        if (!caller.mayActOn(policyholder, Role.ADJUSTER, Role.ADMIN)) {
            throw unknown(policyId);
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
    void on(PolicyCancelled event) {
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
        status = Status.PENDING_START;
        paymentPlan = event.paymentPlan();
        firstPremium = event.firstPremium();
        paymentReference = event.paymentReference();
        issuedAt = at;
        policyNumber = event.policyNumber();
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
        if (event.beneficiary() != null) {
            beneficiary = event.beneficiary();
        }
        if (event.sumInsured() != null) {
            sumInsured = event.sumInsured();
        }
    }
}
