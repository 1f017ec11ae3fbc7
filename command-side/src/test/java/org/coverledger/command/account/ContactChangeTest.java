package org.coverledger.command.account;

import org.coverledger.command.identity.CodeRateLimits;
import org.coverledger.command.identity.OneTimeCodes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.command.support.Callers.as;
import static org.coverledger.command.support.Refusals.refused;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoDatabase;
import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.ConfirmContactChange;
import org.coverledger.events.account.AccountApi.ContactChanged;
import org.coverledger.events.account.AccountApi.StartContactChange;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.CustomerCredentials.Identity;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A new mobile or email, decided by the Account's own handlers: the code goes to the new contact,
 * the value is claimed under the registration's unique keys, the old contact is told.
 */
class ContactChangeTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String NEW_MOBILE = "13900000009";

    private final AggregateTestFixture<Account> fixture = new AggregateTestFixture<>(Account.class);
    private final MongoDatabase database = TestMongo.freshDatabase();
    private final CustomerCredentials credentials = new CustomerCredentials(database, "pepper", CLOCK);
    private final List<Notice> sent = new ArrayList<>();
    private final AccountRegistered zhang = new AccountRegistered("acc-1", "acc-1", "Zhang San", "110105199001011232",
            "13812345678", "zhang@example.com");

    @BeforeEach
    void setUp() {
        fixture.registerInjectableResource(new BusinessCalendar(CLOCK, BusinessCalendar.DEFAULT_ZONE));
        OneTimeCodes codes = new OneTimeCodes(database, new SubjectKeys(database, SubjectKeys.randomMasterKey()),
                "pepper", CLOCK);
        CodeRateLimits limits = new CodeRateLimits(3, 100, 10, 100, Duration.ofMinutes(15), CLOCK);
        fixture.registerInjectableResource(new ContactChange(codes, sent::add, limits, credentials));
        credentials.claim(Identity.MOBILE, "13812345678", "acc-1");
        credentials.confirm(Identity.MOBILE, "13812345678", "acc-1");
    }

    private static MetaData customer(String account) {
        return as(account, "CUSTOMER").and(CommandMetadata.CLIENT_IP, "10.0.0.7");
    }

    private String lastCode() {
        return sent.get(sent.size() - 1).text().replaceAll("\\D*(\\d{6}).*", "$1");
    }

    @Test
    void the_code_goes_to_the_new_mobile_and_once_entered_the_mobile_is_the_accounts_and_the_old_one_is_told() {
        fixture.given(zhang)
                .when(new StartContactChange("acc-1", NEW_MOBILE, null), customer("acc-1"))
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
        assertThat(sent).singleElement().satisfies(notice -> assertThat(notice.to()).isEqualTo(NEW_MOBILE));

        fixture.given(zhang)
                .when(new ConfirmContactChange("acc-1", lastCode()), customer("acc-1"))
                .expectEvents(new ContactChanged("acc-1", NEW_MOBILE, null, NOW));
        assertThat(credentials.holder(Identity.MOBILE, NEW_MOBILE)).contains("acc-1");
        assertThat(credentials.holder(Identity.MOBILE, "13812345678")).as("the old mobile is free").isEmpty();
        assertThat(sent).last().satisfies(notice -> {
            assertThat(notice.to()).isEqualTo("13812345678");
            assertThat(notice.text()).contains("139****0009").doesNotContain(NEW_MOBILE);
        });
    }

    @Test
    void a_mobile_another_account_holds_is_refused_before_any_code_is_sent() {
        credentials.claim(Identity.MOBILE, NEW_MOBILE, "acc-2");
        fixture.given(zhang)
                .when(new StartContactChange("acc-1", NEW_MOBILE, null), customer("acc-1"))
                .expectException(refused("ALREADY_REGISTERED"))
                .expectNoEvents();
        fixture.given(zhang)
                .when(new StartContactChange("acc-1", "13812345678", null), customer("acc-1"))
                .expectException(refused("CONTACT_UNCHANGED"));
        assertThat(sent).isEmpty();
    }

    @Test
    void a_mobile_taken_between_code_and_confirmation_is_refused_and_changes_nothing() {
        fixture.given(zhang).when(new StartContactChange("acc-1", NEW_MOBILE, null), customer("acc-1"));
        credentials.claim(Identity.MOBILE, NEW_MOBILE, "acc-2");
        fixture.given(zhang)
                .when(new ConfirmContactChange("acc-1", lastCode()), customer("acc-1"))
                .expectException(refused("ALREADY_REGISTERED"))
                .expectNoEvents();
        assertThat(credentials.holder(Identity.MOBILE, NEW_MOBILE)).contains("acc-2");
        assertThat(credentials.holder(Identity.MOBILE, "13812345678")).contains("acc-1");
    }

    @Test
    void a_wrong_code_changes_nothing_and_claims_nothing() {
        fixture.given(zhang).when(new StartContactChange("acc-1", NEW_MOBILE, null), customer("acc-1"));
        String wrong = lastCode().equals("000000") ? "111111" : "000000";
        fixture.given(zhang)
                .when(new ConfirmContactChange("acc-1", wrong), customer("acc-1"))
                .expectException(refused("CODE_WRONG"))
                .expectNoEvents();
        assertThat(credentials.holder(Identity.MOBILE, NEW_MOBILE)).isEmpty();
    }

    @Test
    void only_the_customer_of_an_open_account_changes_its_contacts() {
        fixture.given(zhang)
                .when(new StartContactChange("acc-1", NEW_MOBILE, null), customer("acc-2"))
                .expectException(UnknownObject.class);
        fixture.given(zhang, new AccountClosed("acc-1", "acc-1", NOW))
                .when(new StartContactChange("acc-1", NEW_MOBILE, null), customer("acc-1"))
                .expectException(refused("ACCOUNT_CLOSED"));
        assertThat(sent).isEmpty();
    }
}
