package org.coverledger.command.account;

import static org.coverledger.command.support.Callers.alice;

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.junit.jupiter.api.Test;

class AccountTest {

    private final AggregateTestFixture<Account> fixture = new AggregateTestFixture<>(Account.class);

    @Test
    void the_registering_customer_owns_the_account() {
        fixture.givenNoPriorActivity()
                .when(new RegisterAccount("acc-1", "Alice Wang", "11010519491231002X", "13812345678"), alice())
                .expectEvents(new AccountRegistered("acc-1", "alice", "Alice Wang", "11010519491231002X", "13812345678"));
    }
}
