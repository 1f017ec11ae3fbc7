package org.coverledger.command.demo;

import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountRegistration;
import org.coverledger.command.verification.SimulatedBank;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateStreamCreationException;
import org.coverledger.events.account.AccountApi.RecordTrustedVerification;
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
    private final CommandGateway gateway;

    public DemoAccounts(AccountRegistration registration, CommandGateway gateway) {
        this.registration = registration;
        this.gateway = gateway;
    }

    static String accountId(String user) {
        return UUID.nameUUIDFromBytes(("coverledger-demo:" + user).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** Both are verified with their cards at the simulated bank (SimulatedBank). */
    @EventListener(ApplicationReadyEvent.class)
    public void seed() {
        seed(new RegisterAccount(ALICE, "alice", "Alice Wang", "11010519491231002X", "13800000001", "alice@example.com"),
                "6222020000000000018");
        seed(new RegisterAccount(BOB, "bob", "Bob Li", "440524188001010014", "13800000002", "bob@example.com"),
                "6222020000000000026");
    }

    private void seed(RegisterAccount command, String verifiedCard) {
        MetaData system = MetaData.with(CommandMetadata.ACTOR, CommandMetadata.SYSTEM_ACTOR).and(CommandMetadata.ROLES, "");
        try {
            registration.register(command, null, system);
            log.info("Seeded the demo account of {}", command.owner());
        } catch (AccountRegistration.AlreadyRegistered | AggregateStreamCreationException e) {
            // seeded before
        }
        // verifying twice changes nothing, so data seeded before verification existed is brought up to date
        try {
            gateway.sendAndWait(GenericCommandMessage.asCommandMessage(
                    new RecordTrustedVerification(command.accountId(), verifiedCard)).andMetaData(system));
        } catch (RuntimeException e) {
            log.warn("The demo account of {} was not verified: {}", command.owner(), e.getMessage());
        }
    }
}
