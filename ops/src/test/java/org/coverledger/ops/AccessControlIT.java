package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.platform.Permission;
import org.coverledger.events.common.Role;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every endpoint of the permission table against every role, and personal data masked by role. */
class AccessControlIT {

    private static final Map<Role, String> DEMO_USER = Map.of(Role.CUSTOMER, "alice", Role.UNDERWRITER, "uma",
            Role.ADJUSTER, "adam", Role.COMPLIANCE, "cora", Role.ANALYST, "ana", Role.ADMIN, "root");

    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.shared(); // one system for several test classes: see RunningSystem.shared
    }


    /**
     * Who may call what, written by hand from the README's role table, not taken from the
     * {@link Permission} table that builds the security: side, method, path ({id} is a fresh
     * id), then PUBLIC, ALL (everyone logged in) or the roles by initial (C customer,
     * U underwriter, J adjuster, P compliance, A analyst, R admin).
     */
    private static final String EXPECTED = """
            C POST   /api/sessions                                ALL
            C DELETE /api/sessions/current                        ALL
            C POST   /api/sessions/challenges/{id}                PUBLIC
            C DELETE /api/accounts/{id}/devices/{id}              C R
            C DELETE /api/accounts/{id}/sessions/{id}             C R
            C POST   /api/accounts                                PUBLIC
            C POST   /api/accounts/{id}/unlock                    R
            C PUT    /api/accounts/{id}/notification-preferences  C R
            C POST   /api/accounts/{id}/cards                     C R
            C DELETE /api/accounts/{id}/cards/{id}                C R
            C POST   /api/accounts/{id}/verification              C
            C POST   /api/accounts/{id}/verification/confirm      C
            C POST   /api/accounts/{id}/contact-changes           C
            C POST   /api/accounts/{id}/contact-changes/confirm   C
            C POST   /api/accounts/{id}/password                  C
            C POST   /api/accounts/password-resets                PUBLIC
            C POST   /api/accounts/password-resets/confirm        PUBLIC
            C POST   /api/accounts/{id}/auto-debit                C R
            C DELETE /api/accounts/{id}/auto-debit                C R
            C POST   /api/accounts/{id}/closure                   C R
            C POST   /api/accounts/{id}/erasure                   R
            C POST   /api/quotes                                  C U R
            C POST   /api/quotes/{id}/purchase                    C R
            C POST   /api/quotes/{id}/acceptance                  U R
            C POST   /api/quotes/{id}/declination                 U R
            C POST   /api/policies/{id}/changes                   C U R
            C POST   /api/policies/{id}/changes/{id}/approval     U R
            C POST   /api/policies/{id}/changes/{id}/rejection    U R
            C POST   /api/policies/{id}/cancellation              C R
            C POST   /api/policies/{id}/reinstatement             C R
            C POST   /api/policies/{id}/reinstatement/{id}/approval U R
            C POST   /api/policies/{id}/reinstatement/{id}/rejection U R
            C POST   /api/policies/{id}/renewal/{id}/approval     U R
            C POST   /api/policies/{id}/renewal/{id}/rejection    U R
            C POST   /api/policies/{id}/renewal                   C R
            C POST   /api/policies/{id}/auto-renewal              C R
            C POST   /api/claims                                  C J R
            C POST   /api/claims/{id}/material-requests           J R
            C POST   /api/claims/{id}/materials                   C J R
            C POST   /api/claims/{id}/materials/submission        C R
            C POST   /api/claims/{id}/assignment                  R
            C POST   /api/claims/{id}/assessment                  J R
            C POST   /api/claims/{id}/approval                    J R
            C PUT    /api/claims/{id}/payout-card                 C R
            C POST   /api/claims/{id}/payout-retry                R
            C POST   /api/claims/{id}/withdrawal                  C R
            C POST   /api/claims/{id}/reopening                   J R
            C GET    /api/admin/outbox                            R
            C GET    /api/admin/timed-steps                       R
            Q GET    /api/products                                PUBLIC
            Q GET    /api/quotes/{id}                             C U R
            Q GET    /api/underwriting/queue                      U R
            Q GET    /api/policies                                ALL
            Q GET    /api/policies/renewals-due                   U J P R
            Q GET    /api/policies/{id}                           ALL
            Q GET    /api/policies/{id}/document                  C U R
            Q GET    /api/claims                                  C J P A R
            Q GET    /api/claims/queue                            J R
            Q GET    /api/claims/{id}                             C J P A R
            Q GET    /api/claims/{id}/progress                    C J P R
            Q GET    /api/claims/{id}/progress/stream             C J P R
            Q GET    /api/claims/{id}/materials/{id}              C J P R
            Q GET    /api/accounts/{id}/notices                   C R
            Q GET    /api/accounts/lookup                         U J P R
            Q GET    /api/accounts/{id}/overview                  C U J P R
            Q GET    /api/accounts/{id}                           C U J P R
            Q GET    /api/accounts                                U J P A R
            Q GET    /api/accounts/{id}/devices                   C R
            Q GET    /api/accounts/{id}/sessions                  C R
            Q GET    /api/audit                                   P R
            Q POST   /api/audit/verifications                     P R
            Q GET    /api/audit/verifications/{id}                P R
            Q GET    /api/audit/public-key                        PUBLIC
            Q GET    /api/audit/digest                            P R
            Q GET    /api/audit/checkpoints                       PUBLIC
            Q POST   /api/audit/checkpoints/{id}/cosignatures     PUBLIC
            Q GET    /api/audit/proofs/inclusion/{id}             P R
            Q GET    /api/audit/proofs/consistency                PUBLIC
            Q GET    /api/audit/replay/{id}/{id}                  P R
            Q GET    /api/audit/export                            P R
            Q GET    /api/audit/access                            P R
            Q GET    /api/audit/access/digest                     P R
            Q POST   /api/audit/access/verifications              P R
            Q GET    /api/audit/retention                         P R
            Q GET    /api/analytics/portfolio                     P A R
            Q GET    /api/analytics/claims                        P A R
            Q GET    /api/analytics/cycle-times                   P A R
            Q GET    /api/analytics/adjusters                     P A R
            Q GET    /dashboard                                   PUBLIC
            Q GET    /dashboard/{id}                              PUBLIC
            Q GET    /dashboard/lib/{id}                          PUBLIC
            Q GET    /api/admin/projections                       R
            Q POST   /api/admin/projections/{id}/rebuild          R
            Q GET    /api/admin/projections/{id}/rebuild          R
            Q DELETE /api/admin/projections/{id}/rebuild          R
            """;
    private static final Map<String, Role> INITIAL = Map.of("C", Role.CUSTOMER, "U", Role.UNDERWRITER,
            "J", Role.ADJUSTER, "P", Role.COMPLIANCE, "A", Role.ANALYST, "R", Role.ADMIN);

    @Test
    void every_endpoint_answers_every_role_as_written_by_hand_and_never_a_5xx() {
        List<String> wrong = new ArrayList<>();
        List<String> rows = EXPECTED.lines().filter(line -> !line.isBlank()).toList();
        for (String row : rows) {
            String[] parts = row.trim().split("\\s+");
            String base = parts[0].equals("C") ? system.commandUrl() : system.queryUrl();
            String method = parts[1];
            String path = parts[2].replace("{id}", UUID.randomUUID().toString());
            java.util.Set<Role> allowed = new java.util.HashSet<>();
            boolean isPublic = parts[3].equals("PUBLIC");
            if (isPublic || parts[3].equals("ALL")) {
                allowed.addAll(List.of(Role.values()));
            } else {
                for (int k = 3; k < parts.length; k++) {
                    allowed.add(INITIAL.get(parts[k]));
                }
            }
            Reply anonymous = call(Api.at(base, null), method, path);
            if (anonymous.status() >= 500 || (isPublic ? anonymous.status() == 401 || anonymous.status() == 403
                    : anonymous.status() != 401)) {
                wrong.add(row.trim() + " anonymous: " + anonymous.status());
            }
            for (Role role : Role.values()) {
                int status = call(Api.at(base, DEMO_USER.get(role)), method, path).status();
                boolean right = status < 500 && (allowed.contains(role) ? status != 401 && status != 403 : status == 403);
                if (!right) {
                    wrong.add(row.trim() + " " + role + ": " + status);
                }
            }
        }
        assertThat(wrong).isEmpty();
        // and no row of the permission table goes without a hand-written expectation
        for (Permission permission : Permission.values()) {
            String pattern = permission.path().replace("/**", "/projections").replace("*", "{id}");
            assertThat(rows).as(permission + " has no expectation written by hand")
                    .anyMatch(row -> row.contains(" " + permission.method() + " ")
                            && row.replaceAll("\\s+", " ").contains(" " + pattern + " ")
                            || permission.path().endsWith("/**") && row.contains(" " + permission.method() + " ")
                            && row.contains("/api/admin/projections"));
        }
    }

    @Test
    void a_customer_logs_in_by_mobile_or_email_and_five_failures_lock_until_an_admin_unlocks() {
        Customers.Customer li = Customers.register(system, "Li Na");
        assertThat(li.query(system).get("/api/policies").status()).isEqualTo(200);
        assertThat(Api.as(system.queryUrl(), li.email(), li.password()).get("/api/policies").status()).isEqualTo(200);

        for (int i = 0; i < 5; i++) {
            Reply wrong = Api.as(system.queryUrl(), li.mobile(), "Wrong#pass1").get("/api/policies");
            assertThat(wrong.status()).isEqualTo(401);
        }
        // locked: the right password answers exactly as a wrong one, so the answer tells nothing
        Reply locked = li.query(system).get("/api/policies");
        Reply wrongPassword = Api.as(system.queryUrl(), li.mobile(), "Wrong#pass1").get("/api/policies");
        assertThat(locked.status()).isEqualTo(401);
        assertThat(locked.json().get("code").asText()).isEqualTo("UNAUTHENTICATED");
        assertThat(locked.json().get("detail")).isEqualTo(wrongPassword.json().get("detail"));
        assertThat(li.command(system).post("/api/quotes", "{}").json().get("code").asText()).isEqualTo("UNAUTHENTICATED");

        // the lock is an event: the audit trail and the account view know of it
        JsonNode audit = awaitJson(Api.at(system.queryUrl(), "cora"), "/api/audit?aggregateId=" + li.accountId(),
                a -> a.get("total").asInt() == 2);
        assertThat(audit.get("items").get(1).get("eventType").asText()).isEqualTo("AccountLocked");
        awaitJson(Api.at(system.queryUrl(), "uma"), "/api/accounts/" + li.accountId(),
                a -> "LOCKED".equals(a.get("status").asText()));

        assertThat(Api.at(system.commandUrl(), "uma").post("/api/accounts/" + li.accountId() + "/unlock", "").status())
                .isEqualTo(403);
        Reply unlocked = Api.at(system.commandUrl(), "root").post("/api/accounts/" + li.accountId() + "/unlock", "");
        assertThat(unlocked.status()).as(unlocked.toString()).isEqualTo(202);
        assertThat(li.query(system).get("/api/policies").status()).isEqualTo(200);
        awaitJson(Api.at(system.queryUrl(), "uma"), "/api/accounts/" + li.accountId(),
                a -> "REGISTERED".equals(a.get("status").asText()));
        // the count starts again: four more failures do not lock
        for (int i = 0; i < 4; i++) {
            Api.as(system.queryUrl(), li.mobile(), "Wrong#pass1").get("/api/policies");
        }
        assertThat(li.query(system).get("/api/policies").status()).isEqualTo(200);
    }

    @Test
    void a_customer_sets_notification_preferences_and_money_movements_stay_on_sms() {
        Customers.Customer zhou = Customers.register(system, "Zhou Min");
        String path = "/api/accounts/" + zhou.accountId() + "/notification-preferences";
        Reply set = zhou.command(system).put(path, """
                {"channels":{"CLAIM_PROGRESS":"APP_PUSH","PREMIUM_DEBIT":"SMS","MARKETING":"NONE"},
                 "quietFrom":"23:00","quietTo":"07:00"}""");
        assertThat(set.status()).as(set.toString()).isEqualTo(202);
        JsonNode account = awaitJson(zhou.query(system), "/api/accounts/" + zhou.accountId(),
                a -> a.get("notificationPreferences").isObject());
        assertThat(account.get("notificationPreferences").get("channels").get("CLAIM_PROGRESS").asText())
                .isEqualTo("APP_PUSH");
        assertThat(account.get("notificationPreferences").get("quietFrom").asText()).isEqualTo("23:00");

        Reply bad = zhou.command(system).put(path, """
                {"channels":{"CLAIM_PAYOUT":"EMAIL","FAXES":"SMS"},"quietFrom":"23:00"}""");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("channels");
        Reply badHours = zhou.command(system).put(path, """
                {"channels":{"CLAIM_PAYOUT":"EMAIL"},"quietFrom":"23:00"}""");
        assertThat(WalkingSkeletonIT.fields(badHours)).containsExactly("quietTo");
        // money movements by SMS is the account's rule, decided once, in the aggregate
        Reply byEmail = zhou.command(system).put(path, "{\"channels\":{\"CLAIM_PAYOUT\":\"EMAIL\"}}");
        assertThat(byEmail.status()).as(byEmail.toString()).isEqualTo(422);
        assertThat(byEmail.json().get("code").asText()).isEqualTo("MONEY_MOVEMENTS_BY_SMS");
        assertThat(Api.at(system.commandUrl(), "bob").put(path, "{\"channels\":{}}").status()).isEqualTo(404);
    }

    @Test
    void a_customer_binds_a_card_that_only_compliance_sees_in_full() {
        Customers.Customer he = Customers.register(system, "He Jing");
        Reply bad = he.command(system).post("/api/accounts/" + he.accountId() + "/cards",
                "{\"bankCardNumber\":\"6222020200112345670\"}");
        assertThat(WalkingSkeletonIT.fields(bad)).containsExactly("bankCardNumber");
        assertThat(bad.body()).doesNotContain("6222020200112345670");

        Reply bound = he.command(system).post("/api/accounts/" + he.accountId() + "/cards",
                "{\"bankCardNumber\":\"6222020200112345679\"}");
        assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
        String cardId = bound.json().get("cardId").asText();
        assertThat(he.command(system).post("/api/accounts/" + he.accountId() + "/cards",
                "{\"bankCardNumber\":\"6222020200112345679\"}").json().get("code").asText())
                .isEqualTo("CARD_ALREADY_BOUND");
        assertThat(Api.at(system.commandUrl(), "bob").post("/api/accounts/" + he.accountId() + "/cards",
                "{\"bankCardNumber\":\"6217001234567890122\"}").status()).isEqualTo(404);

        JsonNode own = awaitJson(he.query(system), "/api/accounts/" + he.accountId(), a -> a.get("cards").size() == 1);
        assertThat(own.get("cards").get(0).get("number").asText()).isEqualTo("622202*********5679");
        JsonNode compliance = Api.at(system.queryUrl(), "cora").get("/api/accounts/" + he.accountId()).json();
        assertThat(compliance.get("cards").get(0).get("number").asText()).isEqualTo("6222020200112345679");

        assertThat(he.command(system).delete("/api/accounts/" + he.accountId() + "/cards/" + cardId).status())
                .isEqualTo(204);
        awaitJson(he.query(system), "/api/accounts/" + he.accountId(), a -> a.get("cards").isEmpty());
        assertThat(he.command(system).delete("/api/accounts/" + he.accountId() + "/cards/" + cardId).status())
                .isEqualTo(404);
    }

    private static final byte[] PDF = ("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            + "%%EOF\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private static Reply call(Api api, String method, String path) {
        return switch (method) {
            case "GET" -> api.get(path);
            case "PUT" -> api.put(path, "{}");
            case "DELETE" -> api.delete(path);
            // the upload takes multipart form data only: a small PDF, as a claimant's app sends it
            default -> path.matches("/api/claims/[^/]+/materials") ? api.upload(path, "INVOICE", "invoice.pdf",
                    "application/pdf", PDF) : api.post(path, "{}");
        };
    }

    @Test
    void personal_data_is_masked_unless_the_role_has_a_written_need() {
        Customers.Customer wang = Customers.register(system, "王小明");
        String accountId = wang.accountId();
        String path = "/api/accounts/" + accountId;
        String id = wang.nationalId();
        String maskedId = id.substring(0, 6) + "********" + id.substring(14);
        String maskedMobile = wang.mobile().substring(0, 3) + "****" + wang.mobile().substring(7);

        JsonNode own = awaitJson(wang.query(system), path, a -> true);
        assertThat(own.get("nationalId").asText()).isEqualTo(maskedId);
        assertThat(own.get("mobile").asText()).isEqualTo(wang.mobile());
        assertThat(own.get("email").asText()).isEqualTo(wang.email());
        assertThat(own.get("name").asText()).isEqualTo("王小明");

        JsonNode underwriter = Api.at(system.queryUrl(), "uma").get(path).json();
        assertThat(underwriter.get("nationalId").asText()).isEqualTo(id);
        assertThat(underwriter.get("mobile").asText()).isEqualTo(wang.mobile());

        JsonNode compliance = Api.at(system.queryUrl(), "cora").get(path).json();
        assertThat(compliance.get("nationalId").asText()).isEqualTo(id);

        JsonNode admin = Api.at(system.queryUrl(), "root").get(path).json();
        assertThat(admin.get("nationalId").asText()).isEqualTo(maskedId);
        assertThat(admin.get("mobile").asText()).isEqualTo(maskedMobile);
        assertThat(admin.get("email").asText()).startsWith(wang.email().substring(0, 1) + "***@");

        JsonNode analystList = Api.at(system.queryUrl(), "ana").get("/api/accounts?size=200").json();
        JsonNode seenByAnalyst = null;
        for (JsonNode item : analystList.get("items")) {
            if (item.get("accountId").asText().equals(accountId)) {
                seenByAnalyst = item;
            }
        }
        assertThat(seenByAnalyst).isNotNull();
        assertThat(seenByAnalyst.get("name").asText()).isEqualTo("王*");
        assertThat(seenByAnalyst.get("mobile").asText()).isEqualTo(maskedMobile);
        assertThat(seenByAnalyst.get("nationalId").asText()).isEqualTo(maskedId);

        assertThat(Api.at(system.queryUrl(), "bob").get(path).status()).isEqualTo(404);
        assertThat(Api.at(system.queryUrl(), "ana").get(path).status()).isEqualTo(403);
        assertThat(Api.at(system.queryUrl(), "alice").get("/api/accounts").status()).isEqualTo(403);
        assertThat(wang.query(system).get("/api/accounts/" + Customers.ALICE_ACCOUNT).status()).isEqualTo(404);
    }
}
