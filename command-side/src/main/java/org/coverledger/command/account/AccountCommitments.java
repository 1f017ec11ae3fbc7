package org.coverledger.command.account;

import java.time.LocalDate;
import java.time.Period;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.claim.Claim;
import org.coverledger.command.policy.Policy;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.identity.AccessTokens;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * What the {@link Account} needs from outside itself to close or erase: its policies and claims,
 * each asked whether it still binds the account (the one named place for that cross-aggregate
 * check), and what happens once the closure or erasure is stored. The account decides; this
 * reads and, after the commit, carries out.
 */
@Component
public class AccountCommitments {

    private final Repository<Policy> policies;
    private final Repository<Claim> claims;
    private final AccountHoldings holdings;
    private final Period retention;
    private final SubjectKeys keys;
    private final CustomerCredentials credentials;
    private final AccessTokens tokens;

    public AccountCommitments(Repository<Policy> policies, Repository<Claim> claims, AccountHoldings holdings,
                              @Value("${coverledger.privacy.retention-after-cover}") Period retention, SubjectKeys keys,
                              CustomerCredentials credentials, AccessTokens tokens) {
        this.policies = policies;
        this.claims = claims;
        this.holdings = holdings;
        this.retention = retention;
        this.keys = keys;
        this.credentials = credentials;
        this.tokens = tokens;
    }

    /** How long the records are kept after the last cover ends. */
    Period retention() {
        return retention;
    }

    /**
     * What binds the account, read after new business was stopped for it: a policy or claim
     * recorded before that is found, one recorded after is refused. If the closure is refused,
     * new business is welcome again; once it is recorded, the account stays closed to it.
     */
    Account.Commitments closing(String accountId) {
        holdings.beginClosing(accountId);
        UnitOfWork<?> unitOfWork = CurrentUnitOfWork.get();
        unitOfWork.onRollback(u -> holdings.endClosing(accountId));
        unitOfWork.afterCommit(u -> holdings.closed(accountId));
        return commitments(accountId);
    }

    /**
     * Once the closure or erasure is stored, and only then: nobody logs in to the account any more
     * (a registered customer's password record goes, a configured customer's login is closed), its
     * tokens end, and its national ID, mobile and email are free for a new registration.
     */
    void shutOutOnceStored(String accountId, String owner) {
        CurrentUnitOfWork.get().afterCommit(u -> {
            credentials.forget(accountId);
            credentials.closeLogin(owner);
            tokens.revokeAll(owner); // a registered customer logs in as the account, a configured one by name
            if (!owner.equals(accountId)) {
                tokens.revokeAll(accountId);
            }
        });
    }

    /**
     * The key is destroyed once PersonalDataErased is stored; if the process died in between,
     * repeating the erasure destroys it.
     */
    void destroyKeyOnceStored(String accountId) {
        CurrentUnitOfWork.get().afterCommit(u -> keys.erase(accountId));
    }

    private Account.Commitments commitments(String accountId) {
        LocalDate lastCoverEnd = null;
        for (String policyId : holdings.policies(accountId)) {
            LocalDate end = existing(policies, accountId, policyId, Policy::coverEnd);
            if (end != null && (lastCoverEnd == null || end.isAfter(lastCoverEnd))) {
                lastCoverEnd = end;
            }
        }
        boolean claimOpen = false;
        for (String claimId : holdings.claims(accountId)) {
            claimOpen |= Boolean.TRUE.equals(existing(claims, accountId, claimId, Claim::isOpen));
        }
        return new Account.Commitments(lastCoverEnd, claimOpen);
    }

    /** An id recorded a moment ago may be on its way; one whose creation failed finds nothing after that. */
    private <T, R> R existing(Repository<T> repository, String accountId, String id,
                              java.util.function.Function<T, R> question) {
        try {
            return repository.load(id).invoke(question);
        } catch (AggregateNotFoundException e) {
            if (holdings.inFlight(accountId, id)) {
                throw new BusinessRuleViolation("NEW_BUSINESS_IN_PROGRESS",
                        "A policy or claim is being recorded for this account; try again in a minute.");
            }
            return null;
        }
    }
}
