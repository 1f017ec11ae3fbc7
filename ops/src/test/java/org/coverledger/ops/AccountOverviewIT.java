package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;
import static org.coverledger.ops.WalkingSkeletonIT.fields;

import java.math.BigDecimal;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One customer at a glance, over HTTP: the customer's "my assets" page after two purchases and a
 * claim, the same for service staff with recent activity and masked personal data, found by
 * policy number, claim id, mobile and national ID (each by a role that sees it in full); another
 * customer's is 404. Staff's look-ups and looks at the overview are in the access log, a mobile or
 * national ID only as its keyed hash.
 */
class AccountOverviewIT {

    @TempDir
    Path data;

    @Test
    void a_customer_sees_their_assets_and_staff_find_and_see_them_masked() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            Api cora = Api.at(system.queryUrl(), "cora");
            long logged = cora.get("/api/audit/access").json().get("size").asLong();
            Customer customer = Customers.register(system, "Zhao Lei");
            Api buyer = customer.command(system);
            Policies.Bought first = Policies.buy(buyer, customer.accountId());
            Policies.Bought second = Policies.buy(buyer, customer.accountId());
            String claimId = Policies.claim(buyer, customer.accountId(), first.policyId(), Policies.today(), "BURGLARY",
                    "8000.00");
            Api mine = customer.query(system);
            String path = "/api/accounts/" + customer.accountId() + "/overview";

            JsonNode overview = awaitJson(mine, path, o -> o.get("claims").size() == 1 && o.get("policies").size() == 2);
            assertThat(overview.get("policiesByProduct").get("PROPERTY").get("IN_FORCE").asInt()).isEqualTo(2);
            BigDecimal cover = BigDecimal.ZERO;
            BigDecimal paid = BigDecimal.ZERO;
            for (Policies.Bought bought : new Policies.Bought[] {first, second}) {
                JsonNode policy = mine.get("/api/policies/" + bought.policyId()).json();
                cover = cover.add(new BigDecimal(policy.get("sumInsured").asText()));
                paid = paid.add(new BigDecimal(policy.get("payments").get(0).get("amount").asText()));
            }
            assertThat(new BigDecimal(overview.get("totalCover").asText())).isEqualByComparingTo(cover)
                    .isEqualByComparingTo("1000000");
            assertThat(new BigDecimal(overview.get("premiumsPaid").get("paidThisYear").asText()))
                    .isEqualByComparingTo(paid).isPositive();
            assertThat(overview.get("premiumsPaid").get("thisYear").asInt()).isEqualTo(Policies.today().getYear());
            JsonNode claim = overview.get("claims").get(0);
            assertThat(claim.get("claimId").asText()).isEqualTo(claimId);
            assertThat(claim.get("incidentType").asText()).isEqualTo("BURGLARY");
            assertThat(new BigDecimal(claim.get("amountClaimed").asText())).isEqualByComparingTo("8000.00");
            assertThat(claim.get("policyNumber").asText()).isEqualTo(first.policyNumber());
            assertThat(overview.get("upcomingRenewals")).as("a year away").isEmpty();
            assertThat(overview.has("recentActivity")).as("staff only").isFalse();
            assertThat(overview.get("account").get("name").asText()).isEqualTo("Zhao Lei");

            // another customer sees nothing of it
            Customer other = Customers.register(system, "Sun Li");
            assertThat(other.query(system).get(path).status()).isEqualTo(404);

            // staff find the customer by any of four keys, and see the overview masked, with activity
            Api adam = Api.at(system.queryUrl(), "adam");
            Api uma = Api.at(system.queryUrl(), "uma");
            for (String key : new String[] {"policyNumber=" + second.policyNumber(), "claimId=" + claimId,
                    "mobile=" + customer.mobile()}) {
                Reply found = adam.get("/api/accounts/lookup?" + key);
                assertThat(found.status()).as(key + ": " + found).isEqualTo(200);
                assertThat(found.json().get("accountId").asText()).as(key).isEqualTo(customer.accountId());
            }
            Reply byId = uma.get("/api/accounts/lookup?nationalId=" + customer.nationalId());
            assertThat(byId.status()).as(byId.toString()).isEqualTo(200);
            assertThat(byId.json().get("accountId").asText()).isEqualTo(customer.accountId());
            // a role that sees the value masked may not guess it digit by digit through look-ups
            assertThat(adam.get("/api/accounts/lookup?nationalId=" + customer.nationalId()).status()).isEqualTo(403);
            Api root = Api.at(system.queryUrl(), "root");
            assertThat(root.get("/api/accounts/lookup?mobile=" + customer.mobile()).status()).isEqualTo(403);
            assertThat(root.get("/api/accounts/lookup?claimId=" + claimId).status()).isEqualTo(200);
            assertThat(adam.get("/api/accounts/lookup?mobile=13900000000").status()).isEqualTo(404);
            assertThat(fields(adam.get("/api/accounts/lookup"))).containsExactly("policyNumber");
            assertThat(fields(adam.get("/api/accounts/lookup?mobile=12&nationalId=x"))).contains("mobile", "nationalId");
            assertThat(Api.at(system.queryUrl(), "ana").get("/api/accounts/lookup?claimId=" + claimId).status())
                    .as("analysts do not look people up").isEqualTo(403);

            JsonNode staffView = adam.get(path).json();
            // an adjuster sees the name and mobile, the national ID masked (PersonalDataMasking)
            assertThat(staffView.get("account").get("name").asText()).isEqualTo("Zhao Lei");
            assertThat(staffView.get("account").get("nationalId").asText()).isNotEqualTo(customer.nationalId())
                    .contains("*");
            assertThat(staffView.get("policies")).isEqualTo(overview.get("policies"));
            JsonNode activity = staffView.get("recentActivity");
            assertThat(activity.size()).isBetween(5, 20);
            for (int i = 1; i < activity.size(); i++) {
                assertThat(java.time.Instant.parse(activity.get(i).get("at").asText())).as("newest first")
                        .isBeforeOrEqualTo(java.time.Instant.parse(activity.get(i - 1).get("at").asText()));
            }
            assertThat(activity.findValuesAsText("type")).contains("AccountRegistered", "PolicyIssued", "ClaimSubmitted");
            assertThat(staffView.has("recentNotices")).as("notices: the customer's and admins' (as the inbox)").isFalse();
            assertThat(root.get(path).json().get("recentNotices").isArray()).isTrue();
            assertThat(staffView.toString()).doesNotContain(customer.nationalId());

            // who looked whom up, and who opened the overview, is in the tamper-evident access log:
            // the mobile and national ID only as the credentials' keyed hash, with the account found
            java.util.List<JsonNode> records = new java.util.ArrayList<>();
            cora.get("/api/audit/access?after=" + logged + "&limit=500").json().get("items").forEach(records::add);
            java.util.List<JsonNode> lookups = records.stream()
                    .filter(r -> r.get("action").asText().equals("CUSTOMER_LOOKUP")).toList();
            assertThat(lookups).as("every look-up, refused ones too").hasSize(11);
            assertThat(lookups).extracting(r -> r.get("actor").asText()).containsOnly("adam", "uma", "root", "ana");
            assertThat(lookups).extracting(r -> r.get("status").asInt()).contains(200, 403, 404, 400);
            JsonNode byMobile = lookups.stream().filter(r -> r.get("actor").asText().equals("adam")
                    && r.get("parameters").has("mobile") && r.get("status").asInt() == 200).findFirst().orElseThrow();
            assertThat(byMobile.get("parameters").get("mobile").asText()).matches("MOBILE:[0-9a-f]{64}");
            assertThat(byMobile.get("parameters").get("found.account").asText()).isEqualTo(customer.accountId());
            java.util.List<String> nationalIds = lookups.stream().filter(r -> r.get("parameters").has("nationalId")
                    && r.get("status").asInt() != 400)
                    .map(r -> r.get("parameters").get("nationalId").asText()).distinct().toList();
            assertThat(nationalIds).as("uma's look-up and adam's refused one: the same key, so they can be matched")
                    .hasSize(1).allMatch(key -> key.matches("NATIONAL_ID:[0-9a-f]{64}"));
            assertThat(lookups.stream().filter(r -> r.get("parameters").has("policyNumber")
                    && r.get("parameters").get("policyNumber").asText().equals(second.policyNumber()))).hasSize(1);
            String logText = records.toString();
            assertThat(logText).as("nothing looked up by is kept in the clear")
                    .doesNotContain(customer.mobile(), customer.nationalId(), "13900000000");
            assertThat(records.stream().filter(r -> r.get("action").asText().equals("CUSTOMER_OVERVIEW")))
                    .as("staff's looks at the overview; the customer's own and the other customer's refused one are "
                            + "not recorded").extracting(r -> r.get("actor").asText()).containsExactly("adam", "root");
            JsonNode checked = cora.post("/api/audit/access/verifications", "").json();
            assertThat(checked.get("valid").asBoolean()).as(checked.toString()).isTrue();
        }
    }
}
