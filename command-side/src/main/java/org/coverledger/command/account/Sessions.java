package org.coverledger.command.account;

import org.coverledger.identity.AccessTokens;
import org.springframework.stereotype.Component;

/**
 * The live sessions (bearer tokens) of an account's login, for the Account's handlers. A session
 * or device removed is ended in the token store, on both sides at once, before its removal is
 * recorded: if recording then fails, the session is still ended (and a retry finds the device);
 * the other way round, a removal recorded but not carried out would leave a live token behind.
 */
@Component
public class Sessions {

    private final AccessTokens tokens;

    public Sessions(AccessTokens tokens) {
        this.tokens = tokens;
    }

    /** Ends the session; false when the login has no such live session. */
    public boolean end(String login, String sessionId) {
        return tokens.revokeSession(login, sessionId);
    }

    /** Ends every session on the device; how many there were. */
    public long endDevice(String login, String deviceId) {
        return tokens.revokeDevice(login, deviceId);
    }
}
