package org.coverledger.command.account;

import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.coverledger.identity.AccessTokens;
import org.springframework.stereotype.Component;

/**
 * The live sessions (bearer tokens) of an account's login, for the Account's handlers: a session
 * or device removed is ended in the token store, on both sides at once, once the removal is
 * recorded; never before, so that a refused command ends nothing.
 */
@Component
public class Sessions {

    private final AccessTokens tokens;

    public Sessions(AccessTokens tokens) {
        this.tokens = tokens;
    }

    public boolean isLive(String login, String sessionId) {
        return tokens.sessions(login).stream().anyMatch(session -> session.sessionId().equals(sessionId));
    }

    public void endOnceRecorded(String login, String sessionId) {
        afterCommit(() -> tokens.revokeSession(login, sessionId));
    }

    public void endDeviceOnceRecorded(String login, String deviceId) {
        afterCommit(() -> tokens.revokeDevice(login, deviceId));
    }

    private static void afterCommit(Runnable step) {
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().afterCommit(u -> step.run());
        } else {
            step.run();
        }
    }
}
