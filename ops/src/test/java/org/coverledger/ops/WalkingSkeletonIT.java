package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The first vertical slice over real HTTP, against both applications and the embedded MongoDB. */
class WalkingSkeletonIT {

    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.shared(); // one system for several test classes: see RunningSystem.shared
    }


    static Api command(String user) {
        return Api.at(system.commandUrl(), user);
    }

    static Api query(String user) {
        return Api.at(system.queryUrl(), user);
    }

    /** Home cover from today, quoted by the rules and bought with a bound card: the purchase's answer. */
    static Reply buyPolicy(Api customer, String accountId, String requestId) {
        return Policies.purchase(customer, accountId, requestId);
    }

    @Test
    void a_client_reads_its_own_writes_by_the_position_its_command_answered_with() {
        Api alice = command("alice");
        Reply bought = buyPolicy(alice, Customers.ALICE_ACCOUNT, "ryw-buy");
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        long boughtAt = Long.parseLong(bought.header("X-Event-Position"));
        String policyId = bought.json().get("policyId").asText();

        // no waiting on the client's side: the query side holds the answer until it is there
        Reply view = query("alice").get("/api/policies/" + policyId + "?minPosition=" + boughtAt);
        assertThat(view.status()).as(view.toString()).isEqualTo(200);
        assertThat(view.header("X-Stale")).isNull();
        assertThat(Long.parseLong(view.header("X-Projection-Position"))).isGreaterThanOrEqualTo(boughtAt);

        Reply changed = alice.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"Li Lei\"}");
        assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
        long changedAt = Long.parseLong(changed.header("X-Event-Position"));
        assertThat(changedAt).isGreaterThan(boughtAt);
        Reply after = query("alice").get("/api/policies/" + policyId, "X-Min-Position", Long.toString(changedAt));
        assertThat(after.json().get("beneficiary").asText()).isEqualTo("Li Lei");
        assertThat(after.header("X-Stale")).isNull();
        // the audit trail is another projection; it is waited for just the same
        JsonNode audit = query("cora").get("/api/audit?aggregateId=" + policyId + "&minPosition=" + changedAt).json();
        assertThat(audit.get("items").findValuesAsText("eventType"))
                .containsExactly("PolicyIssued", "PolicyStarted", "PolicyChanged");

        // a position no command has reached yet: answered after the bound, marked stale
        Reply ahead = query("alice").get("/api/policies/" + policyId + "?minPosition=" + (changedAt + 1_000_000));
        assertThat(ahead.status()).isEqualTo(200);
        assertThat(ahead.header("X-Stale")).isEqualTo("true");

        Reply malformed = query("alice").get("/api/policies/" + policyId, "X-Min-Position", "-1");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("code").asText()).isEqualTo("VALIDATION_FAILED");
        assertThat(malformed.json().get("errors").get(0).get("field").asText()).isEqualTo("X-Min-Position");

        // a refused command appends nothing and names no position
        Reply refused = alice.post("/api/policies/" + policyId + "/changes", "{}");
        assertThat(refused.status()).isBetween(400, 499);
        assertThat(refused.header("X-Event-Position")).isNull();
    }

    @Test
    void a_customer_registers_buys_changes_and_claims_and_compliance_sees_every_step() {
        Customers.Customer wang = Customers.register(system);
        Api customer = wang.command(system);
        Api customerQueries = wang.query(system);
        String accountId = wang.accountId();

        Reply bought = buyPolicy(customer, accountId, "e2e-buy-1");
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        assertThat(bought.header("X-Request-Id")).isEqualTo("e2e-buy-1");
        String policyId = bought.json().get("policyId").asText();
        assertThat(bought.json().get("policyNumber").asText()).startsWith("PN");
        assertThat(bought.header("Location")).endsWith("/api/policies/" + policyId);

        Reply changed = customer.post("/api/policies/" + policyId + "/changes",
                "{\"beneficiary\":\"Wang Xiaoming\"}", "e2e-change-1");
        assertThat(changed.status()).as(changed.toString()).isEqualTo(202);

        Reply claimed = customer.post("/api/claims", Policies.claimBody(policyId, Policies.today(), "WATER_DAMAGE",
                "Burst pipe", "3200.50", Policies.card(customer, accountId)));
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
        assertThat(claimed.json().get("status").asText()).isEqualTo("SUBMITTED");
        String claimId = claimed.json().get("claimId").asText();

        Reply requested = command("adam").post("/api/claims/" + claimId + "/material-requests", """
                {"items":[{"category":"PHOTO","description":"photos of the damage"},
                          {"category":"INVOICE","description":"invoice"}],"note":"please upload"}""");
        assertThat(requested.status()).as(requested.toString()).isEqualTo(202);
        assertThat(requested.json().get("status").asText()).isEqualTo("MATERIALS_REQUESTED");

        JsonNode policy = awaitJson(customerQueries, "/api/policies/" + policyId,
                p -> p.get("changes").size() == 1);
        assertThat(policy.get("beneficiary").asText()).isEqualTo("Wang Xiaoming");
        assertThat(policy.get("policyholder").asText()).isEqualTo(accountId);
        assertThat(policy.get("changes").get(0).get("changedBy").asText()).isEqualTo(accountId);
        assertThat(new java.math.BigDecimal(policy.get("sumInsured").asText())).isEqualByComparingTo("500000.00");

        JsonNode progress = awaitJson(customerQueries, "/api/claims/" + claimId + "/progress",
                p -> "MATERIALS_REQUESTED".equals(p.get("status").asText()));
        // submitted and assigned to an adjuster in one commit, then the request
        assertThat(ids(progress.get("timeline"), "step")).containsExactly("SUBMITTED", "ASSIGNED", "MATERIALS_REQUESTED");
        assertThat(progress.get("timeline").get(2).get("items").get(1).get("category").asText()).isEqualTo("INVOICE");
        assertThat(progress.get("timeline").get(2).get("items").get(1).get("description").asText()).isEqualTo("invoice");
        assertThat(progress.get("timeline").get(2).get("at").asText()).isNotBlank();

        JsonNode mine = customerQueries.get("/api/policies?product=PROPERTY&size=50").json();
        assertThat(ids(mine.get("items"), "policyId")).contains(policyId);
        assertThat(mine.get("total").asLong()).isGreaterThanOrEqualTo(1);
        JsonNode bobs = query("bob").get("/api/policies?size=50").json();
        assertThat(ids(bobs.get("items"), "policyId")).doesNotContain(policyId);
        assertThat(query("bob").get("/api/policies/" + policyId).status()).isEqualTo(404);
        assertThat(query("bob").get("/api/claims/" + claimId + "/progress").status()).isEqualTo(404);
        assertThat(ids(query("uma").get("/api/policies?size=200").json().get("items"), "policyId")).contains(policyId);

        // bought on its start date, the policy is in force at once: started in the same commit
        // (the claim is noted on the policy in the claim's own commit: the fourth event)
        JsonNode audit = awaitJson(query("cora"), "/api/audit?aggregateId=" + policyId, a -> a.get("total").asInt() == 4);
        JsonNode issued = audit.get("items").get(0);
        assertThat(issued.get("eventType").asText()).isEqualTo("PolicyIssued");
        assertThat(audit.get("items").get(1).get("eventType").asText()).isEqualTo("PolicyStarted");
        assertThat(audit.get("items").get(1).get("payload").get("startDate").asText()).isEqualTo(Policies.today().toString());
        assertThat(policy.get("status").asText()).isEqualTo("IN_FORCE");
        assertThat(issued.get("aggregateType").asText()).isEqualTo("Policy");
        assertThat(issued.get("sequence").asLong()).isZero();
        assertThat(issued.get("actor").asText()).isEqualTo(accountId);
        assertThat(issued.get("requestId").asText()).isEqualTo("e2e-buy-1");
        assertThat(issued.get("clientIp").asText()).isEqualTo("127.0.0.1");
        assertThat(issued.get("correlationId").asText()).isNotBlank();
        assertThat(issued.get("timestamp").asText()).isNotBlank();
        assertThat(issued.get("payload").get("policyNumber").asText()).isEqualTo(bought.json().get("policyNumber").asText());
        JsonNode change = audit.get("items").get(2);
        assertThat(change.get("eventType").asText()).isEqualTo("PolicyChanged");
        assertThat(change.get("sequence").asLong()).isEqualTo(2);
        assertThat(change.get("requestId").asText()).isEqualTo("e2e-change-1");
        JsonNode noted = audit.get("items").get(3);
        assertThat(noted.get("eventType").asText()).isEqualTo("ClaimNoted");
        assertThat(noted.get("payload").get("claimId").asText()).isEqualTo(claimId);
        assertThat(noted.get("payload").get("incidentType").asText()).isEqualTo("WATER_DAMAGE");

        // each step and the notice telling the customer of it in one commit
        JsonNode claimAudit = awaitJson(query("root"), "/api/audit?aggregateId=" + claimId, a -> a.get("total").asInt() == 5);
        assertThat(claimAudit.get("items").findValuesAsText("eventType")).containsExactly("ClaimSubmitted",
                "ClaimAssigned", "NoticeIssued", "MaterialsRequested", "NoticeIssued");
        assertThat(claimAudit.get("items").get(0).get("actor").asText()).isEqualTo(accountId);
        assertThat(claimAudit.get("items").get(3).get("actor").asText()).isEqualTo("adam");
        assertThat(claimAudit.get("items").get(3).get("roles").asText()).isEqualTo("ADJUSTER");
    }

    @Test
    void bad_input_names_every_bad_field_and_appends_nothing() {
        long before = system.storedEvents();

        Reply registration = Api.at(system.commandUrl(), null).post("/api/accounts", Customers.registration("",
                "110105194912310029", "12345", "not-an-email", "short"));
        assertThat(registration.status()).isEqualTo(400);
        assertThat(registration.header("Content-Type")).contains("application/problem+json");
        assertThat(fields(registration)).containsExactly("email", "mobile", "name", "nationalId", "password",
                "password", "password");
        Reply weak = Api.at(system.commandUrl(), null).post("/api/accounts", Customers.registration("Li Lei",
                Customers.nationalId(), "13912345670", "li@example.com", "Password1!"));
        assertThat(fields(weak)).containsExactly("password");
        assertThat(weak.body()).contains("is a common password").doesNotContain("Password1!");

        Customers.Customer customer = Customers.register(system);
        String accountId = customer.accountId();
        long afterRegistration = system.storedEvents();
        assertThat(afterRegistration).isEqualTo(before + 1);

        Reply taken = Api.at(system.commandUrl(), null).post("/api/accounts", Customers.registration("Someone",
                customer.nationalId(), "13900000099", "other@example.com", "Ledger#2026y"));
        assertThat(taken.status()).isEqualTo(409);
        assertThat(taken.json().get("code").asText()).isEqualTo("ALREADY_REGISTERED");
        assertThat(ids(taken.json().get("errors"), "field")).containsExactly("nationalId");

        String insured = "\"insured\":{\"name\":\"Li Na\",\"nationalId\":\"110105198503150027\",\"relationship\":\"SPOUSE\"}";
        Reply quote = customer.command(system).post("/api/quotes", """
                {"accountId":"%s","product":"BOAT","sumInsured":"abc","startDate":"%s","termMonths":12,%s,
                 "declarations":{}}""".formatted(accountId, Policies.today(), insured));
        assertThat(quote.status()).isEqualTo(400);
        assertThat(fields(quote)).as("a format error hides no other bad field").containsExactly("product", "sumInsured");

        Reply quote2 = customer.command(system).post("/api/quotes", """
                {"accountId":"%s","product":"PROPERTY","sumInsured":"-5","startDate":"%s","termMonths":12,%s,
                 "declarations":{}}""".formatted(accountId, Policies.today(), insured));
        assertThat(quote2.status()).isEqualTo(400);
        assertThat(fields(quote2)).containsExactly("sumInsured");
        // cover that would start in the past is the Quote's rule, decided once, in the aggregate
        Reply backwards = customer.command(system).post("/api/quotes",
                Policies.quoteRequest(accountId, Policies.today().minusDays(1)));
        assertThat(backwards.status()).as(backwards.toString()).isEqualTo(422);
        assertThat(backwards.json().get("code").asText()).isEqualTo("COVER_START_INVALID");

        Reply malformed = command("alice").post("/api/quotes", "{\"accountId\":");
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("code").asText()).isEqualTo("MALFORMED_REQUEST");

        Reply unknownField = command("alice").post("/api/claims", """
                {"policyId":"x","incidentDate":"2026-03-02","incidentType":"FIRE","description":"d","amountClaimed":"1.00",
                 "payoutCardId":"c","bonus":1}""");
        assertThat(fields(unknownField)).containsExactly("bonus");
        Reply noTypeNoCard = command("alice").post("/api/claims", """
                {"policyId":"x","incidentDate":"2026-03-02","description":"d","amountClaimed":"1.00"}""");
        assertThat(fields(noTypeNoCard)).containsExactlyInAnyOrder("incidentType", "payoutCardId");

        Reply badQuery = query("alice").get("/api/policies?size=0&product=BOAT&status=NOPE");
        assertThat(badQuery.status()).isEqualTo(400);
        assertThat(fields(badQuery)).containsExactlyInAnyOrder("size", "product", "status");

        Reply badAudit = query("cora").get("/api/audit?from=yesterday");
        assertThat(fields(badAudit)).containsExactly("from");

        assertThat(system.storedEvents()).isEqualTo(afterRegistration);
    }

    @Test
    void staff_find_policies_by_number_holder_insured_and_dates_and_sort_them() {
        String name = "Tang Wei" + (char) ('a' + new java.util.Random().nextInt(26)) + (char) ('a' + new java.util.Random().nextInt(26));
        Customers.Customer tang = Customers.register(system, name);
        Policies.Bought first = Policies.buy(system, tang);
        Policies.Bought second = Policies.buy(system, tang);
        String position = Long.toString(second.position());
        Api uma = query("uma");
        JsonNode byNumber = uma.get("/api/policies?policyNumber=" + first.policyNumber(), "X-Min-Position", position).json();
        assertThat(ids(byNumber.get("items"), "policyId")).containsExactly(first.policyId());
        JsonNode byHolder = uma.get("/api/policies?holder=" + name.replace(" ", "%20") + "&sort=-policyNumber").json();
        assertThat(ids(byHolder.get("items"), "policyId")).containsExactlyInAnyOrder(first.policyId(), second.policyId());
        List<String> numbers = ids(byHolder.get("items"), "policyNumber");
        assertThat(numbers).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        String today = Policies.today().toString();
        JsonNode byInsuredAndDates = uma.get("/api/policies?insured=" + Policies.INSURED_NAME.replace(" ", "%20")
                + "&startFrom=" + today + "&startTo=" + today + "&endFrom=" + Policies.today().plusMonths(12).minusDays(1)
                + "&size=200").json();
        assertThat(ids(byInsuredAndDates.get("items"), "policyId")).contains(first.policyId(), second.policyId());
        JsonNode none = uma.get("/api/policies?holder=" + name.replace(" ", "%20") + "&startFrom="
                + Policies.today().plusDays(1)).json();
        assertThat(none.get("total").asLong()).isZero();

        Reply customerByHolder = tang.query(system).get("/api/policies?holder=Someone");
        assertThat(customerByHolder.status()).isEqualTo(400);
        Reply bad = uma.get("/api/policies?sort=name&startFrom=soon&policyNumber=123");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(fields(bad)).containsExactlyInAnyOrder("sort", "startFrom", "policyNumber");
    }

    @Test
    void business_rules_refuse_with_422_and_unknown_objects_answer_404() {
        String policyId = buyPolicy(command("alice"), Customers.ALICE_ACCOUNT, null).json().get("policyId").asText();
        String card = Policies.card(command("alice"), Customers.ALICE_ACCOUNT);
        String bobsCard = Policies.card(command("bob"), org.coverledger.command.demo.DemoAccounts.BOB);
        long before = system.storedEvents();

        Reply outside = command("alice").post("/api/claims", Policies.claimBody(policyId,
                Policies.today().minusDays(1), "FIRE", "Old", "10.00", card));
        assertThat(outside.status()).isEqualTo(422);
        assertThat(outside.json().get("code").asText()).isEqualTo("INCIDENT_OUTSIDE_COVER");

        Reply noPolicy = command("alice").post("/api/claims", Policies.claimBody("7d1c8a3e-0000-4000-8000-000000000000",
                Policies.today(), "FIRE", "x", "10.00", card));
        assertThat(noPolicy.status()).isEqualTo(422);
        assertThat(noPolicy.json().get("code").asText()).isEqualTo("POLICY_UNKNOWN");

        Reply bobsClaim = command("bob").post("/api/claims", Policies.claimBody(policyId, Policies.today(), "FIRE", "x",
                "10.00", bobsCard));
        assertThat(bobsClaim.status()).isEqualTo(422);
        assertThat(bobsClaim.json().get("code").asText()).isEqualTo("POLICY_UNKNOWN");

        // what the product covers, how much of it, with a card of the account's, reported in time
        Reply notCovered = command("alice").post("/api/claims", Policies.claimBody(policyId, Policies.today(),
                "HOSPITALIZATION", "x", "10.00", card));
        assertThat(notCovered.status()).isEqualTo(422);
        assertThat(notCovered.json().get("code").asText()).isEqualTo("INCIDENT_TYPE_NOT_COVERED");
        Reply aboveCover = command("alice").post("/api/claims", Policies.claimBody(policyId, Policies.today(),
                "BURGLARY", "x", "100000.01", card)); // burglary: 20 % of the 500,000 insured
        assertThat(aboveCover.status()).isEqualTo(422);
        assertThat(aboveCover.json().get("code").asText()).isEqualTo("AMOUNT_EXCEEDS_COVER");
        Reply othersCard = command("alice").post("/api/claims", Policies.claimBody(policyId, Policies.today(), "FIRE",
                "x", "10.00", bobsCard));
        assertThat(othersCard.status()).isEqualTo(422);
        assertThat(othersCard.json().get("code").asText()).isEqualTo("CARD_UNKNOWN");
        Reply tooOld = command("alice").post("/api/claims", Policies.claimBody(policyId,
                Policies.today().minusYears(2).minusDays(1), "FIRE", "x", "10.00", card));
        assertThat(tooOld.status()).isEqualTo(422);
        assertThat(tooOld.json().get("code").asText()).isEqualTo("INCIDENT_TOO_OLD");

        assertThat(command("alice").post("/api/policies/7d1c8a3e-0000-4000-8000-000000000000/changes",
                "{\"beneficiary\":\"x\"}").status()).isEqualTo(404);
        assertThat(command("alice").post("/api/policies/not-an-id/changes", "{\"beneficiary\":\"x\"}").status())
                .isEqualTo(404);
        assertThat(command("adam").post("/api/claims/7d1c8a3e-0000-4000-8000-000000000000/material-requests",
                "{\"items\":[{\"category\":\"OTHER\",\"description\":\"x\"}]}").status()).isEqualTo(404);
        assertThat(query("alice").get("/api/policies/7d1c8a3e-0000-4000-8000-000000000000").status()).isEqualTo(404);
        assertThat(query("alice").get("/api/claims/nope/progress").status()).isEqualTo(404);

        assertThat(system.storedEvents()).isEqualTo(before);
    }

    @Test
    void every_api_call_needs_a_user_and_the_right_role() {
        Reply anonymous = query(null).get("/api/policies");
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("Content-Type")).contains("application/problem+json");
        assertThat(anonymous.json().get("code").asText()).isEqualTo("UNAUTHENTICATED");

        Reply wrongPassword = Api.at(system.commandUrl(), "alice-wrong").post("/api/quotes", "{}");
        assertThat(wrongPassword.status()).isEqualTo(401);

        Reply customerAudit = query("alice").get("/api/audit");
        assertThat(customerAudit.status()).isEqualTo(403);
        assertThat(customerAudit.json().get("code").asText()).isEqualTo("FORBIDDEN");
        assertThat(query("ana").get("/api/audit").status()).isEqualTo(403);
        assertThat(query("cora").get("/api/audit").status()).isEqualTo(200);

        assertThat(command("alice").post("/api/claims/x/material-requests",
                "{\"items\":[{\"category\":\"OTHER\",\"description\":\"x\"}]}").status()).isEqualTo(403);
        assertThat(command("ana").post("/api/quotes", "{}").status()).isEqualTo(403);
    }

    @Test
    void both_apps_describe_their_api_and_report_health() {
        for (String base : List.of(system.commandUrl(), system.queryUrl())) {
            Reply docs = Api.at(base, null).get("/v3/api-docs");
            assertThat(docs.status()).isEqualTo(200);
            assertThat(docs.json().get("paths").size()).isGreaterThan(0);
            assertThat(Api.at(base, null).get("/swagger-ui/index.html").status()).isEqualTo(200);
            JsonNode health = Api.at(base, null).get("/actuator/health").json();
            assertThat(health.get("status").asText()).as(health.toString()).isEqualTo("UP");
            assertThat(health.get("components").get("mongo").get("status").asText()).isEqualTo("UP");
        }
        // details (processors, disk, paths) only for an administrator
        assertThat(Api.at(system.queryUrl(), null).get("/actuator/health").json().get("components")
                .get("eventProcessors").has("details")).isFalse();
        assertThat(Api.at(system.queryUrl(), "cora").get("/actuator/health").json().get("components")
                .get("eventProcessors").has("details")).isFalse();
        JsonNode queryHealth = Api.at(system.queryUrl(), "root").get("/actuator/health").json();
        assertThat(queryHealth.get("components").get("eventProcessors").get("details").fieldNames())
                .toIterable().contains("policies", "claims", "audit");
        // every row of the permission table is described, with its method, by the side that serves it
        List<String> undocumented = new java.util.ArrayList<>();
        for (org.coverledger.platform.Permission permission : org.coverledger.platform.Permission.values()) {
            String base = permission.side() == org.coverledger.platform.Permission.Side.COMMAND
                    ? system.commandUrl() : system.queryUrl();
            JsonNode paths = Api.at(base, null).get("/v3/api-docs").json().get("paths");
            String pattern = java.util.regex.Pattern.quote(permission.path()).replace("/**", "\\E/.+\\Q")
                    .replace("*", "\\E\\{[^}/]+\\}\\Q");
            boolean described = false;
            for (java.util.Iterator<String> names = paths.fieldNames(); names.hasNext(); ) {
                String path = names.next();
                described |= path.matches(pattern) && paths.get(path).has(permission.method().toLowerCase(java.util.Locale.ROOT));
            }
            if (!described) {
                undocumented.add(permission + " " + permission.method() + " " + permission.path());
            }
        }
        assertThat(undocumented).isEmpty();
    }

    static JsonNode awaitJson(Api api, String path, java.util.function.Predicate<JsonNode> ready) {
        JsonNode[] last = new JsonNode[1];
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() -> {
                Reply reply = api.get(path);
                if (reply.status() != 200) {
                    return false;
                }
                last[0] = reply.json();
                return ready.test(last[0]);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("GET " + path + " never became ready; last answer: " + last[0], e);
        }
        return last[0];
    }

    static List<String> ids(JsonNode items, String field) {
        List<String> ids = new ArrayList<>();
        items.forEach(item -> ids.add(item.get(field).asText()));
        return ids;
    }

    static List<String> fields(Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(400);
        return ids(reply.json().get("errors"), "field");
    }
}
