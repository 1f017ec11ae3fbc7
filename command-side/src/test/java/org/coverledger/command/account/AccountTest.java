package org.coverledger.command.account;

import static org.coverledger.command.support.Refusals.refused;
import static org.coverledger.command.support.Callers.as;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.events.account.AccountApi.AccountLocked;
import org.coverledger.events.account.AccountApi.AccountVerified;
import org.coverledger.events.account.AccountApi.AuthorizeAutoDebit;
import org.coverledger.events.account.AccountApi.AutoDebitAuthorized;
import org.coverledger.events.account.AccountApi.AutoDebitRevoked;
import org.coverledger.events.account.AccountApi.PasswordChange;
import org.coverledger.events.account.AccountApi.PasswordChanged;
import org.coverledger.events.account.AccountApi.RecordPasswordChange;
import org.coverledger.events.account.AccountApi.RecordTrustedVerification;
import org.coverledger.events.account.AccountApi.RevokeAutoDebit;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AccountUnlocked;
import org.coverledger.events.account.AccountApi.BindCard;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.events.account.AccountApi.CardUnbound;
import org.coverledger.events.account.AccountApi.LockAccount;
import org.coverledger.events.account.AccountApi.UnbindCard;
import org.coverledger.events.account.AccountApi.NotificationPreferencesSet;
import org.coverledger.events.account.AccountApi.SetNotificationPreferences;
import org.coverledger.events.account.Notices;
import org.coverledger.events.account.AccountApi.RegisterAccount;
import org.coverledger.events.account.AccountApi.UnlockAccount;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AccountTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private final AggregateTestFixture<Account> fixture = new AggregateTestFixture<>(Account.class);
    private final AccountRegistered registered = new AccountRegistered("acc-1", "acc-1", "Alice Wang",
            "11010519491231002X", "13812345678", "alice@example.com");

    @BeforeEach
    void setUp() {
        fixture.registerInjectableResource(new BusinessCalendar(Clock.fixed(NOW, ZoneOffset.UTC),
                BusinessCalendar.DEFAULT_ZONE));
    }

    @Test
    void a_registered_account_records_who_owns_it_and_no_password() {
        fixture.givenNoPriorActivity()
                .when(new RegisterAccount("acc-1", "acc-1", "Alice Wang", "11010519491231002X", "13812345678",
                        "alice@example.com"))
                .expectEvents(registered);
    }

    @Test
    void failed_logins_lock_the_account_once() {
        fixture.given(registered)
                .when(new LockAccount("acc-1", "5 failed logins in a row"), as("system", ""))
                .expectEvents(new AccountLocked("acc-1", "5 failed logins in a row", NOW));
        fixture.given(registered, new AccountLocked("acc-1", "5 failed logins in a row", NOW))
                .when(new LockAccount("acc-1", "again"), as("system", ""))
                .expectNoEvents();
    }

    @Test
    void an_admin_unlocks_a_locked_account() {
        fixture.given(registered, new AccountLocked("acc-1", "5 failed logins in a row", NOW))
                .when(new UnlockAccount("acc-1"), as("root", "ADMIN"))
                .expectEvents(new AccountUnlocked("acc-1", "root", NOW));
    }

    @Test
    void the_customer_chooses_channels_and_quiet_hours() {
        var channels = java.util.Map.of(Notices.NoticeType.CLAIM_PROGRESS, Notices.Channel.APP_PUSH,
                Notices.NoticeType.PREMIUM_DEBIT, Notices.Channel.SMS, Notices.NoticeType.MARKETING, Notices.Channel.NONE);
        fixture.given(registered)
                .when(new SetNotificationPreferences("acc-1", channels, LocalTime.of(23, 0), LocalTime.of(7, 0)),
                        as("acc-1", "CUSTOMER"))
                .expectEvents(new NotificationPreferencesSet("acc-1", channels, LocalTime.of(23, 0), LocalTime.of(7, 0)));
    }

    @Test
    void money_movements_are_always_notified_by_sms() {
        fixture.given(registered)
                .when(new SetNotificationPreferences("acc-1",
                        java.util.Map.of(Notices.NoticeType.CLAIM_PAYOUT, Notices.Channel.EMAIL), null, null),
                        as("acc-1", "CUSTOMER"))
                .expectException(refused("MONEY_MOVEMENTS_BY_SMS"))
                .expectNoEvents();
    }

    @Test
    void another_customer_cannot_see_the_account_to_set_its_preferences() {
        fixture.given(registered)
                .when(new SetNotificationPreferences("acc-1", java.util.Map.of(), null, null), as("bob", "CUSTOMER"))
                .expectException(org.coverledger.events.common.UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void the_customer_binds_and_unbinds_cards() {
        CardBound bound = new CardBound("acc-1", "card-1", "6222020200112345679", NOW);
        fixture.given(registered)
                .when(new BindCard("acc-1", "card-1", "6222020200112345679"), as("acc-1", "CUSTOMER"))
                .expectEvents(bound);
        fixture.given(registered, bound)
                .when(new UnbindCard("acc-1", "card-1"), as("acc-1", "CUSTOMER"))
                .expectEvents(new CardUnbound("acc-1", "card-1", NOW));
    }

    @Test
    void a_card_is_bound_once_and_an_unknown_card_cannot_be_unbound() {
        CardBound bound = new CardBound("acc-1", "card-1", "6222020200112345679", NOW);
        fixture.given(registered, bound)
                .when(new BindCard("acc-1", "card-2", "6222020200112345679"), as("acc-1", "CUSTOMER"))
                .expectException(refused("CARD_ALREADY_BOUND"))
                .expectNoEvents();
        fixture.given(registered, bound, new CardUnbound("acc-1", "card-1", NOW))
                .when(new UnbindCard("acc-1", "card-1"), as("acc-1", "CUSTOMER"))
                .expectException(org.coverledger.events.common.UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void another_customer_cannot_bind_a_card_to_the_account() {
        fixture.given(registered)
                .when(new BindCard("acc-1", "card-1", "6222020200112345679"), as("bob", "CUSTOMER"))
                .expectException(org.coverledger.events.common.UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void an_account_that_is_not_locked_cannot_be_unlocked() {
        fixture.given(registered)
                .when(new UnlockAccount("acc-1"), as("root", "ADMIN"))
                .expectException(refused("ACCOUNT_NOT_LOCKED"))
                .expectNoEvents();
    }

    private final CardBound card = new CardBound("acc-1", "card-1", "6222020200112345679", NOW);

    @Test
    void the_customer_authorizes_premium_auto_debit_from_a_bound_card_and_revokes_it() {
        AutoDebitAuthorized authorized = new AutoDebitAuthorized("acc-1", "card-1", 15, Money.cny("800.00"), NOW);
        fixture.given(registered, card)
                .when(new AuthorizeAutoDebit("acc-1", "card-1", 15, Money.cny("800.00")), as("acc-1", "CUSTOMER"))
                .expectEvents(authorized);
        fixture.given(registered, card, authorized)
                .when(new RevokeAutoDebit("acc-1"), as("acc-1", "CUSTOMER"))
                .expectEvents(new AutoDebitRevoked("acc-1", "acc-1", NOW));
        fixture.given(registered, card)
                .when(new RevokeAutoDebit("acc-1"), as("acc-1", "CUSTOMER"))
                .expectException(refused("NO_AUTO_DEBIT"))
                .expectExceptionMessage("No premium auto-debit is authorized.");
    }

    @Test
    void auto_debit_needs_a_bound_card_a_day_from_1_to_28_and_a_positive_cap() {
        fixture.given(registered, card)
                .when(new AuthorizeAutoDebit("acc-1", "card-9", 15, Money.cny("800.00")), as("acc-1", "CUSTOMER"))
                .expectException(refused("CARD_UNKNOWN")).expectNoEvents();
        fixture.given(registered, card)
                .when(new AuthorizeAutoDebit("acc-1", "card-1", 29, Money.cny("800.00")), as("acc-1", "CUSTOMER"))
                .expectException(refused("DAY_OF_MONTH_INVALID")).expectNoEvents();
        fixture.given(registered, card)
                .when(new AuthorizeAutoDebit("acc-1", "card-1", 1, Money.cny("0.00")), as("acc-1", "CUSTOMER"))
                .expectException(refused("AMOUNT_NOT_POSITIVE")).expectNoEvents();
        fixture.given(registered, card)
                .when(new AuthorizeAutoDebit("acc-1", "card-1", 1, Money.cny("10.00")), as("bob", "CUSTOMER"))
                .expectException(org.coverledger.events.common.UnknownObject.class).expectNoEvents();
    }

    @Test
    void the_card_premiums_are_debited_from_cannot_be_unbound() {
        fixture.given(registered, card, new AutoDebitAuthorized("acc-1", "card-1", 15, Money.cny("800.00"), NOW))
                .when(new UnbindCard("acc-1", "card-1"), as("acc-1", "CUSTOMER"))
                .expectException(refused("CARD_IN_USE"))
                .expectExceptionMessage("Premiums are debited from this card; revoke the auto-debit first.")
                .expectNoEvents();
    }

    @Test
    void a_password_change_is_recorded_without_the_password_and_a_reset_lifts_the_lock() {
        fixture.given(registered)
                .when(new RecordPasswordChange("acc-1", PasswordChange.CHANGED), as("acc-1", "CUSTOMER"))
                .expectEvents(new PasswordChanged("acc-1", PasswordChange.CHANGED, "acc-1", NOW));
        fixture.given(registered, new AccountLocked("acc-1", "5 failed logins in a row", NOW))
                .when(new RecordPasswordChange("acc-1", PasswordChange.RESET_BY_CODE), as("acc-1", "CUSTOMER"))
                .expectEvents(new PasswordChanged("acc-1", PasswordChange.RESET_BY_CODE, "acc-1", NOW),
                        new AccountUnlocked("acc-1", "acc-1", NOW));
    }

    @Test
    void only_the_system_records_a_verification_made_elsewhere_and_only_once() {
        fixture.given(registered)
                .when(new RecordTrustedVerification("acc-1", "6222020000000000018"), as("system", ""))
                .expectEvents(new AccountVerified("acc-1", "6222020000000000018", NOW));
        fixture.given(registered, new AccountVerified("acc-1", "6222020000000000018", NOW))
                .when(new RecordTrustedVerification("acc-1", "6222020000000000018"), as("system", ""))
                .expectNoEvents();
        fixture.given(registered)
                .when(new RecordTrustedVerification("acc-1", "6222020000000000018"), as("root", "ADMIN"))
                .expectException(org.coverledger.events.common.ActionNotPermitted.class)
                .expectNoEvents();
    }
}
