package org.coverledger.command.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.command.support.Callers.as;
import static org.coverledger.command.support.Refusals.refused;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import com.mongodb.client.MongoDatabase;
import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.identity.CodeRateLimits;
import org.coverledger.command.identity.LoginChallenges;
import org.coverledger.command.identity.OneTimeCodes;
import org.coverledger.command.notification.Notice;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountClosed;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.LoginApi.AnswerLoginChallenge;
import org.coverledger.events.account.LoginApi.DeviceRemoved;
import org.coverledger.events.account.LoginApi.DeviceTrusted;
import org.coverledger.events.account.LoginApi.EndSession;
import org.coverledger.events.account.LoginApi.LoginChallengeFailed;
import org.coverledger.events.account.LoginApi.LoginChallengePassed;
import org.coverledger.events.account.LoginApi.LoginChallengeSent;
import org.coverledger.events.account.LoginApi.RemoveDevice;
import org.coverledger.events.account.LoginApi.SessionEnd;
import org.coverledger.events.account.LoginApi.SessionEnded;
import org.coverledger.events.account.LoginApi.SessionStarted;
import org.coverledger.events.account.LoginApi.StartLogin;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.identity.AccessTokens;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two-factor login, trusted devices and sessions, as the Account decides and records them. */
class LoginTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private static final String ACCOUNT = "acc-1";
    private static final String PHONE = "phone-0001";
    private static final Duration TRUST = Duration.ofDays(180);

    private final AggregateTestFixture<Account> fixture = new AggregateTestFixture<>(Account.class);
    private final MongoDatabase database = TestMongo.freshDatabase();
    private final AccessTokens tokens = new AccessTokens(database, Duration.ofHours(8), Duration.ofMinutes(15), CLOCK);
    private final List<Notice> sent = new ArrayList<>();
    private final OneTimeCodes codes = new OneTimeCodes(database, new SubjectKeys(database, SubjectKeys.randomMasterKey()),
            "pepper", CLOCK);
    private final AccountRegistered registered = new AccountRegistered(ACCOUNT, ACCOUNT, "Zhang San",
            "110105199001011232", "13812345678", null);

    @BeforeEach
    void setUp() {
        fixture.registerInjectableResource(new BusinessCalendar(CLOCK, BusinessCalendar.DEFAULT_ZONE));
        CodeRateLimits limits = new CodeRateLimits(10, 100, 20, 100, Duration.ofMinutes(15), CLOCK);
        fixture.registerInjectableResource(new LoginChallenges(database, codes, sent::add, limits, CLOCK, TRUST,
                ZoneId.of("Asia/Shanghai")));
        fixture.registerInjectableResource(new Sessions(tokens));
    }

    private static MetaData customer() {
        return as(ACCOUNT, "CUSTOMER").and(CommandMetadata.CLIENT_IP, "10.0.0.7");
    }

    private static final String SECRET = "the-phone's-device-token";
    private static final String SECRET_HASH = org.coverledger.identity.Digests.sha256Hex(SECRET);

    private StartLogin login(String sessionId) {
        return login(sessionId, SECRET);
    }

    private StartLogin login(String sessionId, String deviceToken) {
        return new StartLogin(ACCOUNT, sessionId, PHONE, deviceToken, "Chrome on Android", "10.0.0.7", true);
    }

    @Test
    void an_untrusted_device_gets_a_code_by_sms_and_no_session() {
        fixture.given(registered)
                .when(login("s-1"), customer())
                .expectSuccessfulHandlerExecution()
                .expectResultMessagePayloadMatching(org.hamcrest.Matchers.instanceOf(LoginStep.Challenged.class));
        assertThat(sent).singleElement().satisfies(notice -> {
            assertThat(notice.to()).isEqualTo("13812345678");
            assertThat(notice.channel()).isEqualTo(Notice.Channel.SMS);
            assertThat(notice.text()).containsPattern("\\d{6}");
        });
    }

    @Test
    void the_right_code_starts_a_session_trusts_the_device_and_tells_the_customer_of_the_new_device() {
        LoginChallengeSent challenge = new LoginChallengeSent(ACCOUNT, "ch-1", PHONE, "Chrome on Android", "10.0.0.7", NOW);
        String code = issueCodeFor("ch-1");
        fixture.given(registered, challenge)
                .when(new AnswerLoginChallenge(ACCOUNT, "ch-1", code, SECRET, "s-2"), customer())
                .expectEvents(new LoginChallengePassed(ACCOUNT, "ch-1", PHONE, NOW),
                        new DeviceTrusted(ACCOUNT, PHONE, "Chrome on Android", SECRET_HASH, NOW.plus(TRUST), NOW),
                        new SessionStarted(ACCOUNT, "s-2", PHONE, "Chrome on Android", "10.0.0.7", true, NOW))
                .expectResultMessagePayload(new LoginStep.Granted("s-2", PHONE, "Chrome on Android"));
        assertThat(sent).last().satisfies(notice -> {
            assertThat(notice.purpose()).isEqualTo("NEW_DEVICE_LOGIN");
            assertThat(notice.channel()).isEqualTo(Notice.Channel.SMS);
            assertThat(notice.text()).contains("Chrome on Android").contains("2026-03-10 10:00");
        });
    }

    @Test
    void a_trusted_device_starts_a_session_at_once_and_a_seen_one_is_not_news() {
        fixture.given(registered, new SessionStarted(ACCOUNT, "s-0", PHONE, "Chrome on Android", "10.0.0.7", true, NOW),
                        new DeviceTrusted(ACCOUNT, PHONE, "Chrome on Android", SECRET_HASH, NOW.plus(TRUST), NOW))
                .when(login("s-3"), customer())
                .expectEvents(new SessionStarted(ACCOUNT, "s-3", PHONE, "Chrome on Android", "10.0.0.7", false, NOW))
                .expectResultMessagePayload(new LoginStep.Granted("s-3", PHONE, "Chrome on Android"));
        assertThat(sent).isEmpty();
    }

    @Test
    void a_trusted_device_id_without_its_secret_is_asked_for_a_code() {
        Object[] trusted = {registered, new SessionStarted(ACCOUNT, "s-0", PHONE, "Chrome on Android", "10.0.0.7", true, NOW),
                new DeviceTrusted(ACCOUNT, PHONE, "Chrome on Android", SECRET_HASH, NOW.plus(TRUST), NOW)};
        for (String shown : new String[] {null, "a-guess", SECRET + "x"}) {
            fixture.given(trusted)
                    .when(login("s-3", shown), customer())
                    .expectResultMessagePayloadMatching(org.hamcrest.Matchers.instanceOf(LoginStep.Challenged.class));
        }
    }

    @Test
    void a_code_asked_for_before_a_lock_or_a_password_change_opens_nothing_after_it() {
        LoginChallengeSent challenge = new LoginChallengeSent(ACCOUNT, "ch-9", PHONE, null, null, NOW);
        String code = issueCodeFor("ch-9");
        fixture.given(registered, challenge, new org.coverledger.events.account.AccountApi.PasswordChanged(ACCOUNT,
                        org.coverledger.events.account.AccountApi.PasswordChange.RESET_BY_CODE, ACCOUNT, NOW))
                .when(new AnswerLoginChallenge(ACCOUNT, "ch-9", code, null, "s-9"), customer())
                .expectException(UnknownObject.class)
                .expectNoEvents();
        fixture.given(registered, challenge, new org.coverledger.events.account.AccountApi.AccountLocked(ACCOUNT,
                        "5 failed logins in a row", NOW))
                .when(new AnswerLoginChallenge(ACCOUNT, "ch-9", code, null, "s-9"), customer())
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void a_trust_that_ran_out_asks_for_a_code_again() {
        fixture.given(registered, new DeviceTrusted(ACCOUNT, PHONE, "Chrome on Android", SECRET_HASH, NOW.minusSeconds(1),
                        NOW.minus(TRUST)))
                .when(login("s-4"), customer())
                .expectResultMessagePayloadMatching(org.hamcrest.Matchers.instanceOf(LoginStep.Challenged.class));
    }

    @Test
    void with_two_factors_off_a_session_starts_without_a_code() {
        fixture.given(registered)
                .when(new StartLogin(ACCOUNT, "s-5", null, null, "curl", "10.0.0.7", false), customer())
                .expectEvents(new SessionStarted(ACCOUNT, "s-5", null, "curl", "10.0.0.7", false, NOW));
    }

    @Test
    void a_wrong_code_is_recorded_and_refused_and_the_fifth_ends_the_challenge() {
        LoginChallengeSent challenge = new LoginChallengeSent(ACCOUNT, "ch-6", PHONE, "Chrome on Android", "10.0.0.7", NOW);
        String right = issueCodeFor("ch-6");
        String wrong = right.equals("000000") ? "111111" : "000000";
        List<Object> history = new ArrayList<>(List.of(registered, challenge));
        for (int left = 4; left >= 0; left--) {
            LoginChallengeFailed failed = new LoginChallengeFailed(ACCOUNT, "ch-6", left > 0 ? "CODE_WRONG" : "CODE_SPENT",
                    left, NOW);
            fixture.given(history)
                    .when(new AnswerLoginChallenge(ACCOUNT, "ch-6", wrong, null, "s-6"), customer())
                    .expectEvents(failed)
                    .expectResultMessagePayload(new LoginStep.Refused(failed.reason(), left > 0
                            ? "The code is wrong; " + left + " attempt(s) left."
                            : "The code is wrong and no attempts are left; request a new code."));
            history.add(failed);
        }
        fixture.given(history)
                .when(new AnswerLoginChallenge(ACCOUNT, "ch-6", right, null, "s-6"), customer())
                .expectException(UnknownObject.class)
                .expectNoEvents();
    }

    @Test
    void only_the_pending_challenge_is_answered_and_a_closed_account_logs_in_no_more() {
        fixture.given(registered, new LoginChallengeSent(ACCOUNT, "ch-7", PHONE, null, null, NOW))
                .when(new AnswerLoginChallenge(ACCOUNT, "ch-other", "123456", null, "s-7"), customer())
                .expectException(UnknownObject.class)
                .expectNoEvents();
        fixture.given(registered, new AccountClosed(ACCOUNT, ACCOUNT, NOW))
                .when(login("s-7"), customer())
                .expectException(refused("ACCOUNT_CLOSED"))
                .expectNoEvents();
        fixture.given(registered)
                .when(login("s-7"), as("acc-2", "CUSTOMER"))
                .expectException(UnknownObject.class);
        assertThat(sent).isEmpty();
    }

    @Test
    void a_removed_device_is_trusted_no_more_and_its_sessions_end_once_recorded() {
        AccessTokens.Holder holder = new AccessTokens.Holder(ACCOUNT, List.of("CUSTOMER"), true);
        String onPhone = tokens.issue(holder, new AccessTokens.Origin(PHONE, "Chrome on Android", "10.0.0.*"), "s-8").token();
        String elsewhere = tokens.issue(holder, new AccessTokens.Origin("laptop-0001", "Firefox on Linux", "10.0.0.*"), "s-9").token();
        fixture.given(registered, new SessionStarted(ACCOUNT, "s-8", PHONE, "Chrome on Android", "10.0.0.7", true, NOW),
                        new DeviceTrusted(ACCOUNT, PHONE, "Chrome on Android", SECRET_HASH, NOW.plus(TRUST), NOW))
                .when(new RemoveDevice(ACCOUNT, PHONE), customer())
                .expectEvents(new DeviceRemoved(ACCOUNT, PHONE, ACCOUNT, NOW));
        assertThat(tokens.find(onPhone)).isEmpty();
        assertThat(tokens.find(elsewhere)).isPresent();

        fixture.given(registered, new SessionStarted(ACCOUNT, "s-8", PHONE, "Chrome on Android", "10.0.0.7", true, NOW),
                        new DeviceTrusted(ACCOUNT, PHONE, "Chrome on Android", SECRET_HASH, NOW.plus(TRUST), NOW),
                        new DeviceRemoved(ACCOUNT, PHONE, ACCOUNT, NOW))
                .when(login("s-10"), customer())
                .expectResultMessagePayloadMatching(org.hamcrest.Matchers.instanceOf(LoginStep.Challenged.class));
        fixture.given(registered)
                .when(new RemoveDevice(ACCOUNT, "never-seen-1"), customer())
                .expectException(UnknownObject.class);
    }

    @Test
    void a_session_ends_as_an_event_then_in_the_token_store_and_only_the_accounts_own() {
        AccessTokens.Holder holder = new AccessTokens.Holder(ACCOUNT, List.of("CUSTOMER"), true);
        String token = tokens.issue(holder, new AccessTokens.Origin(PHONE, null, null), "s-11").token();
        String others = tokens.issue(new AccessTokens.Holder("acc-2", List.of("CUSTOMER"), true),
                new AccessTokens.Origin(PHONE, null, null), "s-12").token();

        fixture.given(registered)
                .when(new EndSession(ACCOUNT, "s-12", SessionEnd.REMOVED), customer())
                .expectException(UnknownObject.class);
        assertThat(tokens.find(others)).isPresent();

        fixture.given(registered)
                .when(new EndSession(ACCOUNT, "s-11", SessionEnd.REMOVED), customer())
                .expectEvents(new SessionEnded(ACCOUNT, "s-11", SessionEnd.REMOVED, ACCOUNT, NOW));
        assertThat(tokens.find(token)).isEmpty();
    }

    /** A pending login code as LoginChallenges issues it, for the given challenge; the code is returned. */
    private String issueCodeFor(String challengeId) {
        return codes.issue(ACCOUNT, OneTimeCodes.Purpose.LOGIN, java.util.Map.of("challengeId", challengeId));
    }
}
