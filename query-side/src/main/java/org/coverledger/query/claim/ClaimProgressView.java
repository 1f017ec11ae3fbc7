package org.coverledger.query.claim;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/**
 * A claim as its events left it: status, amounts, the latest materials request, the files it
 * holds, the assessment and payout, and every step in order. Personal text (description, notes,
 * file names, assessment lines) is held opened, {@code [erased]} once its customer is erased or
 * {@code [withheld]} where the event named no customer; the controllers mask it by role. What a
 * reader is told to do next is worked out when read ({@link ClaimProgress}), from the status.
 */
@Document("claim_progress")
public record ClaimProgressView(@Id String claimId, String policyId, String policyNumber, String product,
                                String accountId, String claimant, String status, boolean open,
                                LocalDate incidentDate, String incidentType, String description,
                                String currency, BigDecimal amountClaimed, Instant submittedAt, String assignee,
                                Instant firstActionAt, String firstActionBy, Instant lastStepAt,
                                MaterialsRequest materialsRequest, List<Material> materials, Assessment assessment,
                                Payout payout, String outcome, Instant closedAt, List<Step> timeline,
                                long lastSequence) {

    /** The adjuster's latest request for materials. */
    public record MaterialsRequest(Instant requestedAt, String requestedBy, LocalDate dueOn, String note,
                                   List<Item> items, Instant remindedAt) {
    }

    /** A category of material asked for, and what exactly. */
    public record Item(String category, String description) {
    }

    /** A file the claim holds (its bytes in the material store, sealed); {@code fileName} is personal. */
    public record Material(String materialId, String category, String contentType, long size, String sha256,
                           String fileName, String uploadedBy, Instant at) {
    }

    /** The latest assessment: {@code lines} are the assessment's lines opened (personal: items may name treatment). */
    public record Assessment(String decision, List<String> reasonCodes, List<Line> lines, BigDecimal claimedTotal,
                             BigDecimal approvedTotal, BigDecimal deductible, BigDecimal payable,
                             boolean needsSecondApproval, List<String> approvers, String assessedBy, Instant at) {
    }

    public record Line(String item, BigDecimal claimed, BigDecimal approved, String reasonCode) {
    }

    /** The payout: attempts that did not pay, the last one's reason and the next try; then what was paid. */
    public record Payout(int failedAttempts, String lastFailure, Instant lastFailedAt, Instant nextAttemptAt,
                         Instant cardChangedAt, BigDecimal paid, Instant paidAt, String gatewayReference) {
    }

    /**
     * One event of the claim: {@code step} names it (SUBMITTED, ASSIGNED, MATERIALS_REQUESTED,
     * MATERIAL_UPLOADED, MATERIALS_PROVIDED, MATERIALS_REMINDED, ASSESSED, APPROVED,
     * SECOND_APPROVAL_REFUSED, PAYOUT_FAILED, PAID, PAYOUT_CARD_CHANGED, WITHDRAWN, CLOSED, REOPENED).
     */
    public record Step(long sequence, String step, Instant at, String by, List<Item> items, String note) {
    }
}
