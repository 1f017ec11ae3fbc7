package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A customer's account over HTTP: real-name verification with the bank's code, contact changes
 * and password changes and resets by code, premium auto-debit; codes read from the embedded
 * profile's outbox as an admin would.
 */
class AccountLifecycleIT {

    private static final Pattern CODE = Pattern.compile("\\b(\\d{6})\\b");

    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.shared(); // one system for several test classes: see RunningSystem.shared
    }


    @Test
    void a_customer_verifies_their_real_name_with_the_code_the_bank_reserved_mobile_receives() {
        Customer li = Customers.register(system, "Li Na");
        String account = li.accountId();
        Api customer = li.command(system);
        long events = system.storedEvents();

        Reply mismatch = customer.post("/api/accounts/" + account + "/verification",
                "{\"bankCardNumber\":\"6222020000000000034\"}"); // Zhang San's card
        assertThat(mismatch.status()).as(mismatch.toString()).isEqualTo(422);
        assertThat(mismatch.json().get("code").asText()).isEqualTo("BANK_RECORDS_MISMATCH");
        assertThat(mismatch.json().get("detail").asText()).isEqualTo("name or ID number does not match the bank's records");
        Reply badCard = customer.post("/api/accounts/" + account + "/verification", "{\"bankCardNumber\":\"1234\"}");
        assertThat(badCard.status()).isEqualTo(400);
        assertThat(badCard.json().get("errors").get(0).get("field").asText()).isEqualTo("bankCardNumber");

        String card = cardHeldBy(li.nationalId());
        Reply started = customer.post("/api/accounts/" + account + "/verification", "{\"bankCardNumber\":\"" + card + "\"}");
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        String lastFour = li.nationalId().substring(14).replace('X', '0');
        assertThat(started.json().get("codeSentTo").asText()).isEqualTo("139****" + lastFour);
        assertThat(started.json().get("expiresInSeconds").asLong()).isEqualTo(300);

        // only an admin reads the outbox, and another customer cannot confirm
        assertThat(customer.get("/api/admin/outbox?accountId=" + account).status()).isEqualTo(403);
        JsonNode notice = Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + account).json().get(0);
        assertThat(notice.get("to").asText()).isEqualTo("1390000" + lastFour);
        assertThat(notice.get("purpose").asText()).isEqualTo("REAL_NAME_VERIFICATION");
        String code = codeIn(notice);
        assertThat(command("bob").post("/api/accounts/" + account + "/verification/confirm",
                "{\"code\":\"" + code + "\"}").status()).isEqualTo(404);

        String wrong = code.equals("000000") ? "111111" : "000000";
        Reply wrongCode = customer.post("/api/accounts/" + account + "/verification/confirm", "{\"code\":\"" + wrong + "\"}");
        assertThat(wrongCode.status()).isEqualTo(422);
        assertThat(wrongCode.json().get("code").asText()).isEqualTo("CODE_WRONG");
        assertThat(wrongCode.json().get("detail").asText()).contains("4 attempt(s) left");
        assertThat(customer.post("/api/accounts/" + account + "/verification/confirm", "{\"code\":\"12ab\"}").status())
                .isEqualTo(400);
        assertThat(system.storedEvents()).as("nothing appended by refusals").isEqualTo(events);

        Reply verified = customer.post("/api/accounts/" + account + "/verification/confirm", "{\"code\":\"" + code + "\"}");
        assertThat(verified.status()).as(verified.toString()).isEqualTo(202);
        JsonNode view = awaitJson(li.query(system), "/api/accounts/" + account, a -> a.get("verified").asBoolean());
        assertThat(view.hasNonNull("verifiedAt")).isTrue();
        Reply again = customer.post("/api/accounts/" + account + "/verification", "{\"bankCardNumber\":\"" + card + "\"}");
        assertThat(again.json().get("code").asText()).isEqualTo("ALREADY_VERIFIED");

        // the demo customers are seeded verified
        assertThat(awaitJson(query("alice"), "/api/accounts/" + Customers.ALICE_ACCOUNT,
                a -> a.get("verified").asBoolean()).get("verified").asBoolean()).isTrue();
    }

    @Test
    void codes_requested_too_often_for_one_account_are_refused_with_retry_after() {
        Customer wu = Customers.register(system, "Wu Fei");
        String body = "{\"bankCardNumber\":\"" + cardHeldBy(wu.nationalId()) + "\"}";
        for (int i = 0; i < 5; i++) {
            assertThat(wu.command(system).post("/api/accounts/" + wu.accountId() + "/verification", body).status())
                    .isEqualTo(202);
        }
        Reply limited = wu.command(system).post("/api/accounts/" + wu.accountId() + "/verification", body);
        assertThat(limited.status()).isEqualTo(429);
        assertThat(limited.json().get("code").asText()).isEqualTo("TOO_MANY_CODE_REQUESTS");
        assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
    }

    @Test
    void a_new_mobile_takes_effect_once_the_code_sent_to_it_is_entered() {
        Customer he = Customers.register(system, "He Jun");
        Customer other = Customers.register(system, "Ma Lin");
        String account = he.accountId();
        String newMobile = "137" + he.mobile().substring(3);

        Reply taken = he.command(system).post("/api/accounts/" + account + "/contact-changes",
                "{\"mobile\":\"" + other.mobile() + "\"}");
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().get("code").asText()).isEqualTo("ALREADY_REGISTERED");
        Reply empty = he.command(system).post("/api/accounts/" + account + "/contact-changes", "{}");
        assertThat(empty.status()).isEqualTo(400);

        Reply started = he.command(system).post("/api/accounts/" + account + "/contact-changes",
                "{\"mobile\":\"" + newMobile + "\"}");
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        JsonNode notice = Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + account).json().get(0);
        assertThat(notice.get("to").asText()).isEqualTo(newMobile);
        Reply confirmed = he.command(system).post("/api/accounts/" + account + "/contact-changes/confirm",
                "{\"code\":\"" + codeIn(notice) + "\"}");
        assertThat(confirmed.status()).as(confirmed.toString()).isEqualTo(202);

        JsonNode told = Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + account).json().get(0);
        assertThat(told.get("purpose").asText()).isEqualTo("CONTACT_CHANGED");
        assertThat(told.get("to").asText()).as("the old number hears of it").isEqualTo(he.mobile());
        assertThat(Api.as(system.commandUrl(), newMobile, he.password()).post("/api/accounts/" + account
                + "/contact-changes", "{\"mobile\":\"13600000000\",\"email\":\"x@example.com\"}").status())
                .as("one at a time")
                .isEqualTo(400);

        Api withNewMobile = Api.as(system.queryUrl(), newMobile, he.password());
        JsonNode view = awaitJson(withNewMobile, "/api/accounts/" + account, a -> a.get("mobile").asText().equals(newMobile));
        assertThat(view.get("accountId").asText()).isEqualTo(account);
        assertThat(he.query(system).get("/api/accounts/" + account).status()).as("old mobile no longer logs in")
                .isEqualTo(401);
        // the old number is free for a new registration
        Reply reuse = Api.at(system.commandUrl(), null).post("/api/accounts", Customers.registration("Gao Yu",
                Customers.nationalId(), he.mobile(), "gao" + System.nanoTime() + "@example.com", "Ledger#2024x"));
        assertThat(reuse.status()).as(reuse.toString()).isEqualTo(201);
    }

    @Test
    void a_customer_changes_the_password_and_a_locked_out_one_resets_it_by_code() {
        Customer qin = Customers.register(system, "Qin Mei");
        String account = qin.accountId();

        Reply wrongCurrent = qin.command(system).post("/api/accounts/" + account + "/password",
                "{\"currentPassword\":\"nope\",\"newPassword\":\"Brand#new99\"}");
        assertThat(wrongCurrent.status()).isEqualTo(422);
        assertThat(wrongCurrent.json().get("code").asText()).isEqualTo("PASSWORD_WRONG");
        Reply weak = qin.command(system).post("/api/accounts/" + account + "/password",
                "{\"currentPassword\":\"" + qin.password() + "\",\"newPassword\":\"password\"}");
        assertThat(weak.status()).isEqualTo(400);
        assertThat(weak.json().get("errors").get(0).get("field").asText()).isEqualTo("newPassword");
        assertThat(command("alice").post("/api/accounts/" + account + "/password",
                "{\"currentPassword\":\"x\",\"newPassword\":\"Brand#new99\"}").status()).isEqualTo(404);

        Reply changed = qin.command(system).post("/api/accounts/" + account + "/password",
                "{\"currentPassword\":\"" + qin.password() + "\",\"newPassword\":\"Brand#new99\"}");
        assertThat(changed.status()).as(changed.toString()).isEqualTo(204);
        assertThat(qin.query(system).get("/api/accounts/" + account).status()).isEqualTo(401);
        Api renewed = Api.as(system.queryUrl(), qin.mobile(), "Brand#new99");
        assertThat(renewed.get("/api/accounts/" + account).status()).isEqualTo(200);

        // five failures lock the account; a reset by code lifts the lock
        for (int i = 0; i < 5; i++) {
            Api.as(system.queryUrl(), qin.mobile(), "Wrong#pass" + i).get("/api/policies");
        }
        assertThat(renewed.get("/api/accounts/" + account).json().get("code").asText()).isEqualTo("UNAUTHENTICATED");
        awaitJson(query("cora"), "/api/accounts/" + account, a -> a.get("status").asText().equals("LOCKED"));

        Api anonymous = Api.at(system.commandUrl(), null);
        Reply requested = anonymous.post("/api/accounts/password-resets", "{\"login\":\"" + qin.mobile() + "\"}");
        Reply unknownLogin = anonymous.post("/api/accounts/password-resets", "{\"login\":\"13000000000\"}");
        assertThat(requested.status()).isEqualTo(202);
        assertThat(unknownLogin.status()).isEqualTo(202);
        assertThat(unknownLogin.json().fieldNames()).toIterable().as("nobody learns which logins exist")
                .containsExactlyElementsOf(() -> requested.json().fieldNames());
        String ticket = requested.json().get("resetTicket").asText();

        JsonNode notice = Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + account).json().get(0);
        assertThat(notice.get("purpose").asText()).isEqualTo("PASSWORD_RESET");
        String code = codeIn(notice);
        String wrong = code.equals("000000") ? "111111" : "000000";
        // without the ticket nobody spends the code's attempts: six wrong tries, and the code still works
        for (int i = 0; i < 6; i++) {
            assertThat(anonymous.post("/api/accounts/password-resets/confirm", reset(qin.mobile(), "someone-elses-guess",
                    code, "Reset#pass77")).status()).isEqualTo(422);
        }
        Reply wrongForKnown = anonymous.post("/api/accounts/password-resets/confirm",
                reset(qin.mobile(), ticket, wrong, "Reset#pass77"));
        Reply wrongForUnknown = anonymous.post("/api/accounts/password-resets/confirm",
                reset("13000000000", unknownLogin.json().get("resetTicket").asText(), wrong, "Reset#pass77"));
        assertThat(wrongForKnown.status()).isEqualTo(422);
        assertThat(List.of(wrongForKnown.json().get("code"), wrongForKnown.json().get("detail")))
                .as("the public reset tells nobody which logins exist")
                .isEqualTo(List.of(wrongForUnknown.json().get("code"), wrongForUnknown.json().get("detail")));
        Reply reset = anonymous.post("/api/accounts/password-resets/confirm", reset(qin.mobile(), ticket, code,
                "Reset#pass77"));
        assertThat(reset.status()).as(reset.toString()).isEqualTo(204);

        Api afterReset = Api.as(system.queryUrl(), qin.mobile(), "Reset#pass77");
        JsonNode view = awaitJson(afterReset, "/api/accounts/" + account, a -> a.get("status").asText().equals("REGISTERED"));
        assertThat(view.get("accountId").asText()).isEqualTo(account);
        JsonNode audit = awaitJson(query("cora"), "/api/audit?aggregateId=" + account,
                page -> page.toString().contains("AccountUnlocked")).get("items");
        assertThat(audit.toString()).contains("PasswordChanged", "RESET_BY_CODE", "AccountUnlocked")
                .doesNotContain("Reset#pass77", "Brand#new99");
    }

    @Test
    void premiums_are_debited_only_as_authorized_and_the_card_in_use_stays_bound() {
        Customer sun = Customers.register(system, "Sun Hao");
        String account = sun.accountId();
        Api customer = sun.command(system);
        String cardId = customer.post("/api/accounts/" + account + "/cards", "{\"bankCardNumber\":\"6222020200112345679\"}")
                .json().get("cardId").asText();

        Reply invalid = customer.post("/api/accounts/" + account + "/auto-debit",
                "{\"cardId\":\"" + cardId + "\",\"dayOfMonth\":31,\"amountCap\":\"-1\"}");
        assertThat(invalid.status()).isEqualTo(400);
        assertThat(invalid.json().get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("amountCap", "dayOfMonth");
        Reply unknownCard = customer.post("/api/accounts/" + account + "/auto-debit",
                "{\"cardId\":\"nope\",\"dayOfMonth\":15,\"amountCap\":\"800.00\"}");
        assertThat(unknownCard.json().get("code").asText()).isEqualTo("CARD_UNKNOWN");

        Reply authorized = customer.post("/api/accounts/" + account + "/auto-debit",
                "{\"cardId\":\"" + cardId + "\",\"dayOfMonth\":15,\"amountCap\":\"800.00\"}");
        assertThat(authorized.status()).as(authorized.toString()).isEqualTo(201);
        JsonNode view = awaitJson(sun.query(system), "/api/accounts/" + account, a -> a.hasNonNull("autoDebit"));
        assertThat(view.get("autoDebit").get("dayOfMonth").asInt()).isEqualTo(15);
        assertThat(new java.math.BigDecimal(view.get("autoDebit").get("amountCap").asText())).isEqualByComparingTo("800.00");

        Reply unbind = customer.delete("/api/accounts/" + account + "/cards/" + cardId);
        assertThat(unbind.json().get("code").asText()).isEqualTo("CARD_IN_USE");
        assertThat(customer.delete("/api/accounts/" + account + "/auto-debit").status()).isEqualTo(204);
        awaitJson(sun.query(system), "/api/accounts/" + account, a -> !a.hasNonNull("autoDebit"));
        assertThat(customer.delete("/api/accounts/" + account + "/auto-debit").json().get("code").asText())
                .isEqualTo("NO_AUTO_DEBIT");
        assertThat(customer.delete("/api/accounts/" + account + "/cards/" + cardId).status()).isEqualTo(204);
    }

    /** A card the simulated bank holds for whoever has this ID number: it ends in the ID's last four (X as 0). */
    static String cardHeldBy(String nationalId) {
        String lastFour = nationalId.substring(14).replace('X', '0');
        for (int filler = 0; ; filler++) {
            String candidate = "62170000" + String.format("%07d", filler) + lastFour;
            if (luhnValid(candidate)) {
                return candidate;
            }
        }
    }

    private static boolean luhnValid(String number) {
        int sum = 0;
        for (int i = 0; i < number.length(); i++) {
            int digit = number.charAt(number.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
            }
            sum += digit;
        }
        return sum % 10 == 0;
    }

    private static String reset(String login, String ticket, String code, String newPassword) {
        return """
                {"login":"%s","resetTicket":"%s","code":"%s","newPassword":"%s"}""".formatted(login, ticket, code, newPassword);
    }

    private static String codeIn(JsonNode notice) {
        Matcher matcher = CODE.matcher(notice.get("text").asText());
        assertThat(matcher.find()).as(notice.toString()).isTrue();
        return matcher.group(1);
    }

    private static Api command(String user) {
        return Api.at(system.commandUrl(), user);
    }

    private static Api query(String user) {
        return Api.at(system.queryUrl(), user);
    }
}
