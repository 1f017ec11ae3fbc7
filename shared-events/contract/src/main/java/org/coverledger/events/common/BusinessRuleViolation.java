package org.coverledger.events.common;

/** An aggregate refused a command on a business rule (HTTP 422). The code is stable for clients. */
public class BusinessRuleViolation extends RuntimeException {

    private final String code;

    public BusinessRuleViolation(String code, String message) {
        super(message);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
