package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A policy's timed steps over HTTP, driven by a moved clock: PENDING_START until 00:00 of the
 * start date, IN_FORCE, EXPIRED after the last day; an offer not bought expires. Each step
 * fires once: when a runner dies between the step's command and recording it, when the system
 * restarts with steps overdue, and with two command-side instances taking steps together.
 */
class PolicyLifecycleIT {

    private static final List<String> FAST_STEPS = List.of("--coverledger.timed-steps.poll-interval=200ms",
            "--coverledger.timed-steps.lease=2s");

    @TempDir
    Path data;

    @Test
    void a_policy_starts_at_midnight_of_its_start_date_and_expires_after_its_last_day_each_step_once() throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Zhou Xun");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            Api root = Api.at(system.commandUrl(), "root");
            LocalDate start = clock.today().plusDays(3);
            Reply bought = Policies.purchase(buyer, customer.accountId(), null, start,
                    Policies.card(buyer, customer.accountId()));
            assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
            String policyId = bought.json().get("policyId").asText();
            Reply unbought = buyer.post("/api/quotes", Policies.quoteRequest(customer.accountId(), start.plusDays(2)));
            String quoteId = unbought.json().get("quoteId").asText();

            JsonNode pending = reader.get("/api/policies/" + policyId, "X-Min-Position", bought.header("X-Event-Position"))
                    .json();
            assertThat(pending.get("status").asText()).isEqualTo("PENDING_START");
            assertThat(pending.get("paymentPlan").asText()).isEqualTo("ANNUAL");
            assertThat(pending.get("termsVersion").asText()).isEqualTo("2026-11");
            LocalDate end = LocalDate.parse(pending.get("endDate").asText());
            assertThat(end).isEqualTo(start.plusMonths(12).minusDays(1));

            // an administrator sees what is due, when (00:00 in Shanghai)
            JsonNode due = awaitJson(root, "/api/admin/timed-steps?target=" + policyId, page -> page.get("total").asInt() == 4);
            assertThat(due.get("items").findValuesAsText("kind"))
                    .containsExactly("policy-start", "renewal-notice", "auto-renewal", "policy-end");
            assertThat(due.get("items").findValuesAsText("state")).containsOnly("DUE");
            assertThat(due.get("items").get(0).get("dueAt").asText()).isEqualTo(midnight(start).toString());
            assertThat(due.get("items").get(3).get("dueAt").asText()).isEqualTo(midnight(end.plusDays(1)).toString());
            assertThat(Api.at(system.commandUrl(), "uma").get("/api/admin/timed-steps").status()).isEqualTo(403);

            // a minute before midnight nothing happens; a minute after, cover is in force
            clock.moveTo(midnight(start).minusSeconds(60));
            Thread.sleep(1000);
            assertThat(reader.get("/api/policies/" + policyId).json().get("status").asText()).isEqualTo("PENDING_START");
            clock.moveTo(midnight(start).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("IN_FORCE"));
            assertThat(reader.get("/api/quotes/" + quoteId).json().get("status").asText()).isEqualTo("OFFERED");

            // the runner that fired the start dies before recording it: another fires it again, and nothing happens twice
            try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
                MongoCollection<Document> steps = client.getDatabase("coverledger").getCollection("timed_steps");
                awaitJson(root, "/api/admin/timed-steps?target=" + policyId + "&state=DONE", p -> p.get("total").asInt() == 1);
                steps.updateOne(Filters.and(Filters.eq("target", policyId), Filters.eq("kind", "policy-start")),
                        Updates.combine(Updates.set("state", "RUNNING"), Updates.set("claimedBy", "a-runner-that-died"),
                                Updates.set("leaseUntil", Date.from(Instant.now().minusSeconds(1)))));
            }
            JsonNode refired = awaitJson(root, "/api/admin/timed-steps?target=" + policyId + "&state=DONE",
                    p -> p.get("total").asInt() == 1 && p.get("items").get(0).get("attempts").asInt() == 2);
            assertThat(refired.get("items").get(0).get("claimedBy").asText()).isNotEqualTo("a-runner-that-died");
            assertThat(eventsOf(system, policyId)).containsExactly("PolicyIssued", "PolicyStarted");

            // after the last day, the policy expires; the offer not bought expired when its cover would have begun
            clock.moveTo(midnight(end.plusDays(1)).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("EXPIRED"));
            awaitJson(reader, "/api/quotes/" + quoteId, q -> q.get("status").asText().equals("EXPIRED"));
            // (the renewal notice fell due while the clock jumped past the end: too late to tell, so not told)
            assertThat(eventsOf(system, policyId)).containsExactly("PolicyIssued", "PolicyStarted", "PolicyExpired");
            assertThat(eventsOf(system, quoteId)).containsExactly("QuoteIssued", "QuoteExpired");

            // the audit trail says who: the system, by the timed step
            JsonNode audit = awaitJson(Api.at(system.queryUrl(), "cora"), "/api/audit?aggregateId=" + policyId,
                    a -> a.get("total").asInt() == 3);
            assertThat(audit.get("items").get(1).get("eventType").asText()).isEqualTo("PolicyStarted");
            assertThat(audit.get("items").findValuesAsText("actor")).containsExactly(customer.accountId(), "system",
                    "system");

            Reply list = Api.at(system.commandUrl(), "root").get("/api/admin/timed-steps?state=FAILED");
            assertThat(list.json().get("total").asInt()).isZero();
            Reply bad = root.get("/api/admin/timed-steps?state=LATE&dueBefore=tomorrow&size=0");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("errors").findValuesAsText("field")).containsExactlyInAnyOrder("state", "dueBefore", "size");
        }
    }

    @Test
    void steps_that_fell_due_while_the_system_was_down_fire_once_when_it_is_back_also_one_left_running() throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Qian Lin");
            Api buyer = customer.command(system);
            String card = Policies.card(buyer, customer.accountId());
            LocalDate start = clock.today().plusDays(2);
            List<String> policies = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Reply bought = Policies.purchase(buyer, customer.accountId(), null, start, card);
                assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
                policies.add(bought.json().get("policyId").asText());
            }
            Api root = Api.at(system.commandUrl(), "root");
            for (String policyId : policies) {
                awaitJson(root, "/api/admin/timed-steps?target=" + policyId, p -> p.get("total").asInt() == 4);
            }
            // one step was being fired by an instance when everything stopped
            try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
                client.getDatabase("coverledger").getCollection("timed_steps").updateOne(
                        Filters.and(Filters.eq("target", policies.get(0)), Filters.eq("kind", "policy-start")),
                        Updates.combine(Updates.set("state", "RUNNING"), Updates.set("claimedBy", "stopped-instance"),
                                Updates.set("leaseUntil", Date.from(Instant.now().plusSeconds(1))), Updates.inc("attempts", 1)));
            }
            system.stopAll();
            clock.moveTo(midnight(start).plus(Duration.ofHours(5))); // the start passed while nothing ran
            system.startAll();

            Api reader = customer.query(system);
            for (String policyId : policies) {
                awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("IN_FORCE"));
                assertThat(eventsOf(system, policyId)).containsExactly("PolicyIssued", "PolicyStarted");
            }
            JsonNode taken = awaitJson(Api.at(system.commandUrl(), "root"), "/api/admin/timed-steps?target="
                    + policies.get(0) + "&state=DONE", p -> p.get("total").asInt() == 1);
            assertThat(taken.get("items").get(0).get("attempts").asInt()).isEqualTo(2);
        }
    }

    @Test
    void two_command_side_instances_fire_every_step_once() throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            ConfigurableApplicationContext second = system.startAnotherCommandSide();
            try {
                Customer customer = Customers.register(system, "Sun Li");
                Api buyer = customer.command(system);
                String card = Policies.card(buyer, customer.accountId());
                LocalDate start = clock.today().plusDays(1);
                List<String> policies = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    Api via = Api.as(i % 2 == 0 ? system.commandUrl() : RunningSystem.urlOf(second), customer.mobile(),
                            customer.password());
                    Reply bought = Policies.purchase(via, customer.accountId(), null, start, card);
                    assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
                    policies.add(bought.json().get("policyId").asText());
                }
                Api root = Api.at(system.commandUrl(), "root");
                awaitJson(root, "/api/admin/timed-steps?target=" + policies.get(7), p -> p.get("total").asInt() == 4);
                clock.moveTo(midnight(start).plusSeconds(1));
                Api reader = customer.query(system);
                for (String policyId : policies) {
                    awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("IN_FORCE"));
                }
                // a little longer, for a late second firing to show
                Thread.sleep(1500);
                for (String policyId : policies) {
                    assertThat(eventsOf(system, policyId)).as(policyId).containsExactly("PolicyIssued", "PolicyStarted");
                }
                JsonNode done = root.get("/api/admin/timed-steps?state=DONE&size=200").json();
                assertThat(done.get("items").findValuesAsText("kind").stream().filter("policy-start"::equals).count())
                        .isEqualTo(8);
            } finally {
                second.close();
            }
        }
    }

    @Test
    void a_cancellation_refunds_in_full_within_cooling_off_and_pro_rata_less_the_fee_after_and_waits_for_open_claims()
            throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Zheng Yi");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            String card = Policies.card(buyer, customer.accountId());
            LocalDate today = clock.today();
            String early = Policies.purchase(buyer, customer.accountId(), null, today.plusDays(3), card).json()
                    .get("policyId").asText();
            String late = Policies.purchase(buyer, customer.accountId(), null, today, card).json().get("policyId").asText();
            String claimed = Policies.purchase(buyer, customer.accountId(), null, today, card).json().get("policyId").asText();
            Reply claim = buyer.post("/api/claims", Policies.claimBody(claimed, today, "WATER_DAMAGE", "Burst pipe",
                    "800.00", card));
            assertThat(claim.status()).as(claim.toString()).isEqualTo(201);

            // the next day, within the cooling-off period: void, everything back
            clock.advance(Duration.ofDays(1));
            Reply voided = buyer.post("/api/policies/" + early + "/cancellation", "{\"reason\":\"FOUND_OTHER_COVER\"}");
            assertThat(voided.status()).as(voided.toString()).isEqualTo(200);
            assertThat(voided.json().get("withinCoolingOff").asBoolean()).isTrue();
            assertThat(voided.json().hasNonNull("lastDayOfCover")).as("void: no day covered").isFalse();
            assertThat(voided.json().get("refund").asText()).isEqualTo("500.00");
            assertThat(voided.json().get("fee").asText()).isEqualTo("0.00");
            JsonNode view = awaitJson(reader, "/api/policies/" + early, p -> p.get("status").asText().equals("CANCELLED"));
            assertThat(view.get("cancellation").get("reason").asText()).isEqualTo("FOUND_OTHER_COVER");
            awaitJson(Api.at(system.commandUrl(), "root"), "/api/admin/timed-steps?target=" + early + "&state=CANCELLED",
                    p -> p.get("total").asInt() == 4);
            // sent again (a lost answer): refused, and nothing paid twice
            Reply again = buyer.post("/api/policies/" + early + "/cancellation", "");
            assertThat(again.status()).isEqualTo(422);
            assertThat(again.json().get("code").asText()).isEqualTo("POLICY_NOT_ACTIVE");
            try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
                Document refund = client.getDatabase("coverledger").getCollection("simulated_payments")
                        .find(Filters.eq("_id", "policy:" + early + ":refund")).first();
                assertThat(refund).isNotNull();
                assertThat(refund.getString("amount")).isEqualTo("500.00");
                assertThat(client.getDatabase("coverledger").getCollection("simulated_payments")
                        .countDocuments(Filters.eq("kind", "REFUND"))).isEqualTo(1);
            }
            // a claim for a day the void policy would have covered is refused
            Reply onVoid = buyer.post("/api/claims", Policies.claimBody(early, clock.today(), "FIRE", "Fire", "100.00",
                    card));
            assertThat(onVoid.status()).isEqualTo(422);
            assertThat(onVoid.json().get("code").asText()).isEqualTo("INCIDENT_OUTSIDE_COVER");

            // twenty days after the purchase: the year's premium earned for 21 days stays, the rest less 10 % comes back
            clock.advance(Duration.ofDays(19));
            Reply refused = buyer.post("/api/policies/" + claimed + "/cancellation", "");
            assertThat(refused.status()).isEqualTo(422);
            assertThat(refused.json().get("code").asText()).isEqualTo("CLAIM_OPEN");
            Reply cancelled = buyer.post("/api/policies/" + late + "/cancellation", "{\"reason\":\"CANNOT_AFFORD\"}");
            assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(200);
            java.math.BigDecimal paid = new java.math.BigDecimal("500.00");
            long year = java.time.temporal.ChronoUnit.DAYS.between(today, today.plusMonths(12));
            java.math.BigDecimal earned = paid.multiply(java.math.BigDecimal.valueOf(21))
                    .divide(java.math.BigDecimal.valueOf(year), 2, java.math.RoundingMode.HALF_UP);
            java.math.BigDecimal fee = paid.subtract(earned).multiply(java.math.BigDecimal.TEN)
                    .divide(java.math.BigDecimal.valueOf(100), 2, java.math.RoundingMode.HALF_UP);
            assertThat(cancelled.json().get("withinCoolingOff").asBoolean()).isFalse();
            assertThat(cancelled.json().get("lastDayOfCover").asText()).isEqualTo(clock.today().toString());
            assertThat(cancelled.json().get("premiumEarned").asText()).isEqualTo(earned.toPlainString());
            assertThat(cancelled.json().get("fee").asText()).isEqualTo(fee.toPlainString());
            assertThat(cancelled.json().get("refund").asText()).isEqualTo(paid.subtract(earned).subtract(fee).toPlainString());
            // covered to the end of today, not tomorrow
            Reply tomorrow = buyer.post("/api/claims", Policies.claimBody(late, clock.today().plusDays(1), "FIRE", "Fire",
                    "100.00", card));
            assertThat(tomorrow.status()).isEqualTo(422);
            assertThat(eventsOf(system, late)).containsExactly("PolicyIssued", "PolicyStarted", "PolicyCancelled");

            // nobody else cancels it, and nonsense is named
            assertThat(Api.at(system.commandUrl(), "bob").post("/api/policies/" + claimed + "/cancellation", "")
                    .status()).isEqualTo(404);
            Reply bad = buyer.post("/api/policies/" + claimed + "/cancellation", "{\"reason\":\"BORED\"}");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.json().get("errors").findValuesAsText("field")).containsExactly("reason");
        }
    }

    @Test
    void monthly_instalments_are_debited_a_missed_one_lapses_the_policy_after_grace_and_paying_reinstates_it()
            throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Lu Qi");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            String account = customer.accountId();
            String card = Policies.card(buyer, account);
            assertThat(buyer.post("/api/accounts/" + account + "/auto-debit",
                    "{\"cardId\":\"" + card + "\",\"dayOfMonth\":1,\"amountCap\":\"100.00\"}").status()).isEqualTo(201);
            LocalDate start = clock.today();
            Reply quoted = buyer.post("/api/quotes", Policies.quoteRequest(account, start));
            Reply bought = buyer.post("/api/quotes/" + quoted.json().get("quoteId").asText() + "/purchase",
                    "{\"acceptedTermsVersion\":\"2026-11\",\"paymentCardId\":\"" + card + "\",\"paymentPlan\":\"MONTHLY\"}");
            assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
            String policyId = bought.json().get("policyId").asText();
            String instalment = bought.json().get("firstPremium").asText(); // 500.00 / 12
            assertThat(instalment).isEqualTo("41.67");

            // a month on, the second instalment is debited under the authorization
            clock.moveTo(midnight(start.plusMonths(1)).plusSeconds(60));
            JsonNode debited = awaitJson(reader, "/api/policies/" + policyId, p -> p.get("payments").size() == 2);
            assertThat(debited.get("payments").get(1).get("kind").asText()).isEqualTo("INSTALMENT");
            assertThat(debited.get("payments").get(1).get("amount").asText()).isEqualTo(instalment);
            assertThat(debited.get("nextInstalmentDue").asText()).isEqualTo(start.plusMonths(2).toString());

            // the customer withdraws the authorization: the third is missed, cover goes on through 30 days of grace
            assertThat(buyer.delete("/api/accounts/" + account + "/auto-debit").status()).isEqualTo(204);
            clock.moveTo(midnight(start.plusMonths(2)).plusSeconds(60));
            JsonNode missed = awaitJson(reader, "/api/policies/" + policyId, p -> p.hasNonNull("arrears"));
            assertThat(missed.get("arrears").get("reason").asText()).isEqualTo("NO_AUTHORIZATION");
            LocalDate graceUntil = start.plusMonths(2).plusDays(30);
            assertThat(missed.get("arrears").get("graceUntil").asText()).isEqualTo(graceUntil.toString());
            assertThat(missed.get("status").asText()).isEqualTo("IN_FORCE");

            // unpaid after the grace period: lapsed, and a loss in the gap is not covered
            clock.moveTo(midnight(graceUntil.plusDays(1)).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("LAPSED"));
            clock.moveTo(midnight(graceUntil.plusDays(5)).plusSeconds(60));
            Reply inGap = buyer.post("/api/claims", Policies.claimBody(policyId, graceUntil.plusDays(2), "WATER_DAMAGE",
                    "Burst pipe", "300.00", card));
            assertThat(inGap.status()).isEqualTo(422);
            assertThat(inGap.json().get("code").asText()).isEqualTo("INCIDENT_OUTSIDE_COVER");

            // paying what is due (the third instalment, and the fourth now due too) reinstates it from today
            Reply nothing = buyer.post("/api/policies/" + policyId + "/reinstatement", "{}");
            assertThat(nothing.status()).isEqualTo(400);
            Reply reinstated = buyer.post("/api/policies/" + policyId + "/reinstatement",
                    "{\"paymentCardId\":\"" + card + "\"}");
            assertThat(reinstated.status()).as(reinstated.toString()).isEqualTo(200);
            assertThat(reinstated.json().get("wasLapsed").asBoolean()).isTrue();
            assertThat(reinstated.json().get("fromInstalment").asInt()).isEqualTo(3);
            assertThat(reinstated.json().get("toInstalment").asInt()).isEqualTo(4);
            assertThat(reinstated.json().get("amount").asText())
                    .isEqualTo(new java.math.BigDecimal(instalment).multiply(java.math.BigDecimal.valueOf(2)).toPlainString());
            JsonNode back = awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("IN_FORCE"));
            assertThat(back.hasNonNull("arrears")).isFalse();
            assertThat(back.get("nextInstalmentDue").asText()).isEqualTo(start.plusMonths(4).toString());
            Reply covered = buyer.post("/api/claims", Policies.claimBody(policyId, clock.today(), "WATER_DAMAGE",
                    "Burst pipe", "300.00", card));
            assertThat(covered.status()).as(covered.toString()).isEqualTo(201);
            // the claim is noted on the policy in the claim's own commit
            assertThat(eventsOf(system, policyId)).containsExactly("PolicyIssued", "PolicyStarted", "InstalmentPaid",
                    "InstalmentMissed", "PolicyLapsed", "PolicyReinstated", "ClaimNoted");
            awaitJson(Api.at(system.commandUrl(), "root"), "/api/admin/timed-steps?target=" + policyId + "&state=DUE",
                    p -> p.get("items").findValuesAsText("kind").contains("instalment-due"));
        }
    }

    @Test
    void a_term_whose_claims_paid_more_than_half_its_sum_insured_renews_only_once_an_underwriter_accepts()
            throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Zhou Min");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            String card = Policies.card(buyer, customer.accountId());
            LocalDate start = clock.today();
            String policyId = Policies.purchase(buyer, customer.accountId(), null, start, card).json().get("policyId")
                    .asText();
            LocalDate end = start.plusMonths(12).minusDays(1);

            // a fire: 300,000 approved by alan (within his authority) and paid, 299,000 after the deductible
            Reply claimed = buyer.post("/api/claims", Policies.claimBody(policyId, start, "FIRE", "Kitchen fire",
                    "300000.00", card));
            assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
            String claimId = claimed.json().get("claimId").asText();
            Reply assessed = Api.at(system.commandUrl(), "alan").post("/api/claims/" + claimId + "/assessment",
                    "{\"lines\":[{\"item\":\"kitchen\",\"claimed\":\"300000.00\",\"approved\":\"300000.00\"}]}");
            assertThat(assessed.status()).as(assessed.toString()).isEqualTo(202);
            assertThat(assessed.json().get("status").asText()).isEqualTo("APPROVED");
            JsonNode paid = awaitJson(reader, "/api/claims/" + claimId + "/progress",
                    p -> p.get("status").asText().equals("CLOSED"));
            assertThat(paid.get("amounts").get("paid").asText()).isEqualTo("299000.00");

            // renewal opens: with the notice, the renewal goes to the underwriters' queue
            clock.moveTo(midnight(end.minusDays(30)).plusSeconds(60));
            JsonNode queue = awaitJson(Api.at(system.queryUrl(), "uma"), "/api/underwriting/queue",
                    q -> q.findValuesAsText("kind").contains("RENEWAL"));
            JsonNode item = null;
            for (JsonNode entry : queue) {
                if (entry.get("kind").asText().equals("RENEWAL") && entry.get("change").get("policyId").asText()
                        .equals(policyId)) {
                    item = entry;
                }
            }
            assertThat(item).as(queue.toString()).isNotNull();
            assertThat(new java.math.BigDecimal(item.get("change").get("claimsPaid").asText())).isEqualByComparingTo("299000");
            assertThat(new java.math.BigDecimal(item.get("change").get("sumInsured").asText())).isEqualByComparingTo("500000");
            String referralId = item.get("id").asText();
            JsonNode seen = reader.get("/api/policies/" + policyId).json();
            assertThat(seen.get("pendingRenewal").get("decision").asText()).isEqualTo("PENDING");

            // the customer waits; nothing is paid meanwhile
            Reply waiting = buyer.post("/api/policies/" + policyId + "/renewal", "{\"paymentCardId\":\"" + card + "\"}");
            assertThat(waiting.status()).as(waiting.toString()).isEqualTo(422);
            assertThat(waiting.json().get("code").asText()).isEqualTo("RENEWAL_REFERRED");
            assertThat(buyer.post("/api/policies/" + policyId + "/renewal/" + referralId + "/approval", "{}").status())
                    .isEqualTo(403);
            Reply tooMuch = Api.at(system.commandUrl(), "uma").post("/api/policies/" + policyId + "/renewal/"
                    + referralId + "/approval", "{\"loadingPercent\":201}");
            assertThat(tooMuch.status()).as(tooMuch.toString()).isEqualTo(400);

            // uma accepts with a loading of 25 %: the renewal goes through at 500.00 plus the loading
            Reply accepted = Api.at(system.commandUrl(), "uma").post("/api/policies/" + policyId + "/renewal/"
                    + referralId + "/approval", "{\"loadingPercent\":25}");
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            Reply again = Api.at(system.commandUrl(), "uma").post("/api/policies/" + policyId + "/renewal/"
                    + referralId + "/rejection", "{\"reason\":\"second thoughts\"}");
            assertThat(again.status()).as(again.toString()).isEqualTo(404);
            Reply renewed = buyer.post("/api/policies/" + policyId + "/renewal", "{\"paymentCardId\":\"" + card + "\"}");
            assertThat(renewed.status()).as(renewed.toString()).isEqualTo(200);
            assertThat(renewed.json().get("status").asText()).isEqualTo("RENEWED");
            assertThat(renewed.json().get("annualPremium").asText()).isEqualTo("625.00");
            JsonNode after = awaitJson(reader, "/api/policies/" + policyId, p -> p.get("terms").size() == 2);
            assertThat(after.get("terms").get(1).get("annualPremium").asText()).isEqualTo("625.00");
            assertThat(after.hasNonNull("pendingRenewal")).isFalse();
            assertThat(Api.at(system.queryUrl(), "uma").get("/api/underwriting/queue").json().findValuesAsText("id"))
                    .doesNotContain(referralId);
            assertThat(eventsOf(system, policyId)).containsSubsequence("ClaimSettled", "RenewalNoticeSent",
                    "RenewalReferred", "RenewalReferralDecided", "PolicyRenewed");
        }
    }

    @Test
    void renewal_opens_with_a_notice_renews_by_hand_or_automatically_and_each_terms_days_are_kept() throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Ma Li");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            String account = customer.accountId();
            String card = Policies.card(buyer, account);
            LocalDate start = clock.today();
            String byHand = Policies.purchase(buyer, account, null, start, card).json().get("policyId").asText();
            String automatic = Policies.purchase(buyer, account, null, start, card).json().get("policyId").asText();
            String lapsing = Policies.purchase(buyer, account, null, start, card).json().get("policyId").asText();
            LocalDate end = start.plusMonths(12).minusDays(1);

            // automatic renewal needs an authorization that covers the premium
            Reply noAuthorization = buyer.post("/api/policies/" + automatic + "/auto-renewal", "{\"enabled\":true}");
            assertThat(noAuthorization.status()).isEqualTo(422);
            assertThat(noAuthorization.json().get("code").asText()).isEqualTo("AUTO_DEBIT_REQUIRED");
            authorizeAutoDebit(buyer, account, card);
            assertThat(buyer.post("/api/policies/" + automatic + "/auto-renewal", "{\"enabled\":true}").status())
                    .isEqualTo(200);

            String code = awaitJson(reader, "/api/policies/" + byHand, p -> p.get("documents").size() == 1)
                    .get("documents").get(0).get("verificationCode").asText();

            // too early to renew
            Reply early = buyer.post("/api/policies/" + byHand + "/renewal", "{\"paymentCardId\":\"" + card + "\"}");
            assertThat(early.status()).isEqualTo(422);
            assertThat(early.json().get("code").asText()).isEqualTo("RENEWAL_NOT_OPEN");

            // staff see what ends soon; customers do not
            JsonNode due = Api.at(system.queryUrl(), "uma").get("/api/policies/renewals-due?within=366d&size=200").json();
            assertThat(due.get("items").findValuesAsText("policyId")).contains(byHand, automatic, lapsing);
            assertThat(reader.get("/api/policies/renewals-due").status()).isEqualTo(403);
            assertThat(Api.at(system.queryUrl(), "uma").get("/api/policies/renewals-due?within=0d").status()).isEqualTo(400);

            // 30 days before the end: the notice goes to the customer's mobile, renewal opens
            clock.moveTo(midnight(end.minusDays(30)).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + byHand, p -> p.hasNonNull("renewalNoticeSentAt"));
            JsonNode outbox = awaitJson(Api.at(system.commandUrl(), "root"), "/api/admin/outbox?accountId=" + account,
                    n -> n.findValuesAsText("purpose").stream().filter("RENEWAL_NOTICE"::equals).count() == 3);
            assertThat(outbox.toString()).contains(end.toString());
            Reply renewed = buyer.post("/api/policies/" + byHand + "/renewal", "{\"paymentCardId\":\"" + card + "\"}");
            assertThat(renewed.status()).as(renewed.toString()).isEqualTo(200);
            assertThat(renewed.json().get("term").asInt()).isEqualTo(2);
            assertThat(renewed.json().get("startDate").asText()).isEqualTo(end.plusDays(1).toString());
            assertThat(renewed.json().get("annualPremium").asText()).isEqualTo("500.00"); // home cover: by value, not age
            Reply twice = buyer.post("/api/policies/" + byHand + "/renewal", "{\"paymentCardId\":\"" + card + "\"}");
            assertThat(twice.json().get("code").asText()).isEqualTo("RENEWAL_NOT_OPEN"); // the new term ends in a year

            // the last day: automatic renewal; after it, the one not renewed expires and the renewed go on
            clock.moveTo(midnight(end).plusSeconds(60));
            JsonNode auto = awaitJson(reader, "/api/policies/" + automatic, p -> p.get("terms").size() == 2);
            assertThat(auto.get("terms").get(1).get("automatic").asBoolean()).isTrue();
            clock.moveTo(midnight(end.plusDays(1)).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + lapsing, p -> p.get("status").asText().equals("EXPIRED"));
            Thread.sleep(1000);
            assertThat(reader.get("/api/policies/" + byHand).json().get("status").asText()).isEqualTo("IN_FORCE");
            assertThat(reader.get("/api/policies/" + automatic).json().get("status").asText()).isEqualTo("IN_FORCE");
            assertThat(eventsOf(system, byHand)).doesNotContain("PolicyExpired");

            // the terms of any day
            JsonNode before = reader.get("/api/policies/" + byHand + "?asOf=" + start.minusDays(1)).json();
            assertThat(before.get("asOf").get("cover").asText()).isEqualTo("NOT_YET_STARTED");
            JsonNode first = reader.get("/api/policies/" + byHand + "?asOf=" + start).json();
            assertThat(first.get("asOf").get("cover").asText()).isEqualTo("COVERED");
            assertThat(first.get("asOf").get("term").asInt()).isEqualTo(1);
            assertThat(first.get("policyNumber").asText()).startsWith("PN"); // the policy itself, unwrapped
            // the e-policy's code confirms the terms as issued, renewals notwithstanding
            assertThat(first.get("documents").get(0).get("verificationCode").asText()).isEqualTo(code);
            assertThat(first.get("documents").get(0).get("href").asText()).endsWith("/api/policies/" + byHand + "/document");
            assertThat(Api.at(system.queryUrl(), "ana").get("/api/policies/" + byHand).json().get("documents"))
                    .as("an analyst gets no document").isEmpty();
            JsonNode second = reader.get("/api/policies/" + byHand + "?asOf=" + end.plusDays(1)).json();
            assertThat(second.get("asOf").get("term").asInt()).isEqualTo(2);
            JsonNode ended = reader.get("/api/policies/" + lapsing + "?asOf=" + end.plusDays(1)).json();
            assertThat(ended.get("asOf").get("cover").asText()).isEqualTo("ENDED");
            assertThat(reader.get("/api/policies/" + byHand + "?asOf=someday").status()).isEqualTo(400);
        }
    }

    @Test
    void a_major_change_goes_through_the_underwriter_queue_and_takes_effect_at_midnight_with_the_difference_charged()
            throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Gao Yuan");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            String account = customer.accountId();
            String card = Policies.card(buyer, account);
            authorizeAutoDebit(buyer, account, card);
            LocalDate start = clock.today();
            String policyId = Policies.purchase(buyer, account, null, start, card).json().get("policyId").asText();

            // the beneficiary applies at once; the sum insured waits for an underwriter
            Reply asked = buyer.post("/api/policies/" + policyId + "/changes",
                    "{\"beneficiary\":\"Gao Xiaoyu\",\"sumInsured\":\"600000.00\"}");
            assertThat(asked.status()).as(asked.toString()).isEqualTo(202);
            assertThat(asked.json().get("status").asText()).isEqualTo("REFERRED");
            String changeId = asked.json().get("changeId").asText();
            JsonNode waiting = awaitJson(Api.at(system.queryUrl(), "uma"), "/api/underwriting/queue",
                    q -> q.findValuesAsText("id").contains(changeId));
            JsonNode item = null;
            for (JsonNode candidate : waiting) {
                if (candidate.get("id").asText().equals(changeId)) {
                    item = candidate;
                }
            }
            assertThat(item.get("kind").asText()).isEqualTo("CHANGE");
            assertThat(item.get("change").get("policyId").asText()).isEqualTo(policyId);
            Reply second = buyer.post("/api/policies/" + policyId + "/changes", "{\"sumInsured\":\"700000.00\"}");
            assertThat(second.json().get("code").asText()).isEqualTo("CHANGE_PENDING");
            assertThat(buyer.post("/api/policies/" + policyId + "/changes/" + changeId + "/approval", "").status())
                    .as("a customer does not underwrite").isEqualTo(403);

            // approved: from 00:00 tomorrow, the premium re-priced (home cover 1.00 per mille: 600.00) and the
            // difference for the rest of the year charged under the authorization
            Reply approved = Api.at(system.commandUrl(), "uma").post("/api/policies/" + policyId + "/changes/"
                    + changeId + "/approval", "");
            assertThat(approved.status()).as(approved.toString()).isEqualTo(200);
            assertThat(approved.json().get("annualPremium").asText()).isEqualTo("600.00");
            LocalDate end = start.plusMonths(12).minusDays(1);
            long termDays = java.time.temporal.ChronoUnit.DAYS.between(start, end) + 1;
            long remaining = java.time.temporal.ChronoUnit.DAYS.between(start.plusDays(1), end) + 1;
            assertThat(approved.json().get("premiumDifference").asText()).isEqualTo(new java.math.BigDecimal("100.00")
                    .multiply(java.math.BigDecimal.valueOf(remaining))
                    .divide(java.math.BigDecimal.valueOf(termDays), 2, java.math.RoundingMode.HALF_UP).toPlainString());
            assertThat(approved.json().get("effectiveFrom").asText()).isEqualTo(midnight(start.plusDays(1)).toString());
            JsonNode today = awaitJson(reader, "/api/policies/" + policyId + "?asOf=" + start,
                    p -> !p.hasNonNull("pendingChange"));
            assertThat(today.get("asOf").get("sumInsured").asText()).isEqualTo("500000.00");
            assertThat(today.get("asOf").get("beneficiary").asText()).isEqualTo("Gao Xiaoyu");
            JsonNode tomorrow = reader.get("/api/policies/" + policyId + "?asOf=" + start.plusDays(1)).json();
            assertThat(tomorrow.get("asOf").get("sumInsured").asText()).isEqualTo("600000.00");
            assertThat(tomorrow.get("sumInsured").asText()).isEqualTo("600000.00");

            // another change, rejected with a reason the customer reads
            String next = buyer.post("/api/policies/" + policyId + "/changes", "{\"sumInsured\":\"900000.00\"}").json()
                    .get("changeId").asText();
            assertThat(Api.at(system.commandUrl(), "uma").post("/api/policies/" + policyId + "/changes/" + next
                    + "/rejection", "{\"reason\":\"The declared value does not support it.\"}").status()).isEqualTo(202);
            JsonNode rejected = awaitJson(reader, "/api/policies/" + policyId, p -> p.get("rejectedChanges").size() == 1);
            assertThat(rejected.get("rejectedChanges").get(0).get("reason").asText())
                    .isEqualTo("The declared value does not support it.");
            assertThat(eventsOf(system, policyId)).containsExactly("PolicyIssued", "PolicyStarted", "PolicyChanged",
                    "PolicyChangeRequested", "PolicyChangeApproved", "PolicyChangeRequested", "PolicyChangeRejected");
        }
    }

    @Test
    void a_lapsed_health_policy_whose_new_declaration_needs_an_underwriter_waits_in_the_queue_then_is_reinstated()
            throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, FAST_STEPS, clock)) {
            Customer customer = Customers.register(system, "Du Fu");
            Api buyer = customer.command(system);
            Api reader = customer.query(system);
            String account = customer.accountId();
            String card = Policies.card(buyer, account);
            authorizeAutoDebit(buyer, account, card);
            LocalDate start = clock.today();
            Reply quoted = buyer.post("/api/quotes", """
                    {"accountId":"%s","product":"HEALTH","sumInsured":"300000","startDate":"%s","termMonths":12,
                     "insured":{"name":"%s","nationalId":"%s","relationship":"SELF"},
                     "declarations":{"smoker":"false","hospitalizedLast2Years":"false","chronicCondition":"false"}}"""
                    .formatted(account, start, customer.name(), customer.nationalId()));
            assertThat(quoted.status()).as(quoted.toString()).isEqualTo(201);
            Reply bought = buyer.post("/api/quotes/" + quoted.json().get("quoteId").asText() + "/purchase",
                    "{\"acceptedTermsVersion\":\"2026-11\",\"paymentCardId\":\"" + card + "\",\"paymentPlan\":\"MONTHLY\"}");
            assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
            String policyId = bought.json().get("policyId").asText();

            // the authorization withdrawn, the second instalment is missed, and after the grace period the policy lapses
            assertThat(buyer.delete("/api/accounts/" + account + "/auto-debit").status()).isEqualTo(204);
            clock.moveTo(midnight(start.plusMonths(1)).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + policyId, p -> p.hasNonNull("arrears"));
            clock.moveTo(midnight(start.plusMonths(1).plusDays(31)).plusSeconds(60));
            awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("LAPSED"));

            // a stay in hospital since: the new declaration goes to an underwriter
            String declaration = "{\"paymentCardId\":\"" + card + "\",\"declarations\":{\"smoker\":\"false\","
                    + "\"hospitalizedLast2Years\":\"true\",\"chronicCondition\":\"false\"}}";
            Reply referred = buyer.post("/api/policies/" + policyId + "/reinstatement", declaration);
            assertThat(referred.status()).as(referred.toString()).isEqualTo(200);
            assertThat(referred.json().get("status").asText()).isEqualTo("REFERRED");
            String referralId = referred.json().get("referralId").asText();
            JsonNode queue = awaitJson(Api.at(system.queryUrl(), "uma"), "/api/underwriting/queue",
                    q -> q.findValuesAsText("id").contains(referralId));
            assertThat(queue.toString()).contains("REINSTATEMENT", "hospitalizedLast2Years");
            assertThat(reader.get("/api/policies/" + policyId).json().get("pendingReinstatement").has("referrals"))
                    .as("the health reasons are for underwriters").isFalse();
            Reply waits = buyer.post("/api/policies/" + policyId + "/reinstatement", declaration);
            assertThat(waits.json().get("code").asText()).isEqualTo("REINSTATEMENT_REFERRED");

            assertThat(Api.at(system.commandUrl(), "uma").post("/api/policies/" + policyId + "/reinstatement/"
                    + referralId + "/approval", "").status()).isEqualTo(202);
            Reply reinstated = buyer.post("/api/policies/" + policyId + "/reinstatement", declaration);
            assertThat(reinstated.status()).as(reinstated.toString()).isEqualTo(200);
            assertThat(reinstated.json().get("status").asText()).isEqualTo("IN_FORCE");
            awaitJson(reader, "/api/policies/" + policyId, p -> p.get("status").asText().equals("IN_FORCE"));
            assertThat(eventsOf(system, policyId)).containsExactly("PolicyIssued", "PolicyStarted", "InstalmentMissed",
                    "PolicyLapsed", "ReinstatementReferred", "ReinstatementDecided", "PolicyReinstated");
        }
    }

    /** The customer authorizes premiums to be debited from the card, up to 1000.00 a debit. */
    private static void authorizeAutoDebit(Api buyer, String account, String card) {
        assertThat(buyer.post("/api/accounts/" + account + "/auto-debit",
                "{\"cardId\":\"" + card + "\",\"dayOfMonth\":1,\"amountCap\":\"1000.00\"}").status()).isEqualTo(201);
    }

    private static Instant midnight(LocalDate day) {
        return day.atStartOfDay(MovableClock.BUSINESS_ZONE).toInstant();
    }

    /** The simple names of an aggregate's events, in order, as the event store holds them (the real driver). */
    static List<String> eventsOf(RunningSystem system, String aggregateId) {
        List<String> types = new ArrayList<>();
        try (MongoClient client = MongoClients.create(system.mongoConnectionString())) {
            for (Document commit : client.getDatabase("coverledger").getCollection("event_commits")
                    .find(new Document("events.agg", aggregateId)).sort(new Document("_id", 1))) {
                for (Document event : commit.getList("events", Document.class)) {
                    if (aggregateId.equals(event.getString("agg"))) {
                        String type = event.getString("payloadType");
                        types.add(type.substring(type.lastIndexOf('$') + 1));
                    }
                }
            }
        }
        return types;
    }
}
