package org.coverledger.command.account;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.CustomerCredentials.Identity;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Component;

/**
 * Registers an account whose national ID, mobile number and email belong to no other account,
 * even when two registrations race: each value is claimed under a unique key first, and a
 * registration that cannot complete gives its claims back (one that dies midway leaves them
 * pending, and they can be taken over after a while). The password is hashed here and
 * never reaches an event.
 */
@Component
public class AccountRegistration {

    /** The value another account holds. */
    public static class AlreadyRegistered extends BusinessRuleViolation {
        private final String field;

        AlreadyRegistered(String field) {
            super("ALREADY_REGISTERED", "Another account is registered with this " + field + ".");
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    private final CustomerCredentials credentials;
    private final PasswordEncoder passwords;
    private final CommandGateway gateway;

    public AccountRegistration(CustomerCredentials credentials, PasswordEncoder passwords, CommandGateway gateway) {
        this.credentials = credentials;
        this.passwords = passwords;
        this.gateway = gateway;
    }

    /** Registers with a password (a customer) or without one (a demo account whose owner logs in elsewhere). */
    public void register(RegisterAccount command, String password, MetaData metaData) {
        Map<Identity, String> values = new java.util.LinkedHashMap<>();
        values.put(Identity.NATIONAL_ID, command.nationalId());
        values.put(Identity.MOBILE, command.mobile());
        if (command.email() != null) {
            values.put(Identity.EMAIL, command.email());
        }
        List<Identity> claimed = new ArrayList<>();
        boolean done = false;
        try {
            for (Map.Entry<Identity, String> value : values.entrySet()) {
                Optional<String> holder = credentials.claim(value.getKey(), value.getValue(), command.accountId());
                if (holder.isPresent()) {
                    throw new AlreadyRegistered(fieldOf(value.getKey()));
                }
                claimed.add(value.getKey());
            }
            if (password != null) {
                credentials.create(command.accountId(), passwords.encode(password));
            }
            gateway.sendAndWait(GenericCommandMessage.asCommandMessage(command).andMetaData(metaData));
            done = true;
            claimed.forEach(identity -> credentials.confirm(identity, values.get(identity), command.accountId()));
        } finally {
            if (!done) {
                claimed.forEach(identity -> credentials.release(identity, values.get(identity), command.accountId()));
                if (password != null) {
                    credentials.delete(command.accountId());
                }
            }
        }
    }

    private static String fieldOf(Identity identity) {
        return switch (identity) {
            case NATIONAL_ID -> "nationalId";
            case MOBILE -> "mobile";
            case EMAIL -> "email";
        };
    }
}
