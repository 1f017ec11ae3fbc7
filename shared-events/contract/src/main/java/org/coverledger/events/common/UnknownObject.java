package org.coverledger.events.common;

/**
 * The object does not exist, or the caller may not see it: both answer 404 so that a customer
 * cannot probe for other customers' identifiers.
 */
public class UnknownObject extends RuntimeException {

    private final String kind;

    public UnknownObject(String kind, String id) {
        super(kind + " " + id + " not found");
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }
}
