package org.coverledger.command.policy;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

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

    /** Where the policy is in its life, as its events tell it. */
    enum Status { PENDING_START, IN_FORCE, EXPIRED }

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
                command.paymentPlan(), command.quoteId(), command.termsVersion());
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
        if (status() == Status.EXPIRED) {
            return;
        }
        if (!calendar.today().isAfter(endDate)) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "Cover ends after " + endDate + ".");
        }
        apply(new PolicyExpired(policyId, accountId, endDate, calendar.now()));
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
        if (incidentDate.isBefore(startDate) || incidentDate.isAfter(endDate)) {
            throw new BusinessRuleViolation("INCIDENT_OUTSIDE_COVER",
                    "The incident date " + incidentDate + " is outside the cover period " + startDate + " to " + endDate + ".");
        }
        return new Holder(accountId, policyholder);
    }

    /** The last day of cover. */
    public LocalDate coverEnd() {
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
    void on(PolicyIssued event) {
        policyId = event.policyId();
        accountId = event.accountId();
        policyholder = event.policyholder();
        startDate = event.startDate();
        endDate = event.endDate();
        sumInsured = event.sumInsured();
        status = Status.PENDING_START;
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
