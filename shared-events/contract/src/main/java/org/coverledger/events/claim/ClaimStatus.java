package org.coverledger.events.claim;

/** Where a claim stands, as the customer's progress notice shows it. */
public enum ClaimStatus {
    SUBMITTED(true), MATERIALS_REQUESTED(true);

    private final boolean open;

    ClaimStatus(boolean open) {
        this.open = open;
    }

    /** An open claim keeps its account from being closed and its records from being erased. */
    public boolean isOpen() {
        return open;
    }
}
