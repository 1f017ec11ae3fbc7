package org.coverledger.command.identity;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.coverledger.command.identity.OneTimeCodes.Purpose;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.notification.Notifications;
import org.coverledger.events.account.AccountApi.PasswordChange;
import org.coverledger.events.account.AccountApi.RecordPasswordChange;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.identity.AccessTokens;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.CustomerCredentials.Credential;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * A customer changes their password with the current one, or, having forgotten it (or locked
 * the account with failed logins), resets it with a code sent to their login's mobile or email;
 * a reset lifts the lock. Each is recorded as PasswordChanged, without the password.
 */
@Component
public class Passwords {

    private static final String TICKET = "ticket";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CustomerCredentials credentials;
    private final PasswordEncoder encoder;
    private final OneTimeCodes codes;
    private final Notifications notifications;
    private final CodeRateLimits limits;
    private final CommandGateway gateway;
    private final AccessTokens tokens;

    public Passwords(CustomerCredentials credentials, PasswordEncoder encoder, OneTimeCodes codes,
                     Notifications notifications, CodeRateLimits limits, CommandGateway gateway, AccessTokens tokens) {
        this.tokens = tokens;
        this.credentials = credentials;
        this.encoder = encoder;
        this.codes = codes;
        this.notifications = notifications;
        this.limits = limits;
        this.gateway = gateway;
    }

    /** The logged-in customer's own password; a wrong current password counts as a failed login. */
    public void change(String accountId, String current, String replacement, MetaData metaData) {
        Credential credential = credentials.byAccount(accountId).orElseThrow(() -> new UnknownObject("account", accountId));
        if (current == null || !encoder.matches(current, credential.passwordHash())) {
            credentials.recordFailure(accountId);
            throw new BusinessRuleViolation("PASSWORD_WRONG", "The current password is wrong.");
        }
        record(accountId, PasswordChange.CHANGED, metaData);
        credentials.setPassword(accountId, encoder.encode(replacement));
        tokens.revokeAll(accountId); // every device logs in again with the new password
    }

    /**
     * Sends a reset code to the login (mobile or email) if it belongs to an account, and returns
     * the ticket that entering the code needs; the answer looks the same either way, so nobody
     * learns which logins exist, and nobody without the ticket can spend the code's attempts.
     */
    public String requestReset(String login, String client) {
        limits.codeRequested("login:" + login.trim().toLowerCase(Locale.ROOT), client);
        byte[] random = new byte[18];
        RANDOM.nextBytes(random);
        String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Optional<Credential> credential = credentials.find(login.trim());
        if (credential.isPresent()) {
            String accountId = credential.get().accountId();
            String code = codes.issue(accountId, Purpose.PASSWORD_RESET, Map.of(TICKET, ticket));
            notifications.send(new Notice(accountId, login.contains("@") ? Notice.Channel.EMAIL : Notice.Channel.SMS,
                    login.trim(), Purpose.PASSWORD_RESET.name(),
                    "Your CoverLedger password reset code is " + code + ". It expires in 5 minutes; never share it."));
        }
        return ticket;
    }

    /**
     * Sets the new password if the code is right for the ticket, and unlocks the account. Every
     * refusal reads the same, whether the login exists or not.
     */
    public void reset(String login, String ticket, String code, String replacement, String client, MetaData metaData) {
        limits.codeEntered("ticket:" + ticket, client);
        Optional<Credential> credential = credentials.find(login.trim());
        if (credential.isEmpty() || !(codes.check(credential.get().accountId(), Purpose.PASSWORD_RESET, code,
                Map.of(TICKET, ticket)) instanceof OneTimeCodes.Accepted)) {
            throw new BusinessRuleViolation("CODE_INVALID",
                    "The code is wrong, used up or expired; request a new one if needed.");
        }
        String accountId = credential.get().accountId();
        // the customer who proved the code is the actor, as at registration
        record(accountId, PasswordChange.RESET_BY_CODE,
                metaData.and(CommandMetadata.ACTOR, accountId).and(CommandMetadata.ROLES, "CUSTOMER"));
        credentials.setPassword(accountId, encoder.encode(replacement));
        credentials.unlock(accountId);
        tokens.revokeAll(accountId);
    }

    private void record(String accountId, PasswordChange how, MetaData metaData) {
        gateway.sendAndWait(GenericCommandMessage.asCommandMessage(new RecordPasswordChange(accountId, how))
                .andMetaData(metaData));
    }
}
