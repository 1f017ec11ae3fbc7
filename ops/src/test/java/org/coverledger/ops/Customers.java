package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.UUID;

import org.coverledger.command.demo.DemoAccounts;
import org.coverledger.ops.Api.Reply;

/** Customers for end-to-end tests: the seeded demo accounts, and new ones who register themselves. */
final class Customers {

    /** The demo customer alice's seeded account; she logs in as alice. */
    static final String ALICE_ACCOUNT = DemoAccounts.ALICE;

    private static final Random RANDOM = new Random();

    private Customers() {
    }

    /** A customer who registered and logs in with their mobile number. */
    record Customer(String accountId, String name, String nationalId, String mobile, String email, String password) {
        Api command(RunningSystem system) {
            return Api.as(system.commandUrl(), mobile, password);
        }

        Api query(RunningSystem system) {
            return Api.as(system.queryUrl(), mobile, password);
        }
    }

    static Customer register(RunningSystem system) {
        return register(system, "Wang Fang");
    }

    static Customer register(RunningSystem system, String name) {
        String nationalId = nationalId();
        String mobile = "139" + String.format("%08d", RANDOM.nextInt(100_000_000));
        String email = "c" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String password = "Ledger#" + (1000 + RANDOM.nextInt(9000)) + "x";
        Reply reply = Api.at(system.commandUrl(), null).post("/api/accounts", registration(name, nationalId, mobile,
                email, password));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return new Customer(reply.json().get("accountId").asText(), name, nationalId, mobile, email, password);
    }

    static String registration(String name, String nationalId, String mobile, String email, String password) {
        return """
                {"name":"%s","nationalId":"%s","mobile":"%s","email":"%s","password":"%s"}"""
                .formatted(name, nationalId, mobile, email, password);
    }

    /** A valid, random PRC resident ID. */
    static String nationalId() {
        return org.coverledger.ops.load.LoadDriver.nationalId();
    }
}
