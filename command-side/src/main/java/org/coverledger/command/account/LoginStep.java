package org.coverledger.command.account;

/** What a login step of a customer comes to: a session, a code to enter, or a refusal that is recorded. */
public sealed interface LoginStep {

    /** A session may start on the device: issue its token. */
    record Granted(String sessionId, String deviceId, String deviceName) implements LoginStep {
    }

    /** A code went to the account's mobile; answer the challenge with it. */
    record Challenged(String challengeId, String codeSentTo) implements LoginStep {
    }

    /**
     * The code was not accepted. Returned rather than thrown, so that the failure is recorded as
     * an event of the account; the caller answers it as a refusal with this code.
     */
    record Refused(String code, String message) implements LoginStep {
    }
}
