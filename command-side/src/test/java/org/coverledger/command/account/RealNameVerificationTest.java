package org.coverledger.command.account;

import org.coverledger.command.identity.CodeRateLimits;
import org.coverledger.command.identity.OneTimeCodes;
import org.coverledger.command.verification.RealNameVerification;
import org.coverledger.command.verification.SimulatedBank;
import static org.coverledger.command.support.Refusals.refused;
import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.command.support.Callers.as;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoDatabase;
import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.platform.TooManyRequests;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.AccountVerified;
import org.coverledger.events.account.AccountApi.ConfirmVerification;
import org.coverledger.events.account.AccountApi.StartVerification;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real-name verification: the bank's check, the code to the bank-reserved mobile, its limits. */
class RealNameVerificationTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String CARD = "6222020000000000034"; // Zhang San's at the simulated bank

    private final AggregateTestFixture<Account> fixture = new AggregateTestFixture<>(Account.class);
    private final MongoDatabase database = TestMongo.freshDatabase();
    private final List<Notice> sent = new ArrayList<>();
    private final AccountRegistered zhang = new AccountRegistered("acc-1", "acc-1", "Zhang San", "110105199001011232",
            "13812345678", "zhang@example.com");

    @BeforeEach
    void setUp() {
        BusinessCalendar calendar = new BusinessCalendar(CLOCK, BusinessCalendar.DEFAULT_ZONE);
        fixture.registerInjectableResource(calendar);
        OneTimeCodes codes = new OneTimeCodes(database, new SubjectKeys(database, SubjectKeys.randomMasterKey()),
                "pepper", CLOCK);
        CodeRateLimits limits = new CodeRateLimits(3, 100, 10, 100, Duration.ofMinutes(15), CLOCK);
        fixture.registerInjectableResource(new RealNameVerification(new SimulatedBank(), codes, sent::add, limits));
    }

    private static MetaData customer(String account) {
        return as(account, "CUSTOMER").and(CommandMetadata.CLIENT_IP, "10.0.0.7");
    }

    private String code() {
        String text = sent.get(sent.size() - 1).text();
        return text.replaceAll("\\D*(\\d{6}).*", "$1");
    }

    @Test
    void the_code_goes_to_the_bank_reserved_mobile_and_verifies_the_account() {
        fixture.given(zhang)
                .when(new StartVerification("acc-1", CARD), customer("acc-1"))
                .expectSuccessfulHandlerExecution()
                .expectResultMessagePayload("139****0003")
                .expectNoEvents();
        assertThat(sent).singleElement().satisfies(notice -> {
            assertThat(notice.to()).isEqualTo("13900000003"); // the bank's, not the account's 13812345678
            assertThat(notice.channel()).isEqualTo(Notice.Channel.SMS);
        });

        fixture.given(zhang)
                .when(new ConfirmVerification("acc-1", code()), customer("acc-1"))
                .expectEvents(new AccountVerified("acc-1", CARD, NOW));
    }

    @Test
    void a_card_not_held_under_the_accounts_name_and_id_is_refused_in_the_banks_words() {
        AccountRegistered other = new AccountRegistered("acc-1", "acc-1", "Zhang Si", "110105199001011232",
                "13812345678", "zhang@example.com");
        fixture.given(other)
                .when(new StartVerification("acc-1", CARD), customer("acc-1"))
                .expectException(refused("BANK_RECORDS_MISMATCH"))
                .expectExceptionMessage("name or ID number does not match the bank's records")
                .expectNoEvents();
        assertThat(sent).isEmpty();
    }

    @Test
    void a_wrong_code_tells_the_attempts_left_and_verifies_nothing() {
        fixture.given(zhang).when(new StartVerification("acc-1", CARD), customer("acc-1"));
        String wrong = code().equals("000000") ? "111111" : "000000";
        fixture.given(zhang)
                .when(new ConfirmVerification("acc-1", wrong), customer("acc-1"))
                .expectException(refused("CODE_WRONG"))
                .expectExceptionMessage("The code is wrong; 4 attempt(s) left.")
                .expectNoEvents();
    }

    @Test
    void a_verified_account_is_not_verified_again_and_another_customer_sees_no_account() {
        fixture.given(zhang, new AccountVerified("acc-1", CARD, NOW))
                .when(new StartVerification("acc-1", CARD), customer("acc-1"))
                .expectException(refused("ALREADY_VERIFIED"))
                .expectExceptionMessage("The account is verified already.");
        fixture.given(zhang)
                .when(new StartVerification("acc-1", CARD), customer("acc-2"))
                .expectException(UnknownObject.class);
        assertThat(sent).isEmpty();
    }

    @Test
    void too_many_code_requests_for_one_account_wait() {
        for (int i = 0; i < 3; i++) {
            fixture.given(zhang).when(new StartVerification("acc-1", CARD), customer("acc-1"))
                    .expectSuccessfulHandlerExecution();
        }
        fixture.given(zhang)
                .when(new StartVerification("acc-1", CARD), customer("acc-1"))
                .expectException(TooManyRequests.class);
        assertThat(sent).hasSize(3);
    }
}
