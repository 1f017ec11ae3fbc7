package org.coverledger.events.policy;

/** The lines of business the insurer sells. */
public enum Product {
    HEALTH, AUTO, LIFE, PROPERTY
}
