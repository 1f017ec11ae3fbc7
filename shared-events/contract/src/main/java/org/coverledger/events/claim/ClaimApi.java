package org.coverledger.events.claim;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/**
 * The claim's messages, together: from the first notice of loss through materials, the
 * adjuster's assessment and a second approval, to the payout and the close.
 */
public final class ClaimApi {

    private ClaimApi() {
    }

    /** What an uploaded file is, as the customer files it. */
    public enum MaterialCategory { INVOICE, DIAGNOSIS, DISCHARGE_SUMMARY, ID_DOCUMENT, POLICE_REPORT, PHOTO, OTHER }

    /** Why an assessment line is approved below its claimed amount, or rejected: the customer reads the words. */
    public enum ReasonCode {
        NOT_COVERED("This is not covered by the policy."),
        EXCLUSION("The policy excludes this."),
        WAITING_PERIOD("This happened within the policy's waiting period."),
        OUTSIDE_COVER("This happened outside the period of cover."),
        INSUFFICIENT_EVIDENCE("The materials do not show this cost."),
        ABOVE_LIMIT("This is above the limit of the cover."),
        DUPLICATE("This was claimed already.");

        private final String words;

        ReasonCode(String words) {
            this.words = words;
        }

        /** The reason in plain words (English; the query side has the Chinese). */
        public String words() {
            return words;
        }
    }

    /** What an assessment came to, from its lines. */
    public enum Decision { APPROVED, PARTIALLY_APPROVED, REJECTED }

    /** How a claim ended. */
    public enum Outcome { PAID, REJECTED, WITHDRAWN, MATERIALS_NOT_PROVIDED, DUPLICATE }

    /** One thing the adjuster asks for: a category of material, and what exactly. */
    public record RequestedItem(MaterialCategory category, String description) {
        @Override
        public String toString() {
            return "RequestedItem[" + category + "]"; // the description may name a treatment: never in a log
        }
    }

    /** One line of an assessment: an item of the claim, what was claimed for it, what is approved and, below it, why. */
    public record AssessmentLine(String item, Money claimed, Money approved, ReasonCode reasonCode) {
    }

    // ------------------------------------------------------------------ commands

    public record SubmitClaim(@TargetAggregateIdentifier String claimId, String policyId, LocalDate incidentDate,
                              String incidentType, String description, Money amountClaimed, String payoutCardId) {
        @Override
        public String toString() {
            return "SubmitClaim[" + claimId + ", policy " + policyId + "]";
        }
    }

    /** Staff reassign a claim to a configured adjuster. */
    public record AssignClaim(@TargetAggregateIdentifier String claimId, String adjuster) {
    }

    public record RequestMaterials(@TargetAggregateIdentifier String claimId, List<RequestedItem> items, String note) {
        public RequestMaterials {
            items = List.copyOf(items);
        }

        @Override
        public String toString() {
            return "RequestMaterials[" + claimId + ", " + items.size() + " items]";
        }
    }

    /**
     * A file stored for the claim (its bytes already in the material store, sealed): the claim
     * records it, or answers the material it already has with the same SHA-256.
     */
    public record UploadMaterial(@TargetAggregateIdentifier String claimId, String materialId, MaterialCategory category,
                                 String contentType, long size, String sha256, String fileName) {
        @Override
        public String toString() {
            return "UploadMaterial[" + claimId + ", " + materialId + ", " + category + "]";
        }
    }

    /** The customer says every material asked for is uploaded. */
    public record ProvideMaterials(@TargetAggregateIdentifier String claimId) {
    }

    /** A timed step 7 days before a materials request is due: the customer is reminded, once. */
    public record RemindMaterials(@TargetAggregateIdentifier String claimId, LocalDate dueOn) {
    }

    /** A timed step after a materials request's due date: a claim still waiting closes. */
    public record CloseForMissingMaterials(@TargetAggregateIdentifier String claimId, LocalDate dueOn) {
    }

    public record AssessClaim(@TargetAggregateIdentifier String claimId, List<AssessmentLine> lines, String note) {
        public AssessClaim {
            lines = List.copyOf(lines);
        }

        @Override
        public String toString() {
            return "AssessClaim[" + claimId + ", " + lines.size() + " lines]";
        }
    }

    /** The second person with authority approves an approval above the first one's, or sends it back. */
    public record DecideApproval(@TargetAggregateIdentifier String claimId, boolean approve, String note) {
        @Override
        public String toString() {
            return "DecideApproval[" + claimId + ", " + approve + "]";
        }
    }

    /** Pays an approved claim to its payout card: sent by the settlement process and by the timed retries. */
    public record PayClaim(@TargetAggregateIdentifier String claimId) {
    }

    /** An admin tries a parked payout again (after the customer fixed the card). */
    public record RetryPayout(@TargetAggregateIdentifier String claimId) {
    }

    public record ChangePayoutCard(@TargetAggregateIdentifier String claimId, String payoutCardId) {
    }

    public record WithdrawClaim(@TargetAggregateIdentifier String claimId, String reason) {
        @Override
        public String toString() {
            return "WithdrawClaim[" + claimId + "]";
        }
    }

    public record ReopenClaim(@TargetAggregateIdentifier String claimId, String reason) {
        @Override
        public String toString() {
            return "ReopenClaim[" + claimId + "]";
        }
    }

    // ------------------------------------------------------------------ events

    /**
     * The claimant is the login that owns the policy's account. Revision 2 added the account,
     * whose key seals the description (free text about an incident is personal); revision 3 the
     * incident type, the card the payout goes to and the policy's product and
     * number. Older events read with none.
     */
    @Revision("3")
    public record ClaimSubmitted(String claimId, String policyId, @DataSubject String accountId, String claimant,
                                 LocalDate incidentDate, @PersonalData String description, Money amountClaimed,
                                 Instant submittedAt, String incidentType, String payoutCardId, String product,
                                 String policyNumber) {
        @Override
        public String toString() {
            return "ClaimSubmitted[" + claimId + ", policy " + policyId + "]";
        }
    }

    /** The adjuster whose work queue holds the claim: chosen at submission, or by an admin since. */
    public record ClaimAssigned(String claimId, String accountId, String adjuster, String assignedBy, Instant at) {
    }

    /**
     * Revision 2 renamed {@code adjuster} to {@code requestedBy}: admins request materials too
     * (revision 1 events are read through {@link MaterialsRequestedUpcaster}). Revision 3 added
     * the account, whose key seals the note. Revision 4 names each item's category and the day
     * the materials are due (revision 3 items read as OTHER, with no due date).
     */
    @Revision("4")
    public record MaterialsRequested(String claimId, @DataSubject String accountId, List<RequestedItem> items,
                                     @PersonalData String note, String requestedBy, Instant requestedAt, LocalDate dueOn) {
        public MaterialsRequested {
            items = List.copyOf(items);
        }

        @Override
        public String toString() {
            return "MaterialsRequested[" + claimId + ", " + items.size() + " items]";
        }
    }

    /** A file the claim holds: what it is and its SHA-256, never its content (in the material store, sealed). */
    public record MaterialUploaded(String claimId, @DataSubject String accountId, String materialId,
                                   MaterialCategory category, String contentType, long size, String sha256,
                                   @PersonalData String fileName, String uploadedBy, Instant at) {
        @Override
        public String toString() {
            return "MaterialUploaded[" + claimId + ", " + materialId + "]";
        }
    }

    /** The customer said the materials asked for are all uploaded: the claim goes back to review. */
    public record MaterialsProvided(String claimId, String accountId, String providedBy, Instant at) {
    }

    /** The customer was reminded of materials due on {@code dueOn}. */
    public record MaterialsReminded(String claimId, String accountId, LocalDate dueOn, Instant at) {
    }

    /**
     * The adjuster's assessment. {@code lines} is the JSON of the {@link AssessmentLine}s (sealed:
     * an item may name a treatment); {@code reasonCodes} are the lines' reasons, which analysts
     * may count. What is payable is the approved total less the product's deductible; above the
     * assessor's authority the approval waits for a second person ({@code needsSecondApproval}).
     */
    public record ClaimAssessed(String claimId, @DataSubject String accountId, String policyId,
                                @PersonalData String lines, List<ReasonCode> reasonCodes, Decision decision,
                                Money claimedTotal, Money approvedTotal, Money deductible, Money payable,
                                @PersonalData String note, String assessedBy, boolean needsSecondApproval,
                                Instant at) {
        public ClaimAssessed {
            reasonCodes = List.copyOf(reasonCodes);
        }

        @Override
        public String toString() {
            return "ClaimAssessed[" + claimId + ", " + decision + "]";
        }
    }

    /** Approved for payment, the cover reserved on the policy: {@code approvers} are who approved it. */
    public record ClaimApproved(String claimId, String accountId, String policyId, Money payable,
                                List<String> approvers, Instant at) {
        public ClaimApproved {
            approvers = List.copyOf(approvers);
        }
    }

    /** The second person sent the approval back: the claim is assessed again, its cover released. */
    public record SecondApprovalRefused(String claimId, @DataSubject String accountId, String policyId,
                                        @PersonalData String note, String refusedBy, Instant at) {
        @Override
        public String toString() {
            return "SecondApprovalRefused[" + claimId + "]";
        }
    }

    /**
     * A payout attempt that did not pay: declined, its outcome not known yet, or no card to pay
     * to. It is tried again at {@code nextAttemptAt}; with none the claim waits for an admin
     * (PAYOUT_FAILED).
     */
    public record ClaimPayoutFailed(String claimId, String accountId, int attempt, String paymentKey, String reason,
                                    Instant nextAttemptAt, Instant at) {
    }

    /** Paid to the payout card through the payment gateway, under the key, exactly once. */
    public record ClaimPaid(String claimId, String accountId, String policyId, Money amount, String payoutCardId,
                            String paymentKey, String gatewayReference, Instant at) {
    }

    /** An admin tried a parked payout again: a new round of attempts begins. */
    public record PayoutRetried(String claimId, String accountId, int round, String retriedBy, Instant at) {
    }

    public record PayoutCardChanged(String claimId, String accountId, String payoutCardId, String changedBy, Instant at) {
    }

    public record ClaimWithdrawn(String claimId, @DataSubject String accountId, @PersonalData String reason,
                                 String withdrawnBy, Instant at) {
        @Override
        public String toString() {
            return "ClaimWithdrawn[" + claimId + "]";
        }
    }

    /** The claim ended; {@code paid} is what it paid (zero unless PAID). It no longer binds its account. */
    public record ClaimClosed(String claimId, String accountId, String policyId, Outcome outcome, Money paid,
                              Instant at) {
    }

    /** Staff reopened a closed claim, within a year of its close: it is assessed again. */
    public record ClaimReopened(String claimId, @DataSubject String accountId, String policyId,
                                @PersonalData String reason, String reopenedBy, Instant at) {
        @Override
        public String toString() {
            return "ClaimReopened[" + claimId + "]";
        }
    }
}
