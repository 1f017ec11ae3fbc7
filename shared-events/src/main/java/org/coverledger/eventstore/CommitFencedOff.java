package org.coverledger.eventstore;

import org.axonframework.common.AxonTransientException;

/**
 * A commit arrived after a tracking reader had given up waiting for its reserved indexes and
 * fenced them off. Nothing was stored; retrying the command stores it under new indexes.
 */
public class CommitFencedOff extends AxonTransientException {

    public CommitFencedOff(String message, Throwable cause) {
        super(message, cause);
    }
}
