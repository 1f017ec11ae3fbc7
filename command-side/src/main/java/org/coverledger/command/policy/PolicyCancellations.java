package org.coverledger.command.policy;

import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.claim.Claim;
import org.coverledger.command.payment.PaymentGateway;
import org.coverledger.command.payment.PaymentGateway.Refund;
import org.coverledger.command.payment.PaymentGateway.Succeeded;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Money;
import org.springframework.stereotype.Component;

/**
 * What cancelling a policy needs beyond the policy, for its handler: whether a claim on it is
 * still open, and the refund paid back through the payment port exactly once.
 */
@Component
public class PolicyCancellations {

    private final Repository<Claim> claims;
    private final AccountHoldings holdings;
    private final PaymentGateway gateway;

    public PolicyCancellations(Repository<Claim> claims, AccountHoldings holdings, PaymentGateway gateway) {
        this.claims = claims;
        this.holdings = holdings;
        this.gateway = gateway;
    }

    /** A refund that went out: the gateway's reference and what it paid. */
    public record Refunded(String reference, Money amount) {
    }

    /**
     * Whether one of the account's claims from before policies kept their claims (those not
     * {@code noted} on the policy) is open on it. The policy answers for the others itself: each
     * is noted in its submission's own commit, so none is missed.
     */
    public boolean claimOpenOn(String accountId, String policyId, java.util.Collection<String> noted) {
        for (String claimId : holdings.claims(accountId)) {
            if (noted.contains(claimId)) {
                continue;
            }
            try {
                if (claims.load(claimId).invoke(claim -> claim.isOpenOn(policyId))) {
                    return true;
                }
            } catch (AggregateNotFoundException e) {
                // a claim whose submission failed, or one not stored yet (see the README's note on this race)
            }
        }
        return false;
    }

    /**
     * Pays {@code amount} back under {@code key}. A refund an earlier attempt made under the key
     * is this refund, whatever amount is asked now (the gateway's record is what was paid).
     */
    public Refunded refund(String key, String accountId, String originalReference, Money amount, String purpose) {
        PaymentGateway.Outcome outcome = gateway.lookUp(key)
                .orElseGet(() -> gateway.refund(new Refund(key, accountId, originalReference, amount, purpose)));
        if (outcome instanceof Succeeded succeeded) {
            return new Refunded(succeeded.reference(), succeeded.amount());
        }
        throw new BusinessRuleViolation("REFUND_PENDING", "The refund's outcome is not known yet. Send the same "
                + "cancellation again in a minute to complete it; the refund is never paid twice.");
    }
}
