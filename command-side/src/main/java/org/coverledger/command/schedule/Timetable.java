package org.coverledger.command.schedule;

import java.time.Instant;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.Timestamp;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.policy.PolicyApi.ArrearsPaid;
import org.coverledger.events.policy.PolicyApi.InstalmentMissed;
import org.coverledger.events.policy.PolicyApi.InstalmentPaid;
import org.coverledger.events.policy.PolicyApi.PolicyCancelled;
import org.coverledger.events.policy.PolicyApi.PolicyReinstated;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyRenewed;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.events.policy.PolicyApi.RenewalNoticeSent;
import org.coverledger.events.policy.QuoteApi.QuoteExpired;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.events.policy.QuoteApi.QuoteDeclined;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.events.policy.QuoteApi.QuotePurchased;
import org.springframework.stereotype.Component;

/**
 * Turns what happened into what is due: the timed steps of policies and quotes, recorded from
 * their events by a tracking processor of the command side (its token in MongoDB), so that a
 * step is recorded once its event is stored, whatever became of the process that stored it, and
 * a new kind of step is recorded for the whole history when the processor first runs. Handling
 * an event again records nothing new ({@link TimedSteps#schedule} is idempotent).
 *
 * <p>A step's outcome recorded in the store (cover started, an instalment paid or missed, a
 * renewal notice sent, cover ended, a quote expired) settles the step if it has not fired: a
 * store that holds its history with the outcomes (imported, restored, or events that came first
 * by other means) does not send years of steps again, each a command that finds nothing to do.
 * What an ended policy still had due goes with it, as with a cancellation.
 */
@Component
@ProcessingGroup(Timetable.PROCESSOR)
public class Timetable {

    public static final String PROCESSOR = "timetable";

    /** 00:00 of the start date: PENDING_START becomes IN_FORCE. */
    public static final String POLICY_START = "policy-start";
    /** 00:00 of the day after the last day of cover: a policy not renewed expires. */
    public static final String POLICY_END = "policy-end";
    /** A monthly instalment's due date: it is debited under the account's authorization. */
    public static final String INSTALMENT_DUE = "instalment-due";
    /** The day after a missed instalment's grace period: a policy still owing it lapses. */
    public static final String GRACE_END = "grace-end";
    /** 30 days before the end of a term: the customer is told renewal is open. */
    public static final String RENEWAL_NOTICE = "renewal-notice";
    /** The last day of a term: a policy with automatic renewal chosen renews. */
    public static final String AUTO_RENEWAL = "auto-renewal";
    /** The end of an offer: an offered quote not bought expires. */
    public static final String QUOTE_EXPIRY = "quote-expiry";

    /** 7 days before a materials request is due: the customer is reminded. */
    public static final String MATERIALS_REMINDER = "materials-reminder";
    /** The day after a materials request was due: a claim still waiting for them closes. */
    public static final String MATERIALS_DUE = "materials-due";
    /** The time a failed claim payout is tried again. */
    public static final String CLAIM_PAYOUT = "claim-payout";
    /** How long before the due date the reminder goes (the step's day plus this is the due date). */
    static final int REMINDER_DAYS_BEFORE = 7;

    private final TimedSteps steps;
    private final BusinessCalendar calendar;

    public Timetable(TimedSteps steps, BusinessCalendar calendar) {
        this.steps = steps;
        this.calendar = calendar;
    }

    @EventHandler
    void on(PolicyIssued event) {
        steps.schedule(POLICY_START, event.policyId(), calendar.startOf(event.startDate()));
        steps.schedule(POLICY_END, event.policyId(), calendar.startOf(event.endDate().plusDays(1)));
        renewalSteps(event.policyId(), event.endDate());
        if (event.paymentPlan() == PaymentPlan.MONTHLY && !event.startDate().plusMonths(1).isAfter(event.endDate())) {
            steps.schedule(INSTALMENT_DUE, event.policyId(), calendar.startOf(event.startDate().plusMonths(1)));
        }
    }

    /** A renewed policy ends later: its end, renewal notice and automatic renewal move with it. */
    @EventHandler
    void on(PolicyRenewed event) {
        // exactly the old term's steps (handled again, this cancels nothing the first handling scheduled)
        java.time.LocalDate oldEnd = event.startDate().minusDays(1);
        steps.cancel(POLICY_END, event.policyId(), calendar.startOf(oldEnd.plusDays(1)));
        steps.cancel(RENEWAL_NOTICE, event.policyId(), calendar.startOf(oldEnd.minusDays(30)));
        steps.cancel(AUTO_RENEWAL, event.policyId(), calendar.startOf(oldEnd));
        steps.schedule(POLICY_END, event.policyId(), calendar.startOf(event.endDate().plusDays(1)));
        renewalSteps(event.policyId(), event.endDate());
        next(event.policyId(), event.nextDueOn());
    }

    private void renewalSteps(String policyId, java.time.LocalDate endDate) {
        steps.schedule(RENEWAL_NOTICE, policyId, calendar.startOf(endDate.minusDays(30)));
        steps.schedule(AUTO_RENEWAL, policyId, calendar.startOf(endDate));
    }

    @EventHandler
    void on(PolicyStarted event, @Timestamp Instant at) {
        steps.settle(POLICY_START, event.policyId(), calendar.startOf(event.startDate()), at);
    }

    /** Instalments are due one after the other: each paid one brings the next. */
    @EventHandler
    void on(InstalmentPaid event, @Timestamp Instant at) {
        if (event.dueOn() != null) {
            steps.settle(INSTALMENT_DUE, event.policyId(), calendar.startOf(event.dueOn()), at);
        }
        next(event.policyId(), event.nextDueOn());
    }

    @EventHandler
    void on(InstalmentMissed event, @Timestamp Instant at) {
        if (event.dueOn() != null) {
            steps.settle(INSTALMENT_DUE, event.policyId(), calendar.startOf(event.dueOn()), at);
        }
        steps.schedule(GRACE_END, event.policyId(), calendar.startOf(event.graceUntil().plusDays(1)));
    }

    @EventHandler
    void on(RenewalNoticeSent event, @Timestamp Instant at) {
        if (event.endDate() != null) {
            steps.settle(RENEWAL_NOTICE, event.policyId(), calendar.startOf(event.endDate().minusDays(30)), at);
        }
    }

    /** Cover ended: its end step is done, and nothing else the policy had due will be. */
    @EventHandler
    void on(PolicyExpired event, @Timestamp Instant at) {
        steps.settle(POLICY_END, event.policyId(), calendar.startOf(event.endDate().plusDays(1)), at);
        cancelEverything(event.policyId());
    }

    @EventHandler
    void on(QuoteExpired event) {
        steps.cancel(QUOTE_EXPIRY, event.quoteId()); // the step that expired it, if any, is RUNNING and unaffected
    }

    @EventHandler
    void on(ArrearsPaid event) {
        // the grace-end step stays: it finds nothing owed (a later missed instalment may have its own)
        next(event.policyId(), event.nextDueOn());
    }

    @EventHandler
    void on(PolicyReinstated event) {
        next(event.policyId(), event.nextDueOn());
    }

    private void next(String policyId, java.time.LocalDate dueOn) {
        if (dueOn != null) {
            steps.schedule(INSTALMENT_DUE, policyId, calendar.startOf(dueOn));
        }
    }

    @EventHandler
    void on(PolicyCancelled event) {
        cancelEverything(event.policyId());
    }

    private void cancelEverything(String policyId) {
        steps.cancel(POLICY_START, policyId);
        steps.cancel(POLICY_END, policyId);
        steps.cancel(INSTALMENT_DUE, policyId);
        steps.cancel(GRACE_END, policyId);
        steps.cancel(RENEWAL_NOTICE, policyId);
        steps.cancel(AUTO_RENEWAL, policyId);
    }

    @EventHandler
    void on(QuoteIssued event) {
        if (event.validUntil() != null) {
            steps.schedule(QUOTE_EXPIRY, event.quoteId(), expiry(event.validUntil(), event));
        }
    }

    @EventHandler
    void on(QuoteAccepted event) {
        steps.schedule(QUOTE_EXPIRY, event.quoteId(), event.validUntil());
    }

    @EventHandler
    void on(QuotePurchased event) {
        steps.cancel(QUOTE_EXPIRY, event.quoteId());
    }

    @EventHandler
    void on(QuoteDeclined event) {
        steps.cancel(QUOTE_EXPIRY, event.quoteId());
    }

    /** An offer lapses when it is no longer valid, or when its cover would start in the past, whichever comes first. */
    private Instant expiry(Instant validUntil, QuoteIssued event) {
        Instant coverStartPassed = calendar.startOf(event.startDate().plusDays(1));
        return coverStartPassed.isBefore(validUntil) ? coverStartPassed : validUntil;
    }

    @EventHandler
    void on(org.coverledger.events.claim.ClaimApi.MaterialsRequested event) {
        if (event.dueOn() == null) {
            return; // asked for before requests had a due date
        }
        steps.schedule(MATERIALS_REMINDER, event.claimId(),
                calendar.startOf(event.dueOn().minusDays(REMINDER_DAYS_BEFORE)));
        steps.schedule(MATERIALS_DUE, event.claimId(), calendar.startOf(event.dueOn().plusDays(1)));
    }

    @EventHandler
    void on(org.coverledger.events.claim.ClaimApi.MaterialsProvided event) {
        steps.cancel(MATERIALS_REMINDER, event.claimId());
        steps.cancel(MATERIALS_DUE, event.claimId());
    }

    @EventHandler
    void on(org.coverledger.events.claim.ClaimApi.ClaimPayoutFailed event) {
        if (event.nextAttemptAt() != null) {
            steps.schedule(CLAIM_PAYOUT, event.claimId(), event.nextAttemptAt());
        }
    }

    @EventHandler
    void on(org.coverledger.events.claim.ClaimApi.ClaimClosed event) {
        steps.cancel(MATERIALS_REMINDER, event.claimId());
        steps.cancel(MATERIALS_DUE, event.claimId());
        steps.cancel(CLAIM_PAYOUT, event.claimId());
    }
}
