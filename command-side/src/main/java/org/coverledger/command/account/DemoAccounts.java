package org.coverledger.command.account;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.common.CommandMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The demo customers alice and bob, seeded as accounts with the embedded default
 * ({@code coverledger.demo-accounts=false} turns it off). They log in with their demo user
 * names; their account ids are fixed, so the README can use them.
 */
@Component
@ConditionalOnProperty(name = "coverledger.demo-accounts", havingValue = "true")
public class DemoAccounts {

    private static final Logger log = LoggerFactory.getLogger(DemoAccounts.class);

    public static final String ALICE = accountId("alice");
    public static final String BOB = accountId("bob");

    private final AccountRegistration registration;

    public DemoAccounts(AccountRegistration registration) {
        this.registration = registration;
    }

    static String accountId(String user) {
        return UUID.nameUUIDFromBytes(("coverledger-demo:" + user).getBytes(StandardCharsets.UTF_8)).toString();
    }

    @EventListener(ApplicationReadyEvent.class)
    public void seed() {
        seed(new RegisterAccount(ALICE, "alice", "Alice Wang", "11010519491231002X", "13800000001", "alice@example.com"));
        seed(new RegisterAccount(BOB, "bob", "Bob Li", "440524188001010014", "13800000002", "bob@example.com"));
    }

    private void seed(RegisterAccount command) {
        try {
            registration.register(command, null,
                    MetaData.with(CommandMetadata.ACTOR, "system").and(CommandMetadata.ROLES, ""));
            log.info("Seeded the demo account of {}", command.owner());
        } catch (AccountRegistration.AlreadyRegistered | AggregateStreamCreationException e) {
            // seeded before
        }
    }
}
