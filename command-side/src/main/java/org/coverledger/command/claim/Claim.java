package org.coverledger.command.claim;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.command.policy.Policy;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.RequestMaterials;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.privacy.DataSubject;

/** A claim on a policy, from submission through the adjuster's requests for materials. */
@Aggregate(cache = "claimCache")
public class Claim {

    @AggregateIdentifier
    private String claimId;
    @DataSubject
    private String accountId;
    private String claimant;
    private String policyId;
    private ClaimStatus status;

    protected Claim() {
    }

    /** Submitted through {@link ClaimSubmission} with what {@link #decide} made of the claim. */
    Claim(ClaimSubmitted submitted) {
        apply(submitted);
    }

    /**
     * The claim's own rules applied to a submission whose cover {@link ClaimSubmission} has
     * checked: the event that opens the claim, or the refusal, thrown before any aggregate exists
     * (so that Axon does not log an expected refusal as a failed creation).
     */
    static ClaimSubmitted decide(SubmitClaim command, Policy.Holder holder, BusinessCalendar calendar) {
        if (command.amountClaimed().amount().signum() <= 0) {
            throw new BusinessRuleViolation("AMOUNT_NOT_POSITIVE", "The amount claimed must be more than zero.");
        }
        if (command.incidentDate().isAfter(calendar.today())) {
            throw new BusinessRuleViolation("INCIDENT_IN_FUTURE", "The incident date cannot be in the future.");
        }
        return new ClaimSubmitted(command.claimId(), command.policyId(), holder.accountId(), holder.policyholder(),
                command.incidentDate(), command.description(), command.amountClaimed(), calendar.now());
    }

    @CommandHandler
    public void handle(RequestMaterials command, Caller caller, BusinessCalendar calendar) {
        if (!caller.mayActOn(claimant, Role.ADJUSTER, Role.ADMIN)) {
            throw new UnknownObject("claim", claimId);
        }
        if (!caller.hasAnyRole(Role.ADJUSTER, Role.ADMIN)) {
            throw new ActionNotPermitted("Only an adjuster may request materials.");
        }
        if (command.items().isEmpty()) {
            throw new BusinessRuleViolation("NO_MATERIALS_NAMED", "Name at least one item of material.");
        }
        apply(new MaterialsRequested(claimId, accountId, command.items(), command.note(), caller.login(), calendar.now()));
    }

    /** Until it is settled or closed, a claim binds its account. */
    public boolean isOpen() {
        return status.isOpen();
    }

    /** Whether this is an open claim on the policy (which may then not be cancelled). */
    public boolean isOpenOn(String policy) {
        return isOpen() && policy.equals(policyId);
    }

    @EventSourcingHandler
    void on(ClaimSubmitted event) {
        claimId = event.claimId();
        accountId = event.accountId();
        claimant = event.claimant();
        policyId = event.policyId();
        status = ClaimStatus.SUBMITTED;
    }

    @EventSourcingHandler
    void on(MaterialsRequested event) {
        status = ClaimStatus.MATERIALS_REQUESTED;
    }
}
