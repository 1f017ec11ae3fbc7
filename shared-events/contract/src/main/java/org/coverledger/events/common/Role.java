package org.coverledger.events.common;

/** Who a caller is to the insurer. Staff roles see more than customers; see README "Roles". */
public enum Role {
    CUSTOMER, UNDERWRITER, ADJUSTER, COMPLIANCE, ANALYST, ADMIN
}
