package org.coverledger.command.claim;

import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.infra.InCommit;
import org.coverledger.command.policy.Policy;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.NoteClaim;
import org.coverledger.events.policy.PolicyApi.ReleaseCover;
import org.coverledger.events.policy.PolicyApi.ReserveCover;
import org.coverledger.events.policy.PolicyApi.SettleClaim;
import org.springframework.stereotype.Component;

/**
 * The policy's side of a claim's steps, decided by the Policy aggregate in the claim's own commit
 * ({@link InCommit}): a claim is noted against its term, its approval holds cover, its close uses
 * what it paid and frees the rest. The claim and its policy change together or not at all, so two
 * claims decided at the same moment, on two instances too, can never hold more than the cover:
 * the second commit finds the policy changed, is retried, and is refused by the Policy.
 */
@Component
public class ClaimCovers {

    private final Repository<Policy> policies;

    public ClaimCovers(Repository<Policy> policies) {
        this.policies = policies;
    }

    /** Notes a new (or reopened) claim on its policy; the policy's refusals refuse the claim. */
    public Policy.ClaimCover note(NoteClaim command) {
        try {
            return InCommit.handle(policies, command.policyId(), command);
        } catch (AggregateNotFoundException e) {
            throw Policy.unknown(command.policyId());
        }
    }

    public void reserve(String policyId, String claimId, Money amount) {
        InCommit.handle(policies, policyId, new ReserveCover(policyId, claimId, amount));
    }

    public void release(String policyId, String claimId) {
        InCommit.handle(policies, policyId, new ReleaseCover(policyId, claimId));
    }

    public void settle(String policyId, String claimId, String outcome, Money paid) {
        InCommit.handle(policies, policyId, new SettleClaim(policyId, claimId, outcome, paid));
    }
}
