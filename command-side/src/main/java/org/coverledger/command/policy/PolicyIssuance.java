package org.coverledger.command.policy;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.springframework.stereotype.Component;

/**
 * A policy is issued for an existing account the caller may act for: the account says who the
 * policyholder is, the new policy checks its own terms.
 */
@Component
public class PolicyIssuance {

    private final Repository<Account> accounts;
    private final Repository<Policy> policies;
    private final AccountHoldings holdings;

    public PolicyIssuance(Repository<Account> accounts, Repository<Policy> policies, AccountHoldings holdings) {
        this.accounts = accounts;
        this.policies = policies;
        this.holdings = holdings;
    }

    @CommandHandler
    public String handle(IssuePolicy command, Caller caller) throws Exception {
        String policyholder;
        try {
            policyholder = accounts.load(command.accountId()).invoke(account -> account.ownerFor(caller));
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(command.accountId());
        }
        PolicyIssued issued = Policy.decide(command, policyholder);
        holdings.policy(command.accountId(), command.policyId()); // first, so that closing the account finds it
        policies.newInstance(() -> new Policy(issued));
        return command.policyId();
    }
}
