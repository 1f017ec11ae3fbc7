package org.coverledger.command.claim;

import java.util.Optional;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.policy.Policy;
import org.coverledger.events.account.NoticeApi.NoticeIssued;
import org.coverledger.events.account.Notices.NoticeType;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.Caller;
import org.coverledger.events.policy.PolicyApi.NoteClaim;
import org.springframework.stereotype.Component;

/**
 * The first notice of loss. The claim's own rules first (a positive amount, an incident neither
 * in the future nor older than the reporting limit), then the policy's, decided by the Policy in
 * this commit (in force on the incident date, the incident type covered, no open claim for the
 * same day and type, the amount within the cover left), then the account (open, the payout card
 * bound to it). The claim is assigned to the adjuster with the fewest open claims and the
 * customer is told, all in one commit.
 */
@Component
public class ClaimSubmission {

    private final Repository<Claim> claims;
    private final ClaimCovers covers;
    private final ClaimAccounts accounts;
    private final ClaimRules rules;
    private final ClaimWorkloads workloads;
    private final BusinessCalendar calendar;
    private final AccountHoldings holdings;

    public ClaimSubmission(Repository<Claim> claims, ClaimCovers covers, ClaimAccounts accounts, ClaimRules rules,
                           ClaimWorkloads workloads, BusinessCalendar calendar, AccountHoldings holdings) {
        this.claims = claims;
        this.covers = covers;
        this.accounts = accounts;
        this.rules = rules;
        this.workloads = workloads;
        this.calendar = calendar;
        this.holdings = holdings;
    }

    @CommandHandler
    public String handle(SubmitClaim command, Caller caller) throws Exception {
        if (command.amountClaimed().amount().signum() <= 0) {
            throw new BusinessRuleViolation("AMOUNT_NOT_POSITIVE", "The amount claimed must be more than zero.");
        }
        if (command.incidentDate().isAfter(calendar.today())) {
            throw new BusinessRuleViolation("INCIDENT_IN_FUTURE", "The incident date cannot be in the future.");
        }
        if (command.incidentDate().isBefore(calendar.today().minus(rules.reportingLimit()))) {
            throw new BusinessRuleViolation("INCIDENT_TOO_OLD", "An incident is reported within "
                    + rules.reportingLimit() + " of the day it happened.");
        }
        Policy.ClaimCover cover = covers.note(new NoteClaim(command.policyId(), command.claimId(),
                command.incidentDate(), command.incidentType(), command.amountClaimed(), false));
        accounts.requireOpen(cover.accountId()); // a closed account claims nothing
        accounts.requireCard(cover.accountId(), command.payoutCardId());
        ClaimSubmitted submitted = new ClaimSubmitted(command.claimId(), command.policyId(), cover.accountId(),
                cover.policyholder(), command.incidentDate(), command.description(), command.amountClaimed(),
                calendar.now(), command.incidentType(), command.payoutCardId(),
                cover.product() == null ? null : cover.product().name(), cover.policyNumber());
        String adjuster = workloads.leastBusy(rules.adjusters());
        String shortId = Claim.shortId(command.claimId());
        Optional<NoticeIssued> notice = accounts.notice(cover.accountId(), NoticeType.CLAIM_PROGRESS,
                command.claimId(), "received", "Claim " + shortId + " on policy " + cover.policyNumber()
                        + " is received; an adjuster reviews it. / 理赔 " + shortId + " 已受理，正在审核。", calendar);
        holdings.claim(cover.accountId(), command.claimId()); // first, so that closing the account finds it
        claims.newInstance(() -> new Claim(submitted, adjuster, notice));
        return command.claimId();
    }
}
