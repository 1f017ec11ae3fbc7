package org.coverledger.events.claim;

/** Where a claim stands, as the customer's progress notice shows it. */
public enum ClaimStatus {
    /** Reported, waiting for the adjuster's first action. */
    SUBMITTED(true),
    /** The adjuster asked for materials: the customer uploads them and says when they are all there. */
    MATERIALS_REQUESTED(true),
    /** The materials are in (or the claim was reopened): the adjuster assesses. */
    UNDER_REVIEW(true),
    /** Approved above the adjuster's authority: a second person with authority approves. */
    AWAITING_SECOND_APPROVAL(true),
    /** Approved, the cover reserved on the policy: the payout is on its way. */
    APPROVED(true),
    /** The payout was declined or timed out too often: the customer fixes the card, an admin retries. */
    PAYOUT_FAILED(true),
    /** Ended, with an outcome (paid, rejected, withdrawn, materials not provided, duplicate). */
    CLOSED(false);

    private final boolean open;

    ClaimStatus(boolean open) {
        this.open = open;
    }

    /** An open claim keeps its account from being closed and its records from being erased. */
    public boolean isOpen() {
        return open;
    }
}
