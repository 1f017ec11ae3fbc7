package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A claim's whole life over HTTP, on the real applications and the embedded MongoDB: first
 * notice, materials (streamed, judged by their bytes, sealed in GridFS), a request for more and
 * the answer, an assessment above the adjuster's authority and its second approval, the payout
 * through the simulated gateway and the close, the customer's progress and notices, reopening.
 * Then the hard cases: a renamed executable (415), 10 MB + 1 byte (413, nothing stored), two
 * claims racing past the sum insured on two instances, the due-date close by a moved clock, and
 * a kill -9 of the command side between the gateway's payout and its record.
 */
class ClaimsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final byte[] PDF = ("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            + "%%EOF\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PNG = HexFormat.of().parseHex("89504e470d0a1a0a0000000d4948445200000001000000010806"
            + "0000001f15c4890000000d49444154789c6360000002000100ffff03000006000557bfabd40000000049454e44ae426082");
    /** The first bytes of a Windows executable, whatever the name and type it is sent with. */
    private static final byte[] EXE = HexFormat.of().parseHex("4d5a90000300000004000000ffff0000b8000000000000004000"
            + "0000000000000000000000000000000000000000000000000000000000000000800000000e1fba0e00b409cd21b8014ccd21");

    @TempDir
    Path data;

    static String claimBody(String policyId, LocalDate incident, String type, String amount, String card) {
        return """
                {"policyId":"%s","incidentDate":"%s","incidentType":"%s","description":"Kitchen fire, smoke damage",
                 "amountClaimed":"%s","payoutCardId":"%s"}""".formatted(policyId, incident, type, amount, card);
    }

    @Test
    void a_claim_goes_from_first_notice_to_payout_and_close_and_is_reopened() throws Exception {
        RunningSystem system = RunningSystem.shared();
        Customer customer = Customers.register(system, "Chen Jing");
        Api mine = customer.command(system);
        Api myViews = customer.query(system);
        String card = Policies.card(mine, customer.accountId());
        String policyId = Policies.buy(mine, customer.accountId()).policyId();

        Reply claimed = mine.post("/api/claims", claimBody(policyId, Policies.today(), "FIRE", "80000.00", card));
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
        String claimId = claimed.json().get("claimId").asText();
        assertThat(claimed.header("Location")).endsWith("/api/claims/" + claimId + "/progress");
        Reply duplicate = mine.post("/api/claims", claimBody(policyId, Policies.today(), "FIRE", "10.00", card));
        assertThat(duplicate.status()).isEqualTo(422);
        assertThat(duplicate.json().get("code").asText()).isEqualTo("DUPLICATE_CLAIM");
        Reply notCovered = mine.post("/api/claims", claimBody(policyId, Policies.today(), "COLLISION", "10.00", card));
        assertThat(notCovered.json().get("code").asText()).isEqualTo("INCIDENT_TYPE_NOT_COVERED");

        // materials: a PDF, the same again (the same material), a renamed executable refused by its bytes
        Upload invoice = upload(system.commandUrl(), customer, claimId, "INVOICE", "invoice.pdf", "application/pdf", PDF);
        assertThat(invoice.status()).as(invoice.body()).isEqualTo(201);
        String invoiceId = invoice.json().get("materialId").asText();
        assertThat(invoice.json().get("sha256").asText()).isEqualTo(sha256(PDF));
        assertThat(invoice.json().get("contentType").asText()).isEqualTo("application/pdf");
        Upload again = upload(system.commandUrl(), customer, claimId, "OTHER", "copy.pdf", "application/pdf", PDF);
        assertThat(again.status()).as(again.body()).isEqualTo(200);
        assertThat(again.json().get("materialId").asText()).isEqualTo(invoiceId);
        Upload renamed = upload(system.commandUrl(), customer, claimId, "INVOICE", "receipt.pdf", "application/pdf", EXE);
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(415);
        assertThat(renamed.json().get("code").asText()).isEqualTo("UNSUPPORTED_MATERIAL_TYPE");

        // the adjuster asks for photos; the customer uploads one and says that is all
        String adjuster = awaitJson(myViews, "/api/claims/" + claimId + "/progress",
                p -> !p.path("assignee").isNull() && !p.path("assignee").asText().isEmpty()).get("assignee").asText();
        assertThat(adjuster).isIn("adam", "alan");
        Reply requested = Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/material-requests",
                "{\"items\":[{\"category\":\"PHOTO\",\"description\":\"the kitchen after the fire\"}],\"note\":\"photos please\"}");
        assertThat(requested.status()).as(requested.toString()).isEqualTo(202);
        assertThat(requested.json().get("status").asText()).isEqualTo("MATERIALS_REQUESTED");
        JsonNode waiting = awaitJson(myViews, "/api/claims/" + claimId + "/progress",
                p -> p.get("status").asText().equals("MATERIALS_REQUESTED"));
        assertThat(waiting.get("nextStep").get("actor").asText()).isEqualTo("CUSTOMER");
        assertThat(waiting.get("materialsRequest").get("dueOn").asText()).isEqualTo(Policies.today().plusDays(30).toString());
        assertThat(waiting.get("materialsRequest").get("items").get(0).get("received").asBoolean()).isFalse();
        Upload photo = upload(system.commandUrl(), customer, claimId, "PHOTO", "kitchen.png", "image/png", PNG);
        assertThat(photo.status()).as(photo.body()).isEqualTo(201);
        Reply provided = mine.post("/api/claims/" + claimId + "/materials/submission", "");
        assertThat(provided.status()).as(provided.toString()).isEqualTo(202);
        assertThat(provided.json().get("status").asText()).isEqualTo("UNDER_REVIEW");

        // 70,000 approved less the 1,000 deductible is above adam's 50,000: a second person approves
        Reply assessed = Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/assessment", """
                {"lines":[{"item":"kitchen units","claimed":"60000.00","approved":"60000.00"},
                          {"item":"appliances","claimed":"20000.00","approved":"10000.00","reasonCode":"ABOVE_LIMIT"}],
                 "note":"appliances at their value"}""");
        assertThat(assessed.status()).as(assessed.toString()).isEqualTo(202);
        assertThat(assessed.json().get("status").asText()).isEqualTo("AWAITING_SECOND_APPROVAL");
        Reply self = Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/approval", "{\"approve\":true}");
        assertThat(self.status()).isEqualTo(422);
        assertThat(self.json().get("code").asText()).isEqualTo("SAME_APPROVER");
        Reply byCustomer = mine.post("/api/claims/" + claimId + "/approval", "{\"approve\":true}");
        assertThat(byCustomer.status()).isEqualTo(403);
        Reply second = Api.at(system.commandUrl(), "alan").post("/api/claims/" + claimId + "/approval",
                "{\"approve\":true,\"note\":\"agreed\"}");
        assertThat(second.status()).as(second.toString()).isEqualTo(202);
        assertThat(second.json().get("status").asText()).isEqualTo("APPROVED");

        // the settlement pays the card and the claim closes, paid
        JsonNode paid = awaitJson(myViews, "/api/claims/" + claimId + "/progress",
                p -> p.get("status").asText().equals("CLOSED"));
        assertThat(paid.get("outcome").asText()).isEqualTo("PAID");
        assertThat(paid.get("amounts").get("paid").asText()).isEqualTo("69000.00");
        assertThat(paid.get("decision").get("decision").asText()).isEqualTo("PARTIALLY_APPROVED");
        assertThat(paid.get("decision").get("reasons").get(0).get("code").asText()).isEqualTo("ABOVE_LIMIT");
        assertThat(paid.get("decision").get("reasons").get(0).get("words").asText()).isNotBlank();
        assertThat(paid.get("payout").get("gatewayReference").asText()).startsWith("SIM-");
        assertThat(paid.get("timeline").findValuesAsText("step")).containsSubsequence("SUBMITTED", "MATERIALS_REQUESTED",
                "MATERIALS_PROVIDED", "ASSESSED", "APPROVED", "PAID", "CLOSED");
        JsonNode zh = myViews.get("/api/claims/" + claimId + "/progress", "Accept-Language", "zh-CN").json();
        assertThat(zh.get("statusWords").asText()).isNotEqualTo(paid.get("statusWords").asText());

        // the cover left is the sum insured less what was paid
        Reply beyond = mine.post("/api/claims", claimBody(policyId, Policies.today(), "FIRE", "431000.01", card));
        assertThat(beyond.json().get("code").asText()).as(beyond.toString()).isEqualTo("AMOUNT_EXCEEDS_COVER");

        // the material streams back, whole, to who may see the claim
        Download file = download(system.queryUrl(), customer.mobile(), customer.password(), claimId, invoiceId, null);
        assertThat(file.status()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(PDF);
        assertThat(file.etag()).isEqualTo("\"" + sha256(PDF) + "\"");
        assertThat(download(system.queryUrl(), customer.mobile(), customer.password(), claimId, invoiceId, file.etag())
                .status()).isEqualTo(304);
        assertThat(download(system.queryUrl(), "bob", "bob-pass", claimId, invoiceId, null).status()).isEqualTo(404);
        assertThat(download(system.queryUrl(), "adam", "adam-pass", claimId, invoiceId, null).body()).isEqualTo(PDF);

        // the customer was told of every key step, and finds the notices in the inbox
        JsonNode inbox = awaitJson(myViews, "/api/accounts/" + customer.accountId() + "/notices",
                n -> n.get("items").findValuesAsText("type").contains("CLAIM_PAYOUT"));
        assertThat(inbox.get("items").findValuesAsText("type")).contains("CLAIM_PROGRESS", "MATERIALS_REQUEST");
        assertThat(Api.at(system.queryUrl(), "bob").get("/api/accounts/" + customer.accountId() + "/notices").status())
                .isIn(403, 404);
        try (MongoClient mongo = MongoClients.create(system.mongoConnectionString())) {
            MongoDatabase db = mongo.getDatabase("coverledger");
            awaitTrue(() -> db.getCollection("notification_outbox")
                    .countDocuments(Filters.and(Filters.eq("accountId", customer.accountId()),
                            Filters.eq("purpose", "CLAIM_PAYOUT"))) == 1);
            assertThat(db.getCollection("simulated_payments").countDocuments(
                    Filters.regex("_id", "^claim:" + claimId + ":payout:"))).isEqualTo(1);
        }

        // reopened within the year, and withdrawn: it closes again, keeping what it paid
        assertThat(Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/reopening", "{}").status())
                .isEqualTo(400); // a reason is required
        Reply reopened = Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/reopening",
                "{\"reason\":\"a further invoice arrived\"}");
        assertThat(reopened.status()).as(reopened.toString()).isEqualTo(202);
        assertThat(reopened.json().get("status").asText()).isEqualTo("UNDER_REVIEW");
        Reply withdrawn = mine.post("/api/claims/" + claimId + "/withdrawal", "{\"reason\":\"no more to claim\"}");
        assertThat(withdrawn.status()).as(withdrawn.toString()).isEqualTo(202);
        JsonNode closed = awaitJson(myViews, "/api/claims/" + claimId + "/progress",
                p -> p.get("status").asText().equals("CLOSED") && p.get("outcome").asText().equals("WITHDRAWN"));
        assertThat(closed.get("amounts").get("paid").asText()).isEqualTo("69000.00");

        // lists: the customer's own, the adjusters' queue without it (closed)
        JsonNode list = awaitJson(myViews, "/api/claims", l -> l.get("total").asInt() == 1);
        assertThat(list.get("items").get(0).get("claimId").asText()).isEqualTo(claimId);
        JsonNode queue = Api.at(system.queryUrl(), "adam").get("/api/claims/queue?size=100").json();
        assertThat(queue.get("items").findValuesAsText("claimId")).doesNotContain(claimId);
    }

    @Test
    void ten_megabytes_and_one_byte_is_refused_while_streaming_and_nothing_is_stored() throws Exception {
        RunningSystem system = RunningSystem.shared();
        Customer customer = Customers.register(system, "Lin Tao");
        Api mine = customer.command(system);
        String card = Policies.card(mine, customer.accountId());
        String policyId = Policies.buy(mine, customer.accountId()).policyId();
        Reply claimed = mine.post("/api/claims", claimBody(policyId, Policies.today(), "WATER_DAMAGE", "5000.00", card));
        String claimId = claimed.json().get("claimId").asText();
        byte[] big = new byte[10 * 1024 * 1024 + 1];
        System.arraycopy(PDF, 0, big, 0, PDF.length);
        try (MongoClient mongo = MongoClients.create(system.mongoConnectionString())) {
            MongoDatabase db = mongo.getDatabase("coverledger");
            long files = db.getCollection("claim_materials.files").countDocuments();
            long chunks = db.getCollection("claim_materials.chunks").countDocuments();
            Upload tooLarge = upload(system.commandUrl(), customer, claimId, "INVOICE", "big.pdf", "application/pdf", big);
            assertThat(tooLarge.status()).as(tooLarge.body()).isEqualTo(413);
            assertThat(tooLarge.json().get("code").asText()).isEqualTo("MATERIAL_TOO_LARGE");
            assertThat(db.getCollection("claim_materials.files").countDocuments()).isEqualTo(files);
            assertThat(db.getCollection("claim_materials.chunks").countDocuments()).isEqualTo(chunks);
            // exactly 10 MB is taken
            byte[] limit = java.util.Arrays.copyOf(big, 10 * 1024 * 1024);
            Upload atLimit = upload(system.commandUrl(), customer, claimId, "INVOICE", "big.pdf", "application/pdf", limit);
            assertThat(atLimit.status()).as(atLimit.body()).isEqualTo(201);
            assertThat(atLimit.json().get("size").asLong()).isEqualTo(limit.length);
            assertThat(db.getCollection("claim_materials.files").countDocuments()).isEqualTo(files + 1);
        }
        JsonNode progress = awaitJson(customer.query(system), "/api/claims/" + claimId + "/progress",
                p -> p.get("materials").size() == 1);
        assertThat(progress.get("materials").get(0).get("size").asLong()).isEqualTo(10 * 1024 * 1024);
    }

    @Test
    void two_claims_approved_at_once_on_two_instances_never_hold_more_than_the_sum_insured() throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, List.of(), clock)) {
            ConfigurableApplicationContext other = system.startAnotherCommandSide();
            ExecutorService racers = Executors.newFixedThreadPool(2);
            try {
                Customer customer = Customers.register(system, "Zhao Lei");
                Api mine = customer.command(system);
                String card = Policies.card(mine, customer.accountId());
                String policyId = Policies.buy(mine, customer.accountId()).policyId();
                // two fires on two days, each within the 500,000 insured, together beyond it
                LocalDate firstDay = clock.today();
                clock.advance(Duration.ofDays(1));
                List<String> claims = new ArrayList<>();
                for (LocalDate day : List.of(firstDay, firstDay.plusDays(1))) {
                    Reply claimed = mine.post("/api/claims", claimBody(policyId, day, "FIRE", "300000.00", card));
                    assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
                    claims.add(claimed.json().get("claimId").asText());
                }
                List<String> urls = List.of(system.commandUrl(), RunningSystem.urlOf(other));
                List<Future<Reply>> replies = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    int n = i;
                    Callable<Reply> approve = () -> Api.at(urls.get(n), "root").post("/api/claims/" + claims.get(n)
                            + "/assessment", "{\"lines\":[{\"item\":\"fire damage\",\"claimed\":\"300000.00\","
                            + "\"approved\":\"300000.00\"}]}");
                    replies.add(racers.submit(approve));
                }
                List<Reply> answers = new ArrayList<>();
                for (Future<Reply> reply : replies) {
                    answers.add(reply.get(60, TimeUnit.SECONDS));
                }
                assertThat(answers.stream().filter(a -> a.status() == 202)).as(answers.toString()).hasSize(1);
                Reply loser = answers.stream().filter(a -> a.status() != 202).findFirst().orElseThrow();
                assertThat(loser.status()).as(loser.toString()).isIn(409, 422);
                if (loser.status() == 422) {
                    assertThat(loser.json().get("code").asText()).isEqualTo("COVER_EXCEEDED");
                }
                String winner = claims.get(answers.get(0).status() == 202 ? 0 : 1);
                String other2 = claims.get(answers.get(0).status() == 202 ? 1 : 0);
                Api views = Api.at(system.queryUrl(), "root");
                awaitJson(views, "/api/claims/" + winner + "/progress", p -> p.get("status").asText().equals("CLOSED")
                        && p.get("amounts").get("paid").asText().equals("299000.00"));
                // the loser is still open, and can be approved for what is left: 201,000
                JsonNode open = views.get("/api/claims/" + other2 + "/progress").json();
                assertThat(open.get("status").asText()).isIn("SUBMITTED", "UNDER_REVIEW");
                Reply rest = Api.at(system.commandUrl(), "root").post("/api/claims/" + other2 + "/assessment",
                        "{\"lines\":[{\"item\":\"fire damage\",\"claimed\":\"300000.00\",\"approved\":\"202000.00\","
                        + "\"reasonCode\":\"ABOVE_LIMIT\"}]}");
                assertThat(rest.status()).as(rest.toString()).isEqualTo(202);
                Reply beyond = Api.at(system.commandUrl(), "root").post("/api/claims/" + other2 + "/withdrawal", "{}");
                // being paid, or paid already: either way it can no longer be withdrawn
                assertThat(beyond.json().get("code").asText()).as(beyond.toString()).isIn("CLAIM_BEING_PAID", "CLAIM_CLOSED");
                awaitJson(views, "/api/claims/" + other2 + "/progress", p -> p.get("status").asText().equals("CLOSED")
                        && p.get("amounts").get("paid").asText().equals("201000.00"));
            } finally {
                racers.shutdownNow();
                other.close();
            }
        }
    }

    @Test
    void materials_not_provided_by_the_due_date_close_the_claim_after_a_reminder() throws Exception {
        MovableClock clock = new MovableClock();
        try (RunningSystem system = RunningSystem.startWith(data, List.of("--coverledger.timed-steps.poll-interval=200ms",
                "--coverledger.timed-steps.lease=2s"), clock)) {
            Customer customer = Customers.register(system, "Sun Li");
            Api mine = customer.command(system);
            Api myViews = customer.query(system);
            String card = Policies.card(mine, customer.accountId());
            String policyId = Policies.buy(mine, customer.accountId()).policyId();
            String claimId = mine.post("/api/claims", claimBody(policyId, clock.today(), "FIRE", "2000.00", card))
                    .json().get("claimId").asText();
            Reply requested = Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/material-requests",
                    "{\"items\":[{\"category\":\"POLICE_REPORT\",\"description\":\"fire brigade report\"}]}");
            assertThat(requested.status()).as(requested.toString()).isEqualTo(202);
            LocalDate due = clock.today().plusDays(30);
            Api root = Api.at(system.commandUrl(), "root");
            awaitJson(root, "/api/admin/timed-steps?target=" + claimId, page -> page.get("total").asInt() == 2);

            clock.moveTo(midnight(due.minusDays(7)).plusSeconds(60));
            JsonNode reminded = awaitJson(myViews, "/api/claims/" + claimId + "/progress",
                    p -> !p.get("materialsRequest").path("remindedAt").isNull()
                            && !p.get("materialsRequest").path("remindedAt").asText().isEmpty());
            assertThat(reminded.get("status").asText()).isEqualTo("MATERIALS_REQUESTED");

            clock.moveTo(midnight(due).plusSeconds(60)); // the due date itself: still open
            Thread.sleep(1500);
            assertThat(myViews.get("/api/claims/" + claimId + "/progress").json().get("status").asText())
                    .isEqualTo("MATERIALS_REQUESTED");
            clock.moveTo(midnight(due.plusDays(1)).plusSeconds(60));
            JsonNode closed = awaitJson(myViews, "/api/claims/" + claimId + "/progress",
                    p -> p.get("status").asText().equals("CLOSED"));
            assertThat(closed.get("outcome").asText()).isEqualTo("MATERIALS_NOT_PROVIDED");
            JsonNode inbox = awaitJson(myViews, "/api/accounts/" + customer.accountId() + "/notices",
                    n -> n.get("items").size() >= 4);
            assertThat(inbox.get("items").findValuesAsText("text")).anySatisfy(t -> assertThat(t).contains(due.toString()));

            // reopenable: the customer sends the report late, and staff open the claim again
            Reply reopened = Api.at(system.commandUrl(), "adam").post("/api/claims/" + claimId + "/reopening",
                    "{\"reason\":\"the report arrived late\"}");
            assertThat(reopened.status()).as(reopened.toString()).isEqualTo(202);
        }
    }

    /**
     * The command side runs as its own process; the simulated gateway answers a payout 20 s after
     * making it. The test kills the process (SIGKILL) while the payout is made and not yet
     * recorded, starts it again, and finds the claim paid once: one payout at the gateway, one
     * ClaimPaid in the store, carrying the gateway's reference.
     */
    @Test
    void a_kill_9_between_the_gateways_payout_and_its_record_pays_exactly_once() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path jar = Files.list(root.resolve("command-side/target"))
                .filter(p -> p.getFileName().toString().endsWith("-exec.jar")).findFirst().orElseThrow();
        try (org.coverledger.ops.EmbeddedMongo mongo = org.coverledger.ops.EmbeddedMongo.start("127.0.0.1", 0, data)) {
            int port = freePort();
            String url = "http://127.0.0.1:" + port;
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx512m", "-jar", jar.toString(), "--server.port=" + port,
                    "--spring.data.mongodb.uri=" + mongo.connectionString("coverledger"),
                    "--spring.data.mongodb.database=coverledger", "--spring.profiles.active=embedded",
                    "--coverledger.payments.simulated.payout-answer-delay=20s");
            Process first = start(command, data.resolve("command-1.log"), url);
            Process second = null;
            try (MongoClient client = MongoClients.create(mongo.connectionString("coverledger"))) {
                MongoDatabase db = client.getDatabase("coverledger");
                Api alice = Api.at(url, "alice");
                String card = Policies.card(alice, Customers.ALICE_ACCOUNT);
                String policyId = Policies.buy(alice, Customers.ALICE_ACCOUNT).policyId();
                String claimId = alice.post("/api/claims", claimBody(policyId, Policies.today(), "FIRE", "3000.00", card))
                        .json().get("claimId").asText();
                Reply approved = Api.at(url, "root").post("/api/claims/" + claimId + "/assessment",
                        "{\"lines\":[{\"item\":\"smoke damage\",\"claimed\":\"3000.00\",\"approved\":\"3000.00\"}]}");
                assertThat(approved.status()).as(approved.toString()).isEqualTo(202);
                var payouts = db.getCollection("simulated_payments");
                var ofClaim = Filters.regex("_id", "^claim:" + claimId + ":payout:");
                awaitTrue(() -> payouts.countDocuments(ofClaim) == 1); // made, its answer 20 s away
                first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: nothing recorded, nothing flushed
                assertThat(paidEvents(db, claimId)).isZero();

                second = start(command, data.resolve("command-2.log"), url);
                awaitTrue(() -> paidEvents(db, claimId) == 1);
                Reply closed = alice.post("/api/claims/" + claimId + "/withdrawal", "{}");
                assertThat(closed.json().get("code").asText()).as(closed.toString()).isEqualTo("CLAIM_CLOSED");
                assertThat(payouts.countDocuments(ofClaim)).isEqualTo(1);
                Document payout = payouts.find(ofClaim).first();
                assertThat(payout.getString("amount")).isEqualTo("2000.00"); // less the PROPERTY deductible
                Thread.sleep(2000);
                assertThat(paidEvents(db, claimId)).isEqualTo(1);
                assertThat(payouts.countDocuments(ofClaim)).isEqualTo(1);
            } finally {
                first.destroyForcibly();
                if (second != null) {
                    second.destroy();
                    if (!second.waitFor(30, TimeUnit.SECONDS)) {
                        second.destroyForcibly();
                    }
                }
            }
        }
    }

    private static java.time.Instant midnight(LocalDate day) {
        return day.atStartOfDay(MovableClock.BUSINESS_ZONE).toInstant();
    }

    private static void awaitTrue(Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(condition);
    }

    private static long paidEvents(MongoDatabase db, String claimId) {
        long paid = 0;
        for (Document commit : db.getCollection("event_commits").find(Filters.eq("events.agg", claimId))) {
            for (Document event : commit.getList("events", Document.class)) {
                if (claimId.equals(event.getString("agg")) && event.getString("payloadType").endsWith("ClaimPaid")) {
                    paid++;
                }
            }
        }
        return paid;
    }

    private static Process start(List<String> command, Path log, String url) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the command side ended during start-up:\n" + Files.readString(log));
            }
            try {
                HttpResponse<String> health = CLIENT.send(HttpRequest.newBuilder(URI.create(url + "/actuator/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return process;
                }
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(500);
        }
        process.destroyForcibly();
        throw new AssertionError("the command side did not start in time:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    // ------------------------------------------------------------------ multipart and binary over HTTP

    record Upload(int status, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    record Download(int status, byte[] body, String etag) {
    }

    static Upload upload(String commandUrl, Customer customer, String claimId, String category, String fileName,
                         String declaredType, byte[] content) throws Exception {
        String boundary = "----coverledger" + UUID.randomUUID();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\n" + category
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + fileName
                + "\"\r\nContent-Type: " + declaredType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(content);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(commandUrl + "/api/claims/" + claimId + "/materials"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", basic(customer.mobile(), customer.password()))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build();
        HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
        // the answer is checked against the OpenAPI description (the multipart request itself is not)
        ApiContract.check(commandUrl, request, null, response, true);
        return new Upload(response.statusCode(), response.body());
    }

    static Download download(String queryUrl, String login, String password, String claimId, String materialId,
                             String ifNoneMatch) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(queryUrl + "/api/claims/" + claimId
                        + "/materials/" + materialId)).timeout(Duration.ofSeconds(30))
                .header("Authorization", basic(login, password));
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        HttpResponse<byte[]> response = CLIENT.send(request.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Download(response.statusCode(), response.body(), response.headers().firstValue("ETag").orElse(null));
    }

    private static String basic(String login, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
