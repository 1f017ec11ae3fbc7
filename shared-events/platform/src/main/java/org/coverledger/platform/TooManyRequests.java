package org.coverledger.platform;

/** A budget (codes requested, codes entered) is spent for now: 429 with Retry-After. */
public class TooManyRequests extends RuntimeException {

    private final String code;
    private final long retryAfterSeconds;

    public TooManyRequests(String code, String message, long retryAfterSeconds) {
        super(message);
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public String code() {
        return code;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
