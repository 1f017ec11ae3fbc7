package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Personal data is stored sealed per customer; closing and erasing follow the retention rule;
 * after an erasure every read model, rebuilt or live, shows the personal fields as erased while
 * the stored events stay exactly as they were.
 */
class ErasureIT {

    private static final String CARD = "6222021234567890128";

    @TempDir
    Path data;

    @Test
    void an_erased_customer_reads_as_erased_everywhere_and_the_event_store_is_unchanged() throws Exception {
        // two years ago by the system's clock, the customer bought a year's cover, long ended today
        MovableClock clock = new MovableClock(java.time.Duration.ofDays(-730));
        try (RunningSystem system = started(RunningSystem.startWith(data,
                List.of("--coverledger.privacy.retention-after-cover=30d"), clock))) {
            Customer li = Customers.register(system, "Li Na");
            String account = li.accountId();
            Api customer = li.command(system);
            Reply card = customer.post("/api/accounts/" + account + "/cards", "{\"bankCardNumber\":\"" + CARD + "\"}");
            assertThat(card.status()).isEqualTo(201);
            String cardId = card.json().get("cardId").asText();
            Reply old = Policies.purchase(customer, account, null, clock.today(), cardId);
            assertThat(old.status()).as(old.toString()).isEqualTo(201);
            // and, during that year, reported a burst pipe
            Reply claimed = customer.post("/api/claims", Policies.claimBody(old.json().get("policyId").asText(),
                    clock.today(), "WATER_DAMAGE", "Burst pipe under the sink", "1200.00", cardId));
            assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
            String claimId = claimed.json().get("claimId").asText();
            clock.moveTo(java.time.Instant.now());
            // its end, passed while the clock was moved, is a timed step: it fires before anything else is counted
            awaitJson(li.query(system), "/api/policies/" + old.json().get("policyId").asText(),
                    p -> p.get("status").asText().equals("EXPIRED"));

            // stored sealed: nothing personal can be read from the event store without the customer's key
            String stored = commitsOf(system, account).toString();
            assertThat(stored).doesNotContain(li.name(), li.nationalId(), li.mobile(), li.email(), CARD)
                    .contains("pd1:" + account + ":");
            // compliance reads the audit trail opened, an admin has no need for personal data
            JsonNode forCompliance = awaitJson(query("cora"), "/api/audit?aggregateId=" + account,
                    page -> page.get("items").size() == 2);
            assertThat(forCompliance.get("items").get(0).get("payload").get("nationalId").asText())
                    .isEqualTo(li.nationalId());
            assertThat(query("root").get("/api/audit?aggregateId=" + account).json().get("items").get(0)
                    .get("payload").get("name").asText()).isEqualTo("[personal data]");

            // only an admin erases
            assertThat(customer.post("/api/accounts/" + account + "/erasure", "").status()).isEqualTo(403);
            assertThat(command("cora").post("/api/accounts/" + account + "/erasure", "").status()).isEqualTo(403);

            // an open claim keeps the account open and its records kept; withdrawn, it closes
            Reply whileClaimOpen = customer.post("/api/accounts/" + account + "/closure", "");
            assertThat(whileClaimOpen.status()).as(whileClaimOpen.toString()).isEqualTo(422);
            assertThat(whileClaimOpen.json().get("code").asText()).isEqualTo("CLAIM_OPEN");
            Reply eraseWhileClaimOpen = command("root").post("/api/accounts/" + account + "/erasure", "");
            assertThat(eraseWhileClaimOpen.status()).as(eraseWhileClaimOpen.toString()).isEqualTo(422);
            assertThat(eraseWhileClaimOpen.json().get("code").asText()).isEqualTo("CLAIM_OPEN");
            Reply withdrawn = customer.post("/api/claims/" + claimId + "/withdrawal", "{}");
            assertThat(withdrawn.status()).as(withdrawn.toString()).isEqualTo(202);
            assertThat(withdrawn.json().get("status").asText()).isEqualTo("CLOSED");
            awaitJson(query("cora"), "/api/claims/" + claimId + "/progress",
                    c -> c.get("outcome").asText().equals("WITHDRAWN"));

            // the customer closes the account and can no longer log in
            Reply closed = customer.post("/api/accounts/" + account + "/closure", "");
            assertThat(closed.status()).as(closed.toString()).isEqualTo(202);
            assertThat(li.query(system).get("/api/accounts/" + account).status()).isEqualTo(401);
            awaitJson(query("root"), "/api/accounts/" + account, a -> a.get("status").asText().equals("CLOSED"));

            List<Document> before = commitsOf(system, account);
            long eventsBefore = system.storedEvents();
            Reply erased = command("root").post("/api/accounts/" + account + "/erasure", "");
            assertThat(erased.status()).as(erased.toString()).isEqualTo(202);
            assertThat(erased.json().get("status").asText()).isEqualTo("ERASED");
            assertThat(system.storedEvents()).isEqualTo(eventsBefore + 1); // PersonalDataErased, nothing rewritten
            assertThat(commitsOf(system, account).subList(0, before.size())).isEqualTo(before);
            // repeating it is harmless
            assertThat(command("root").post("/api/accounts/" + account + "/erasure", "").status()).isEqualTo(202);
            assertThat(system.storedEvents()).isEqualTo(eventsBefore + 1);

            // live, the account view forgets at once
            JsonNode live = awaitJson(query("cora"), "/api/accounts/" + account,
                    a -> a.get("status").asText().equals("ERASED"));
            assertErased(live);

            // rebuilt from the events, every read model shows the personal fields erased
            for (String projection : List.of("accounts", "policies", "claims", "audit")) {
                Reply rebuild = query("root").post("/api/admin/projections/" + projection + "/rebuild", "");
                assertThat(rebuild.status()).as(rebuild.toString()).isEqualTo(202);
                awaitJson(query("root"), "/api/admin/projections/" + projection + "/rebuild",
                        p -> p.get("state").asText().equals("CUT_OVER"));
            }
            JsonNode rebuilt = awaitJson(query("cora"), "/api/accounts/" + account,
                    a -> a.get("status").asText().equals("ERASED"));
            assertErased(rebuilt);
            JsonNode claim = awaitJson(query("cora"), "/api/claims/" + claimId + "/progress", c -> true);
            assertThat(claim.get("description").asText()).isEqualTo("[erased]");
            assertThat(claim.get("outcome").asText()).as("what happened stays").isEqualTo("WITHDRAWN");
            // the erasure destroyed a key and touched no stored byte: the hash chain holds end to end
            Reply chain = query("cora").post("/api/audit/verifications", "{}");
            assertThat(chain.status()).as(chain.toString()).isEqualTo(200);
            assertThat(chain.json().get("valid").asBoolean()).as(chain.toString()).isTrue();
            assertThat(chain.json().get("events").asLong()).isPositive().isLessThanOrEqualTo(system.storedEvents());
            JsonNode audit = query("cora").get("/api/audit?aggregateId=" + account).json().get("items");
            JsonNode registered = audit.get(0).get("payload");
            assertThat(List.of(registered.get("name").asText(), registered.get("nationalId").asText(),
                    registered.get("mobile").asText(), registered.get("email").asText(),
                    audit.get(1).get("payload").get("cardNumber").asText()))
                    .containsOnly("[erased]");
            assertThat(audit.get(0).get("actor").asText()).as("who did what stays").isEqualTo(account);

            // the person may register again with the same national ID, mobile and email
            Reply again = Api.at(system.commandUrl(), null).post("/api/accounts", Customers.registration(li.name(),
                    li.nationalId(), li.mobile(), li.email(), li.password()));
            assertThat(again.status()).as(again.toString()).isEqualTo(201);
        }
    }

    @Test
    void a_policy_in_force_keeps_the_account_open_and_its_records_kept() throws Exception {
        try (RunningSystem system = started(RunningSystem.startWith(data,
                List.of("--coverledger.privacy.retention-after-cover=30d")))) {
            Customer zhao = Customers.register(system, "Zhao Lei");
            String account = zhao.accountId();
            LocalDate today = Policies.today();
            Policies.buy(system, zhao); // a year's cover from today
            long events = system.storedEvents();

            Reply close = zhao.command(system).post("/api/accounts/" + account + "/closure", "");
            assertThat(close.status()).as(close.toString()).isEqualTo(422);
            assertThat(close.json().get("code").asText()).isEqualTo("POLICY_IN_FORCE");

            Reply erase = command("root").post("/api/accounts/" + account + "/erasure", "");
            assertThat(erase.status()).as(erase.toString()).isEqualTo(422);
            assertThat(erase.json().get("code").asText()).isEqualTo("RETENTION_APPLIES");
            assertThat(erase.json().get("detail").asText()).contains(today.plusYears(1).minusDays(1).plusDays(30).toString());

            assertThat(system.storedEvents()).isEqualTo(events);
            assertThat(zhao.query(system).get("/api/accounts/" + account).status()).as("still logs in").isEqualTo(200);
            assertThat(command("root").post("/api/accounts/00000000-0000-0000-0000-000000000000/erasure", "")
                    .status()).isEqualTo(404);
        }
    }

    private static void assertErased(JsonNode account) {
        assertThat(List.of(account.get("name").asText(), account.get("nationalId").asText(),
                account.get("mobile").asText(), account.get("email").asText(),
                account.get("cards").get(0).get("number").asText())).containsOnly("[erased]");
    }

    /** The account's commits as MongoDB holds them, read with the real driver. */
    private static List<Document> commitsOf(RunningSystem system, String aggregateId) {
        try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            return client.getDatabase("coverledger").getCollection("event_commits")
                    .find(new Document("events.agg", aggregateId)).sort(new Document("_id", 1))
                    .into(new ArrayList<>());
        }
    }

    private RunningSystem started(RunningSystem running) {
        this.system = running;
        return running;
    }

    private Api command(String user) {
        return Api.at(system.commandUrl(), user);
    }

    private Api query(String user) {
        return Api.at(system.queryUrl(), user);
    }

    private RunningSystem system;
}
