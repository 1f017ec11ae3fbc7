package org.coverledger.events.common;

/** The caller's role may see the object but not do this to it (HTTP 403). */
public class ActionNotPermitted extends RuntimeException {

    public ActionNotPermitted(String message) {
        super(message);
    }
}
