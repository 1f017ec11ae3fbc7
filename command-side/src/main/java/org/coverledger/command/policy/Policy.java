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

    protected Policy() {
    }

    /** Issued by {@link PolicyPurchases} with what {@link #decide} made of the command. */
    Policy(PolicyIssued issued) {
        apply(issued);
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
                command.product(), command.sumInsured(), command.premium(), command.startDate(), command.endDate());
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
