package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.util.FileSystemUtils;

/**
 * Two-factor login over HTTP, as a customer's app does it, with two factors on (the default
 * outside the embedded profile): a code on a new device, a trusted device straight in, a removed
 * device ending its tokens on both sides at once, five wrong codes ending a challenge, a token
 * ending after 15 minutes without use on a moved clock, and HTTP Basic refused to customers.
 */
class TwoFactorLoginIT {

    private static final Pattern CODE = Pattern.compile("\\b(\\d{6})\\b");
    private static final String ANDROID = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            + "Chrome/124.0.0.0 Mobile Safari/537.36";
    private static final String PHONE = "phone-2f0c6a1e";
    private static final String LAPTOP = "laptop-9b1d44c0";

    static RunningSystem system;
    static Path data;
    static final MovableClock CLOCK = new MovableClock();

    @BeforeAll
    static void start() throws Exception {
        data = Files.createTempDirectory("coverledger-2fa-it");
        system = RunningSystem.startWith(data, List.of("--coverledger.identity.two-factor=true",
                "--coverledger.rate-limit.login-failures-per-client=100000"), CLOCK);
    }

    @AfterAll
    static void stop() {
        if (system != null) {
            system.close();
        }
        FileSystemUtils.deleteRecursively(data.toFile());
    }

    private static Reply logIn(Customer customer, String device) {
        return customer.command(system).send("POST", "/api/sessions", null, "X-Device-Id", device, "User-Agent", ANDROID);
    }

    private static Reply logIn(Customer customer, String device, String deviceToken) {
        return customer.command(system).send("POST", "/api/sessions", null, "X-Device-Id", device, "User-Agent", ANDROID,
                "X-Device-Token", deviceToken);
    }

    private static String lastCode(String accountId, String purpose) {
        JsonNode notices = Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + accountId).json();
        for (JsonNode notice : notices) {
            if (notice.get("purpose").asText().equals(purpose)) {
                Matcher matcher = CODE.matcher(notice.get("text").asText());
                assertThat(matcher.find()).isTrue();
                return matcher.group(1);
            }
        }
        throw new AssertionError("no " + purpose + " notice in " + notices);
    }

    private static List<String> purposes(String accountId) {
        List<String> purposes = new ArrayList<>();
        Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + accountId).json()
                .forEach(notice -> purposes.add(notice.get("purpose").asText()));
        return purposes;
    }

    private static Reply answer(String challengeId, String code, boolean trust) {
        return Api.at(system.commandUrl(), null).post("/api/sessions/challenges/" + challengeId,
                "{\"code\":\"" + code + "\",\"trustDevice\":" + trust + "}");
    }

    private static Reply bearer(String url, String token, String method, String path) {
        return Api.at(url, null).send(method, path, null, "Authorization", "Bearer " + token);
    }

    /** A token through the code flow (trusting the device if asked). */
    private static String tokenByCode(Customer customer, String device, boolean trust) {
        Reply challenge = logIn(customer, device);
        assertThat(challenge.status()).as(challenge.toString()).isEqualTo(202);
        Reply session = answer(challenge.json().get("challengeId").asText(), lastCode(customer.accountId(), "LOGIN"), trust);
        assertThat(session.status()).as(session.toString()).isEqualTo(201);
        return session.json().get("token").asText();
    }

    @Test
    void a_new_device_passes_a_code_a_trusted_one_logs_in_directly_and_a_removed_one_ends_at_once_on_both_sides() {
        Customer customer = Customers.register(system);
        String account = customer.accountId();

        // HTTP Basic is for the login alone; a customer's other calls need the token
        Reply basic = customer.query(system).get("/api/accounts/" + account);
        assertThat(basic.status()).isEqualTo(401);
        assertThat(basic.json().get("code").asText()).isEqualTo("BEARER_TOKEN_REQUIRED");
        assertThat(customer.command(system).post("/api/accounts/" + account + "/cards",
                "{\"bankCardNumber\":\"6222020000000000034\"}").status()).isEqualTo(401);
        Reply noDevice = customer.command(system).post("/api/sessions", "");
        assertThat(noDevice.status()).isEqualTo(422);
        assertThat(noDevice.json().get("code").asText()).isEqualTo("DEVICE_ID_REQUIRED");

        // a new device: a code by SMS, no token yet
        Reply challenge = logIn(customer, PHONE);
        assertThat(challenge.status()).as(challenge.toString()).isEqualTo(202);
        assertThat(challenge.json().has("token")).isFalse();
        assertThat(challenge.json().get("codeSentTo").asText()).isEqualTo(customer.mobile().substring(0, 3) + "****"
                + customer.mobile().substring(7));
        Reply session = answer(challenge.json().get("challengeId").asText(), lastCode(account, "LOGIN"), true);
        assertThat(session.status()).as(session.toString()).isEqualTo(201);
        String first = session.json().get("token").asText();
        String deviceToken = session.json().get("deviceToken").asText();
        assertThat(purposes(account)).as("the customer is told of the new device").contains("NEW_DEVICE_LOGIN");
        assertThat(bearer(system.queryUrl(), first, "GET", "/api/accounts/" + account).status()).isEqualTo(200);

        // the trusted device id alone, as anyone with the password could send it, proves nothing
        assertThat(logIn(customer, PHONE).status()).isEqualTo(202);
        assertThat(logIn(customer, PHONE, deviceToken + "x").status()).isEqualTo(202);

        // the trusted device, showing its secret: straight in, and the view lists it
        Reply direct = logIn(customer, PHONE, deviceToken);
        assertThat(direct.status()).as(direct.toString()).isEqualTo(201);
        String second = direct.json().get("token").asText();
        String position = direct.headers().firstValue("X-Event-Position").orElseThrow();
        Reply devices = Api.at(system.queryUrl(), null).get("/api/accounts/" + account + "/devices",
                "Authorization", "Bearer " + second, "X-Min-Position", position);
        assertThat(devices.status()).as(devices.toString()).isEqualTo(200);
        assertThat(devices.headers().firstValue("X-Stale")).isEmpty();
        JsonNode phone = devices.json().get(0);
        assertThat(phone.get("deviceId").asText()).isEqualTo(PHONE);
        assertThat(phone.get("name").asText()).isEqualTo("Chrome Mobile on Android");
        assertThat(phone.get("trusted").asBoolean()).isTrue();
        assertThat(phone.get("lastAddress").asText()).isEqualTo("127.0.0.*");
        Reply sessions = bearer(system.queryUrl(), second, "GET", "/api/accounts/" + account + "/sessions");
        assertThat(sessions.json()).hasSize(2);
        assertThat(sessions.body()).doesNotContain(first).doesNotContain(second).doesNotContain(deviceToken);
        assertThat(devices.body()).doesNotContain(deviceToken);

        // another customer sees neither
        Customer other = Customers.register(system, "Li Lei");
        String others = tokenByCode(other, LAPTOP, false);
        assertThat(bearer(system.queryUrl(), others, "GET", "/api/accounts/" + account + "/devices").status()).isEqualTo(404);
        assertThat(bearer(system.commandUrl(), others, "DELETE", "/api/accounts/" + account + "/devices/" + PHONE).status())
                .isEqualTo(404);

        // removed: both of its tokens stop at once, on both sides, and the next login needs a code again
        assertThat(bearer(system.commandUrl(), first, "DELETE", "/api/accounts/" + account + "/devices/" + PHONE).status())
                .isEqualTo(204);
        for (String token : List.of(first, second)) {
            assertThat(bearer(system.queryUrl(), token, "GET", "/api/accounts/" + account).status()).isEqualTo(401);
            assertThat(bearer(system.commandUrl(), token, "DELETE", "/api/sessions/current").status()).isEqualTo(401);
        }
        assertThat(logIn(customer, PHONE, deviceToken).status()).as("its secret is void once removed").isEqualTo(202);

        // every step is in the audit trail, as events of the account
        String third = tokenByCode(customer, LAPTOP, false);
        assertThat(bearer(system.commandUrl(), third, "DELETE", "/api/sessions/current").status()).isEqualTo(204);
        assertThat(bearer(system.queryUrl(), third, "GET", "/api/accounts/" + account).status()).isEqualTo(401);
        Reply audit = Api.at(system.queryUrl(), "cora").get("/api/audit?aggregateId=" + account + "&size=200",
                "X-Min-Position", position);
        List<String> types = new ArrayList<>();
        audit.json().get("items").forEach(entry -> types.add(entry.get("eventType").asText()));
        assertThat(types).contains("LoginChallengeSent", "LoginChallengePassed", "DeviceTrusted", "SessionStarted")
                .containsSubsequence("DeviceRemoved", "LoginChallengeSent");
    }

    @Test
    void five_wrong_codes_end_the_challenge_and_each_is_recorded() {
        Customer customer = Customers.register(system);
        Reply challenge = logIn(customer, LAPTOP);
        String challengeId = challenge.json().get("challengeId").asText();
        String right = lastCode(customer.accountId(), "LOGIN");
        String wrong = right.equals("000000") ? "111111" : "000000";
        for (int left = 4; left >= 0; left--) {
            Reply refused = answer(challengeId, wrong, false);
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().get("code").asText()).isEqualTo(left > 0 ? "CODE_WRONG" : "CODE_SPENT");
        }
        Reply ended = answer(challengeId, right, false);
        assertThat(ended.status()).as(ended.toString()).isEqualTo(404);
        assertThat(answer(challengeId.replace('a', 'b').replace('0', '1'), right, false).status()).isEqualTo(404);
        Reply malformed = answer(challengeId, "12ab", false);
        assertThat(malformed.status()).isEqualTo(400);
    }

    @Test
    void a_token_ends_after_fifteen_minutes_without_use_on_both_sides_and_each_use_pushes_that_back() {
        Customer customer = Customers.register(system);
        String token = tokenByCode(customer, PHONE, false);
        String account = "/api/accounts/" + customer.accountId();
        for (int i = 0; i < 3; i++) {
            CLOCK.advance(Duration.ofMinutes(14));
            assertThat(bearer(system.queryUrl(), token, "GET", account).status()).as("used after 14 minutes").isEqualTo(200);
        }
        CLOCK.advance(Duration.ofMinutes(16));
        Reply query = bearer(system.queryUrl(), token, "GET", account);
        assertThat(query.status()).isEqualTo(401);
        assertThat(query.json().get("code").asText()).isEqualTo("INVALID_TOKEN");
        assertThat(bearer(system.commandUrl(), token, "DELETE", "/api/sessions/current").status()).isEqualTo(401);
    }
}
