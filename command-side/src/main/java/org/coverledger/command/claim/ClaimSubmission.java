package org.coverledger.command.claim;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.policy.Policy;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.springframework.stereotype.Component;

/** A claim is accepted only on an existing policy whose cover includes the incident date, of an open account. */
@Component
public class ClaimSubmission {

    private final Repository<Policy> policies;
    private final Repository<Claim> claims;
    private final Repository<Account> accounts;
    private final BusinessCalendar calendar;
    private final AccountHoldings holdings;

    public ClaimSubmission(Repository<Policy> policies, Repository<Claim> claims, Repository<Account> accounts,
                           BusinessCalendar calendar, AccountHoldings holdings) {
        this.policies = policies;
        this.claims = claims;
        this.accounts = accounts;
        this.calendar = calendar;
        this.holdings = holdings;
    }

    @CommandHandler
    public String handle(SubmitClaim command, Caller caller) throws Exception {
        Policy.Holder holder;
        try {
            holder = policies.load(command.policyId())
                    .invoke(policy -> policy.holderCovering(command.incidentDate(), caller));
        } catch (AggregateNotFoundException e) {
            throw Policy.unknown(command.policyId());
        }
        accounts.load(holder.accountId()).execute(Account::requireOpen); // a closed account claims nothing
        ClaimSubmitted submitted = Claim.decide(command, holder, calendar);
        holdings.claim(holder.accountId(), command.claimId()); // first, so that closing the account finds it
        claims.newInstance(() -> new Claim(submitted));
        return command.claimId();
    }
}
