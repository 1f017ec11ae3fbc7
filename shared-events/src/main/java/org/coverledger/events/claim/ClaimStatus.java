package org.coverledger.events.claim;

/** Where a claim stands, as the customer's progress notice shows it. */
public enum ClaimStatus {
    SUBMITTED, MATERIALS_REQUESTED
}
