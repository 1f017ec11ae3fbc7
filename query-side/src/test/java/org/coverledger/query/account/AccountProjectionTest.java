package org.coverledger.query.account;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountLocked;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AccountVerified;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.events.account.AccountApi.PersonalDataErased;
import org.coverledger.privacy.PersonalDataSeal;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Given account events, the account document; a redelivery changes nothing; an erasure forgets at once. */
class AccountProjectionTest {

    private static final Instant AT = Instant.parse("2027-01-05T01:00:00Z");
    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final AccountProjection projection = new AccountProjection(mongo.template());

    @AfterEach
    void stop() {
        mongo.close();
    }

    private void history() {
        projection.on(new AccountRegistered("acc-1", "acc-1", "Wang Fang", "110105198807150026", "13912340000",
                "wang.fang@example.com"), 0, AT);
        projection.on(new CardBound("acc-1", "card-1", "6217000000000040026", AT.plusSeconds(60)), 1);
        projection.on(new AccountVerified("acc-1", "6217000000000040026", AT.plusSeconds(120)), 2);
        projection.on(new AccountLocked("acc-1", "five failed logins", AT.plusSeconds(180)), 3);
    }

    private AccountView view() {
        return mongo.template().findById("acc-1", AccountView.class);
    }

    @Test
    void registered_bound_verified_and_locked() {
        history();
        AccountView view = view();
        assertThat(view.name()).isEqualTo("Wang Fang");
        assertThat(view.cards()).extracting(AccountView.Card::cardId).containsExactly("card-1");
        assertThat(view.verified()).isTrue();
        assertThat(view.status()).isEqualTo(AccountProjection.LOCKED);
        assertThat(view.lastSequence()).isEqualTo(3);
    }

    @Test
    void a_redelivered_history_changes_nothing() {
        history();
        AccountView once = view();
        history();
        assertThat(view()).isEqualTo(once);
        assertThat(view().cards()).hasSize(1);
    }

    @Test
    void an_erasure_forgets_the_personal_data_at_once_and_a_closure_is_kept() {
        history();
        projection.on(new AccountClosed("acc-1", "root", AT.plusSeconds(240)), 4);
        projection.on(new PersonalDataErased("acc-1", "root", AT.plusSeconds(300)), 5);
        AccountView view = view();
        assertThat(view.status()).isEqualTo(AccountProjection.ERASED);
        assertThat(view.name()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(view.nationalId()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(view.mobile()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(view.email()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(view.cards()).extracting(AccountView.Card::number).containsOnly(PersonalDataSeal.ERASED);
    }
}
