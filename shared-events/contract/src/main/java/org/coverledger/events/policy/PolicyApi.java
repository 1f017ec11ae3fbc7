package org.coverledger.events.policy;

import java.time.Instant;
import java.time.LocalDate;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/** The policy's messages, together, as in the business's rule book. */
public final class PolicyApi {

    private PolicyApi() {
    }

    /** Issued by a quote's purchase (there is no other way in): the quote, its plan and the terms accepted. */
    public record IssuePolicy(@TargetAggregateIdentifier String policyId, String policyNumber, String accountId,
                              Product product, Money sumInsured, Money premium,
                              LocalDate startDate, LocalDate endDate, QuoteApi.PaymentPlan paymentPlan,
                              String quoteId, String termsVersion, Money firstPremium, String paymentReference,
                              String beneficiaries) {
        @Override
        public String toString() {
            return "IssuePolicy[" + policyId + ", " + accountId + ", " + product + "]";
        }
    }

    /** A timed step: cover starts at 00:00 of its start date (business time). */
    public record StartCover(@TargetAggregateIdentifier String policyId) {
    }

    /** A timed step on {@code day}, the day after the last day of cover: a policy not renewed ends. */
    public record EndCover(@TargetAggregateIdentifier String policyId, LocalDate day) {
    }

    /**
     * A change to the beneficiary and/or the sum insured; null means "unchanged". The beneficiary
     * is a minor change and applies at once; the sum insured is a major one, referred to an
     * underwriter ({@code changeId} names it).
     */
    public record ChangePolicy(@TargetAggregateIdentifier String policyId, String beneficiary, Money sumInsured,
                               String changeId, String contactMobile) {
        @Override
        public String toString() {
            return "ChangePolicy[" + policyId + "]";
        }
    }

    /**
     * The policyholder is the login that owns the account (its id, or a demo user's name), not a
     * person's name. The policy is PENDING_START until 00:00 of {@code startDate} (business
     * time), then IN_FORCE (PolicyStarted). Revision 2 added the payment plan, the quote it was
     * bought from, the terms version accepted and the first premium collected with the gateway's
     * reference, and the beneficiaries (JSON {@code [{name, relationship, sharePercent}]}, sealed);
     * revision 1 events (issued from a request that named its own premium, before quotes) read
     * with none.
     */
    @Revision("2")
    public record PolicyIssued(String policyId, String policyNumber, @DataSubject String accountId, String policyholder,
                               Product product, Money sumInsured, Money premium,
                               LocalDate startDate, LocalDate endDate, QuoteApi.PaymentPlan paymentPlan,
                               String quoteId, String termsVersion, Money firstPremium, String paymentReference,
                               @PersonalData String beneficiaries) {
        @Override
        public String toString() {
            return "PolicyIssued[" + policyId + ", " + accountId + ", " + product + "]";
        }
    }

    /** An underwriter approves a referred change; see {@link PolicyChangeApproved}. */
    public record ApprovePolicyChange(@TargetAggregateIdentifier String policyId, String changeId) {
    }

    public record RejectPolicyChange(@TargetAggregateIdentifier String policyId, String changeId, String reason) {
    }

    /** A major change waits for an underwriter: the sum insured {@code sumInsured} instead of {@code from}. */
    public record PolicyChangeRequested(String policyId, String accountId, String changeId, Money from,
                                        Money sumInsured, String requestedBy, Instant at) {
    }

    /**
     * The underwriter approved: the sum insured becomes {@code sumInsured} from
     * {@code effectiveFrom} (00:00 of the next day), the yearly premium {@code annualPremium} by
     * the rules; the difference for the rest of the term, {@code premiumDifference} (negative: a
     * refund), was charged or refunded under {@code paymentKey} (a monthly plan pays it in its
     * instalments instead: none).
     */
    public record PolicyChangeApproved(String policyId, String accountId, String changeId, Money sumInsured,
                                       Instant effectiveFrom, LocalDate effectiveOn, Money annualPremium, Money premiumDifference,
                                       String paymentKey, String paymentReference, String underwriter, Instant at) {
    }

    /** The reason may speak of the insured's health: it is sealed like other personal data. */
    public record PolicyChangeRejected(String policyId, @DataSubject String accountId, String changeId,
                                       @PersonalData String reason, String underwriter, Instant at) {
        @Override
        public String toString() {
            return "PolicyChangeRejected[" + policyId + ", " + changeId + "]";
        }
    }

    /** A timed step: the monthly instalment due on {@code dueOn} is debited under the account's authorization. */
    public record CollectInstalment(@TargetAggregateIdentifier String policyId, LocalDate dueOn) {
    }

    /** A timed step: on {@code day} a missed instalment's grace period is over. */
    public record EndGrace(@TargetAggregateIdentifier String policyId, LocalDate day) {
    }

    /** The customer pays what a lapsed policy owes, from a bound card, to bring it back into force. */
    public record ReinstatePolicy(@TargetAggregateIdentifier String policyId, String paymentCardId,
                                  java.util.Map<String, String> declarations) {
    }

    /** An underwriter decides a reinstatement the customer's new declaration referred. */
    public record DecideReinstatement(@TargetAggregateIdentifier String policyId, String referralId, boolean approve,
                                      String reason) {
    }

    /**
     * A lapsed HEALTH or LIFE policy's new declaration needs an underwriter: the reinstatement
     * waits ({@code referrals}: the declaration keys, as JSON, sealed: they speak of health).
     */
    public record ReinstatementReferred(String policyId, @DataSubject String accountId, String referralId,
                                        @PersonalData String referrals, String requestedBy, Instant at) {
        @Override
        public String toString() {
            return "ReinstatementReferred[" + policyId + ", " + referralId + "]";
        }
    }

    /** Approved, the customer may pay what is due to reinstate; declined, with a reason (sealed), they may not. */
    public record ReinstatementDecided(String policyId, @DataSubject String accountId, String referralId,
                                       boolean approved, @PersonalData String reason, String underwriter, Instant at) {
        @Override
        public String toString() {
            return "ReinstatementDecided[" + policyId + ", " + referralId + ", " + approved + "]";
        }
    }

    /** Monthly instalment {@code instalment} (the first is paid at purchase: 1) was debited. */
    public record InstalmentPaid(String policyId, String accountId, int instalment, LocalDate dueOn, Money amount,
                                 String paymentKey, String paymentReference, LocalDate nextDueOn, Instant at) {
    }

    /**
     * In the grace period the customer paid what was due ({@code amount}, instalments
     * {@code fromInstalment} to {@code toInstalment}); the policy never left force.
     */
    public record ArrearsPaid(String policyId, String accountId, int fromInstalment, int toInstalment, Money amount,
                              String paymentKey, String paymentReference, LocalDate nextDueOn, Instant at) {
    }

    /**
     * The debit of an instalment failed ({@code reason}: DECLINED, or NO_AUTHORIZATION when the
     * account has no auto-debit that covers it): the policy stays in force through
     * {@code graceUntil}, and lapses after it unless what is due is paid.
     */
    public record InstalmentMissed(String policyId, String accountId, int instalment, LocalDate dueOn, Money amount,
                                   String reason, LocalDate graceUntil, Instant at) {
    }

    /** The grace period ended with an instalment unpaid: no cover from the day after {@code lastDayOfCover}. */
    public record PolicyLapsed(String policyId, String accountId, int unpaidInstalment, LocalDate lastDayOfCover,
                               Instant at) {
    }

    /**
     * The customer paid what was due ({@code amount}, instalments {@code fromInstalment} to
     * {@code toInstalment}) and the policy is in force again from {@code reinstatedOn}; the days
     * between the lapse and then were not covered.
     */
    public record PolicyReinstated(String policyId, String accountId, int fromInstalment, int toInstalment, Money amount,
                                   String paymentKey, String paymentReference, LocalDate reinstatedOn,
                                   LocalDate nextDueOn, Instant at) {
    }

    /** A timed step: 30 days before the end of a term, the customer is told that renewal is open. */
    public record RemindRenewal(@TargetAggregateIdentifier String policyId) {
    }

    /** A timed step on the last day of a term: a policy with automatic renewal chosen is renewed. */
    public record RenewAutomatically(@TargetAggregateIdentifier String policyId) {
    }

    /** The customer renews for a new term, paying its first premium from a bound card. */
    public record RenewPolicy(@TargetAggregateIdentifier String policyId, String paymentCardId,
                              QuoteApi.PaymentPlan paymentPlan) {
    }

    /**
     * An underwriter decides a renewal the term's claims referred: accepted, the customer may renew
     * (at the rules' premium plus {@code loadingPercent}, 0 to 200); declined, with a reason the
     * customer sees, the policy is not renewed.
     */
    public record DecideRenewalReferral(@TargetAggregateIdentifier String policyId, String referralId, boolean accept,
                                        Integer loadingPercent, String reason) {
        @Override
        public String toString() {
            return "DecideRenewalReferral[" + policyId + ", " + referralId + ", " + accept + "]";
        }
    }

    /**
     * The claims paid in term {@code term} ({@code claimsPaid}) came to more than {@code share}
     * of its sum insured: renewing it waits for an underwriter ({@code requestedBy}: the customer
     * who asked to renew, or {@code system} for the renewal notice, a payout or automatic renewal).
     */
    public record RenewalReferred(String policyId, String accountId, String referralId, int term, Money claimsPaid,
                                  Money sumInsured, java.math.BigDecimal share, String requestedBy, Instant at) {
    }

    /** Accepted (with a loading, percent, on the renewal's premium) or declined with a reason (sealed). */
    public record RenewalReferralDecided(String policyId, @DataSubject String accountId, String referralId,
                                         boolean accepted, Integer loadingPercent, @PersonalData String reason,
                                         String underwriter, Instant at) {
        @Override
        public String toString() {
            return "RenewalReferralDecided[" + policyId + ", " + referralId + ", " + accepted + "]";
        }
    }

    /** The customer chooses (or stops) automatic renewal, debited under the account's authorization. */
    public record ChooseAutoRenewal(@TargetAggregateIdentifier String policyId, boolean enabled) {
    }

    /** The notice that renewal is open went to the customer: the term {@code term} ends on {@code endDate}. */
    public record RenewalNoticeSent(String policyId, String accountId, int term, LocalDate endDate, Instant at) {
    }

    public record AutoRenewalChosen(String policyId, String accountId, boolean enabled, Instant at) {
    }

    /**
     * The policy continues for term {@code term}, {@code startDate} to {@code endDate}, at the
     * yearly premium the rules give now ({@code annualPremium}); its first premium
     * ({@code firstPremium}: the year's, or the first instalment) was collected under
     * {@code paymentKey}. {@code automatic}: renewed by the customer's standing choice.
     */
    public record PolicyRenewed(String policyId, String accountId, int term, LocalDate startDate, LocalDate endDate,
                                Money annualPremium, QuoteApi.PaymentPlan paymentPlan, Money firstPremium,
                                String paymentKey, String paymentReference, LocalDate nextDueOn, boolean automatic,
                                Instant at) {
    }

    /** Why a customer cancels, as the app's form asks it (no free text: nothing personal in the event). */
    public enum CancellationReason { NO_LONGER_NEEDED, FOUND_OTHER_COVER, CANNOT_AFFORD, OTHER }

    /** The customer (or an admin) cancels the policy; see {@link PolicyCancelled}. */
    public record CancelPolicy(@TargetAggregateIdentifier String policyId, CancellationReason reason) {
    }

    /**
     * The policy was cancelled on {@code requestedOn}. Within the cooling-off period the policy is
     * void (no day of cover, {@code lastDayOfCover} none) and what was paid comes back whole;
     * afterwards cover ends after {@code lastDayOfCover} (the day of the request) and the
     * premium paid but not earned comes back less the fee. The refund went out through the
     * payment port under {@code refundKey} ({@code refundReference} is the gateway's; none when
     * nothing was due).
     */
    public record PolicyCancelled(String policyId, String accountId, LocalDate requestedOn, boolean withinCoolingOff,
                                  LocalDate lastDayOfCover, Money premiumPaid, Money premiumEarned, Money fee,
                                  Money refund, String refundKey, String refundReference, CancellationReason reason,
                                  Instant at) {
    }

    /** Cover began: 00:00 of the start date had come when the timed step fired at {@code at}. */
    public record PolicyStarted(String policyId, String accountId, LocalDate startDate, Instant at) {
    }

    /** Cover ended after its last day, {@code endDate}, not renewed. */
    public record PolicyExpired(String policyId, String accountId, LocalDate endDate, Instant at) {
    }

    /**
     * A minor change: a new beneficiary, or the mobile that notices about this policy go to,
     * effective from {@code effectiveFrom} (since quotes, at once; before, 00:00 of the next day,
     * with a sum insured). Revision 2 added the account, whose key seals the beneficiary;
     * revision 3 the contact mobile; older events read with none.
     */
    @Revision("3")
    public record PolicyChanged(String policyId, @DataSubject String accountId, @PersonalData String beneficiary,
                                Money sumInsured, Instant effectiveFrom, @PersonalData String contactMobile) {
        @Override
        public String toString() {
            return "PolicyChanged[" + policyId + "]";
        }
    }

    // ------------------------------------------------------------------ the cover claims draw on

    /**
     * A claim is reported on the policy: it is noted against the term that holds its incident
     * date, in the claim's own commit, so that a second open claim for the same day and type is
     * refused and the policy's cancellation sees it. {@code reopening}: a closed claim opened again.
     */
    public record NoteClaim(@TargetAggregateIdentifier String policyId, String claimId, LocalDate incidentDate,
                            String incidentType, Money amountClaimed, boolean reopening) {
    }

    /** An approval holds {@code amount} of the cover for the claim (replacing what it held before). */
    public record ReserveCover(@TargetAggregateIdentifier String policyId, String claimId, Money amount) {
    }

    /** A second approver sent the approval back: what the claim held is free again. */
    public record ReleaseCover(@TargetAggregateIdentifier String policyId, String claimId) {
    }

    /** The claim closed: what it paid is consumed, the rest of its hold released, and it is no longer open. */
    public record SettleClaim(@TargetAggregateIdentifier String policyId, String claimId, String outcome, Money paid) {
    }

    public record ClaimNoted(String policyId, String accountId, String claimId, LocalDate incidentDate,
                             String incidentType, Money amountClaimed, int term, boolean reopening, Instant at) {
    }

    /** {@code amount} of term {@code term}'s cover is held for the claim (what it held before is replaced). */
    public record CoverReserved(String policyId, String accountId, String claimId, String incidentType, int term,
                                Money amount, Instant at) {
    }

    public record CoverReleased(String policyId, String accountId, String claimId, Money amount, Instant at) {
    }

    /**
     * The claim closed with {@code outcome}: {@code paid} of term {@code term}'s cover is used for
     * good, {@code released} of its hold is free again.
     */
    public record ClaimSettled(String policyId, String accountId, String claimId, String outcome, int term,
                               Money paid, Money released, Instant at) {
    }
}
