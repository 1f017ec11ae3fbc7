package org.coverledger.events.account;

import java.time.Instant;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/**
 * A customer's logins as the account records them: the second factor (a one-time code to the
 * account's mobile when a device is not trusted), the trusted devices and the sessions. Every
 * step is an event of the account, so the audit trail shows who logged in, when, from where and
 * on what device. The device id is the client app's own ({@code X-Device-Id}); its name comes
 * from the user agent; the client address is sealed like other personal data.
 */
public final class LoginApi {

    private LoginApi() {
    }

    /**
     * The customer's password was right: a session starts at once on a trusted device (or with
     * two factors off), otherwise a code goes to the account's mobile.
     */
    public record StartLogin(@TargetAggregateIdentifier String accountId, String sessionId, String deviceId,
                             String deviceToken, String deviceName, String clientAddress, boolean twoFactor) {
        @Override
        public String toString() {
            return "StartLogin[" + accountId + ", " + deviceId + "]";
        }
    }

    /**
     * The code of a challenge, and whether to trust the device from now on. {@code deviceToken}:
     * the secret the device will show to be trusted (made by the server, given to the device once;
     * only its hash is recorded), or null.
     */
    public record AnswerLoginChallenge(@TargetAggregateIdentifier String accountId, String challengeId, String code,
                                       String deviceToken, String sessionId) {
        @Override
        public String toString() {
            return "AnswerLoginChallenge[" + accountId + ", " + challengeId + "]";
        }
    }

    /** The device is trusted no more and every session on it ends. */
    public record RemoveDevice(@TargetAggregateIdentifier String accountId, String deviceId) {
    }

    /** Why a session ended before its time. */
    public enum SessionEnd { LOGGED_OUT, REMOVED }

    public record EndSession(@TargetAggregateIdentifier String accountId, String sessionId, SessionEnd reason) {
    }

    public record LoginChallengeSent(@DataSubject String accountId, String challengeId, String deviceId,
                                     @PersonalData String deviceName, @PersonalData String clientAddress,
                                     Instant sentAt) {
        @Override
        public String toString() {
            return "LoginChallengeSent[" + accountId + ", " + challengeId + ", " + deviceId + "]";
        }
    }

    /** A wrong code, or none left: with no attempts left the challenge has ended. */
    public record LoginChallengeFailed(String accountId, String challengeId, String reason, int attemptsLeft,
                                       Instant failedAt) {
    }

    public record LoginChallengePassed(String accountId, String challengeId, String deviceId, Instant passedAt) {
    }

    /** {@code newDevice}: the first session on this device (or the first since it was removed). */
    public record SessionStarted(@DataSubject String accountId, String sessionId, String deviceId,
                                 @PersonalData String deviceName, @PersonalData String clientAddress,
                                 boolean newDevice, Instant startedAt) {
        @Override
        public String toString() {
            return "SessionStarted[" + accountId + ", " + sessionId + ", " + deviceId + "]";
        }
    }

    /**
     * The device skips the code until {@code trustedUntil} when it shows the secret whose SHA-256
     * is {@code secretHash}: the device id alone, which the client names, proves nothing.
     */
    public record DeviceTrusted(@DataSubject String accountId, String deviceId, @PersonalData String deviceName,
                                String secretHash, Instant trustedUntil, Instant trustedAt) {
        @Override
        public String toString() {
            return "DeviceTrusted[" + accountId + ", " + deviceId + ", until " + trustedUntil + "]";
        }
    }

    public record DeviceRemoved(String accountId, String deviceId, String removedBy, Instant removedAt) {
    }

    public record SessionEnded(String accountId, String sessionId, SessionEnd reason, String endedBy,
                               Instant endedAt) {
    }
}
