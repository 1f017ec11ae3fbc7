package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneId;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Products and quotes over HTTP: the catalogue with no login, a premium computed from the rules
 * whatever the request says, a referral that an underwriter accepts with a loading or declines,
 * and refusals with every reason.
 */
class QuoteIT {

    static RunningSystem system;

    @BeforeAll
    static void startSystem() throws Exception {
        system = RunningSystem.shared();
    }

    private static String coverStart() {
        return LocalDate.now(ZoneId.of("Asia/Shanghai")).plusDays(7).toString();
    }

    private static String healthQuote(Customer customer, boolean hospital) {
        return """
                {"accountId":"%s","product":"HEALTH","sumInsured":"300000","startDate":"%s","termMonths":12,
                 "insured":{"name":"%s","nationalId":"%s","relationship":"SELF"},
                 "declarations":{"smoker":"true","hospitalizedLast2Years":"%s","chronicCondition":"false"}}
                """.formatted(customer.accountId(), coverStart(), customer.name(), customer.nationalId(), hospital);
    }

    private static JsonNode view(Reply made, Api reader) {
        String position = made.headers().firstValue("X-Event-Position").orElseThrow();
        Reply view = reader.get("/api/quotes/" + made.json().get("quoteId").asText(), "X-Min-Position", position);
        assertThat(view.status()).as(view.toString()).isEqualTo(200);
        return view.json();
    }

    @Test
    void the_catalogue_is_open_to_anyone_and_states_each_products_rules() {
        Reply products = Api.at(system.queryUrl(), null).get("/api/products");
        assertThat(products.status()).isEqualTo(200);
        JsonNode health = products.json().get("products").get(0);
        assertThat(health.get("product").asText()).isEqualTo("HEALTH");
        assertThat(health.get("waitingPeriodDays").asInt()).isEqualTo(30);
        assertThat(health.get("declarations").findValuesAsText("key")).contains("smoker", "hospitalizedLast2Years");
        assertThat(products.json().get("products").findValuesAsText("product"))
                .containsExactly("HEALTH", "LIFE", "AUTO", "PROPERTY");
    }

    @Test
    void a_customer_gets_a_premium_from_the_rules_valid_for_thirty_days() {
        Customer customer = Customers.register(system, "Zhao Min");
        Reply made = customer.command(system).post("/api/quotes", healthQuote(customer, false));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        assertThat(made.json().get("status").asText()).isEqualTo("OFFERED");
        JsonNode quote = view(made, customer.query(system));
        int age = java.time.Period.between(LocalDate.parse(customer.nationalId().substring(6, 14),
                java.time.format.DateTimeFormatter.BASIC_ISO_DATE), LocalDate.parse(coverStart())).getYears();
        assertThat(quote.get("insuredAge").asInt()).isEqualTo(age);
        // 300,000 at the age band's rate per mille, and a smoker's 25 % on top
        String rate = age <= 17 ? "1.20" : age <= 40 ? "1.80" : age <= 55 ? "3.50" : "6.00";
        java.math.BigDecimal expected = new java.math.BigDecimal("300").multiply(new java.math.BigDecimal(rate))
                .multiply(new java.math.BigDecimal("1.25")).setScale(2, java.math.RoundingMode.HALF_UP);
        assertThat(new java.math.BigDecimal(quote.get("annualPremium").asText())).isEqualByComparingTo(expected);
        assertThat(quote.get("loadings").get(0).asText()).isEqualTo("smoker +25%");
        assertThat(quote.get("validUntil").asText()).isNotEmpty();
        assertThat(Api.at(system.queryUrl(), "bob").get("/api/quotes/" + quote.get("quoteId").asText()).status())
                .as("another customer sees no quote").isEqualTo(404);
        // the health answers and what they led to are sealed where the event is stored (read with the real driver)
        try (com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create(system.mongoConnectionString())) {
            String stored = client.getDatabase("coverledger").getCollection("event_commits")
                    .find(new org.bson.Document("events.agg", quote.get("quoteId").asText())).first().toJson();
            assertThat(stored).contains("QuoteIssued").doesNotContain("smoker").doesNotContain("hospitalizedLast2Years")
                    .doesNotContain(customer.name()).doesNotContain(customer.nationalId());
        }
    }

    @Test
    void a_referred_quote_waits_for_an_underwriter_who_accepts_it_with_a_loading_or_declines_it() {
        Customer customer = Customers.register(system, "Qian Li");
        Reply referred = customer.command(system).post("/api/quotes", healthQuote(customer, true));
        assertThat(referred.json().get("status").asText()).isEqualTo("REFERRED");
        String quoteId = referred.json().get("quoteId").asText();
        JsonNode before = view(referred, Api.at(system.queryUrl(), "uma"));
        assertThat(before.get("referrals").get(0).asText()).isEqualTo("hospitalizedLast2Years");
        assertThat(Api.at(system.queryUrl(), "uma").get("/api/underwriting/queue").json().findValuesAsText("quoteId"))
                .contains(quoteId);

        assertThat(customer.command(system).post("/api/quotes/" + quoteId + "/acceptance", "{\"loadingPercent\":0}")
                .status()).as("a customer does not underwrite").isEqualTo(403);
        Reply accepted = Api.at(system.commandUrl(), "uma").post("/api/quotes/" + quoteId + "/acceptance",
                "{\"loadingPercent\":20}");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode after = view(accepted, customer.query(system));
        assertThat(after.get("status").asText()).isEqualTo("OFFERED");
        assertThat(new java.math.BigDecimal(after.get("annualPremium").asText())).isEqualByComparingTo(
                new java.math.BigDecimal(before.get("annualPremium").asText()).multiply(new java.math.BigDecimal("1.2"))
                        .setScale(2, java.math.RoundingMode.HALF_UP));
        assertThat(after.get("decidedBy").asText()).isEqualTo("uma");
        Reply again = Api.at(system.commandUrl(), "uma").post("/api/quotes/" + quoteId + "/declination",
                "{\"reason\":\"changed my mind\"}");
        assertThat(again.status()).isEqualTo(422);
        assertThat(again.json().get("code").asText()).isEqualTo("QUOTE_NOT_REFERRED");

        Reply other = customer.command(system).post("/api/quotes", healthQuote(customer, true));
        Reply declined = Api.at(system.commandUrl(), "uma").post("/api/quotes/" + other.json().get("quoteId").asText()
                + "/declination", "{\"reason\":\"A hospital stay in the last two years; apply again next year.\"}");
        JsonNode gone = view(declined, customer.query(system));
        assertThat(gone.get("status").asText()).isEqualTo("DECLINED");
        assertThat(gone.get("declineReason").asText()).startsWith("A hospital stay");
    }

    @Test
    void a_request_outside_the_rules_is_refused_with_every_reason_and_records_nothing() {
        Customer customer = Customers.register(system, "Sun Yu");
        long before = system.storedEvents();
        Reply past = customer.command(system).post("/api/quotes", healthQuote(customer, false)
                .replace(coverStart(), "2020-01-01"));
        assertThat(past.status()).isEqualTo(422);
        assertThat(past.json().get("code").asText()).isEqualTo("COVER_START_INVALID");
        Reply rules = customer.command(system).post("/api/quotes", healthQuote(customer, false)
                .replace("\"300000\"", "\"5000\"").replace("\"termMonths\":12", "\"termMonths\":24"));
        assertThat(rules.status()).isEqualTo(422);
        assertThat(rules.json().get("code").asText()).isEqualTo("PRODUCT_RULES_NOT_MET");
        assertThat(rules.json().get("detail").asText()).contains("sum insured").contains("term");
        Reply malformed = customer.command(system).post("/api/quotes", healthQuote(customer, false)
                .replace(customer.nationalId(), "110105199001011233").replace("\"HEALTH\"", "\"BOAT\""));
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(malformed.json().get("errors").findValuesAsText("field"))
                .contains("insured.nationalId", "product");
        assertThat(system.storedEvents()).isEqualTo(before);
    }

    private static String bindCard(Customer customer, String number) {
        Reply bound = customer.command(system).post("/api/accounts/" + customer.accountId() + "/cards",
                "{\"bankCardNumber\":\"" + number + "\"}");
        assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
        return bound.json().get("cardId").asText();
    }

    private static Reply purchase(Customer customer, String quoteId, String cardId, String plan) {
        return customer.command(system).post("/api/quotes/" + quoteId + "/purchase",
                "{\"acceptedTermsVersion\":\"2026-11\",\"paymentCardId\":\"" + cardId + "\",\"paymentPlan\":\""
                        + plan + "\"}");
    }

    @Test
    void buying_a_quote_collects_the_first_premium_once_and_issues_the_policy() throws Exception {
        Customer customer = Customers.register(system, "Zhou Xun");
        String pays = bindCard(customer, "6222020000070034");
        String declines = bindCard(customer, "6222020000050002");
        String timesOut = bindCard(customer, "6222020000040003");
        Reply made = customer.command(system).post("/api/quotes", healthQuote(customer, false));
        String quoteId = made.json().get("quoteId").asText();
        JsonNode quote = view(made, customer.query(system));
        Reply noAutoDebit = purchase(customer, quoteId, pays, "MONTHLY");
        assertThat(noAutoDebit.json().get("code").asText()).isEqualTo("AUTO_DEBIT_REQUIRED");
        assertThat(customer.command(system).post("/api/accounts/" + customer.accountId() + "/auto-debit",
                "{\"cardId\":\"" + pays + "\",\"dayOfMonth\":1,\"amountCap\":\"1000.00\"}").status()).isEqualTo(201);

        Reply declined = purchase(customer, quoteId, declines, "ANNUAL");
        assertThat(declined.status()).isEqualTo(422);
        assertThat(declined.json().get("code").asText()).isEqualTo("PAYMENT_DECLINED");
        Reply terms = customer.command(system).post("/api/quotes/" + quoteId + "/purchase",
                "{\"acceptedTermsVersion\":\"2020-01\",\"paymentCardId\":\"" + pays + "\",\"paymentPlan\":\"ANNUAL\"}");
        assertThat(terms.json().get("code").asText()).isEqualTo("TERMS_NOT_ACCEPTED");

        // the gateway does not answer in time: nothing is issued, and the same purchase later completes it
        Reply pending = purchase(customer, quoteId, timesOut, "MONTHLY");
        assertThat(pending.status()).isEqualTo(422);
        assertThat(pending.json().get("code").asText()).isEqualTo("PAYMENT_PENDING");
        Thread.sleep(2_500);
        Reply bought = purchase(customer, quoteId, timesOut, "MONTHLY");
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        String policyId = bought.json().get("policyId").asText();
        java.math.BigDecimal twelfth = new java.math.BigDecimal(quote.get("annualPremium").asText())
                .divide(java.math.BigDecimal.valueOf(12), 2, java.math.RoundingMode.HALF_UP);
        assertThat(new java.math.BigDecimal(bought.json().get("firstPremium").asText())).isEqualByComparingTo(twelfth);
        assertThat(bought.headers().firstValue("Location").orElseThrow()).endsWith("/api/policies/" + policyId);

        // sent again (a client that lost the answer): the same policy, nothing collected twice
        Reply again = purchase(customer, quoteId, pays, "ANNUAL");
        assertThat(again.status()).isEqualTo(201);
        assertThat(again.json().get("policyId").asText()).isEqualTo(policyId);
        assertThat(again.json().get("paymentReference").asText()).isEqualTo(bought.json().get("paymentReference").asText());

        String position = again.headers().firstValue("X-Event-Position")
                .orElse(bought.headers().firstValue("X-Event-Position").orElseThrow());
        Reply policy = customer.query(system).get("/api/policies/" + policyId, "X-Min-Position", position);
        assertThat(policy.status()).as(policy.toString()).isEqualTo(200);
        assertThat(new java.math.BigDecimal(policy.json().get("premium").asText()))
                .isEqualByComparingTo(new java.math.BigDecimal(quote.get("annualPremium").asText()));
        JsonNode purchased = customer.query(system).get("/api/quotes/" + quoteId, "X-Min-Position", position).json();
        assertThat(purchased.get("status").asText()).isEqualTo("PURCHASED");
        assertThat(purchased.get("policyId").asText()).isEqualTo(policyId);
    }

    @Test
    void beneficiaries_whose_shares_do_not_add_up_are_refused_and_bad_ones_named() {
        Customer customer = Customers.register(system, "Qi Lin");
        Reply refused = customer.command(system).post("/api/quotes", healthQuote(customer, false).replace("\"declarations\"",
                "\"beneficiaries\":[{\"name\":\"Qi Xiao\",\"relationship\":\"CHILD\",\"sharePercent\":50}],\"declarations\""));
        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().get("code").asText()).isEqualTo("BENEFICIARY_SHARES_INVALID");
        Reply bad = customer.command(system).post("/api/quotes", healthQuote(customer, false).replace("\"declarations\"",
                "\"beneficiaries\":[{\"name\":\"\",\"relationship\":\"COUSIN\",\"sharePercent\":150}],\"declarations\""));
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("errors").findValuesAsText("field")).anyMatch(f -> f.contains("beneficiaries"));
    }

    @Test
    void the_e_policy_is_a_pdf_whose_text_holds_the_chinese_names_and_a_code_the_audit_trail_confirms() throws Exception {
        Customer customer = Customers.register(system, "周小川");
        String card = bindCard(customer, "6222020000070034");
        Reply made = customer.command(system).post("/api/quotes", healthQuote(customer, false).replace("\"declarations\"",
                "\"beneficiaries\":[{\"name\":\"周小明\",\"relationship\":\"CHILD\",\"sharePercent\":70},"
                        + "{\"name\":\"李华\",\"relationship\":\"SPOUSE\",\"sharePercent\":30}],\"declarations\""));
        assertThat(made.status()).as(made.toString()).isEqualTo(201);
        Reply bought = purchase(customer, made.json().get("quoteId").asText(), card, "ANNUAL");
        String policyId = bought.json().get("policyId").asText();
        String position = bought.headers().firstValue("X-Event-Position").orElseThrow();
        JsonNode policy = customer.query(system).get("/api/policies/" + policyId, "X-Min-Position", position).json();
        assertThat(policy.get("beneficiaries").findValuesAsText("name")).containsExactly("周小明", "李华");
        assertThat(policy.get("beneficiaries").findValuesAsText("sharePercent")).containsExactly("70", "30");
        // an analyst sees the shares, not the names; the event store holds the names sealed
        JsonNode forAnalyst = Api.at(system.queryUrl(), "ana").get("/api/policies/" + policyId).json();
        assertThat(forAnalyst.get("beneficiaries").findValuesAsText("name")).doesNotContain("周小明", "李华");
        try (com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create(system.mongoConnectionString())) {
            String stored = client.getDatabase("coverledger").getCollection("event_commits")
                    .find(new org.bson.Document("events.agg", policyId)).into(new java.util.ArrayList<>()).toString();
            assertThat(stored).contains("PolicyIssued").doesNotContain("周小明", "李华");
        }

        java.net.http.HttpResponse<byte[]> pdf = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(system.queryUrl() + "/api/policies/" + policyId
                        + "/document")).header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        (customer.mobile() + ":" + customer.password()).getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(pdf.statusCode()).isEqualTo(200);
        assertThat(pdf.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/pdf");
        String text;
        try (org.apache.pdfbox.pdmodel.PDDocument document = org.apache.pdfbox.Loader.loadPDF(pdf.body())) {
            text = new org.apache.pdfbox.text.PDFTextStripper().getText(document);
        }
        assertThat(text).contains("电子保单", "周小川", "周小明 70%", "李华 30%", policy.get("policyNumber").asText(),
                "In-patient hospital costs",
                "Terms version", "2026-11");
        // the code is the SHA-256 of the terms as the audit trail's PolicyIssued entry holds them
        JsonNode issued = null;
        for (JsonNode entry : Api.at(system.queryUrl(), "cora").get("/api/audit?aggregateId=" + policyId,
                "X-Min-Position", position).json().get("items")) {
            if (entry.get("eventType").asText().equals("PolicyIssued")) {
                issued = entry.get("payload");
            }
        }
        assertThat(issued).as("the audit trail holds PolicyIssued").isNotNull();
        String canonical = String.join("|", issued.get("policyId").asText(), issued.get("policyNumber").asText(),
                new java.math.BigDecimal(issued.get("sumInsured").get("amount").asText()).setScale(2).toPlainString(),
                new java.math.BigDecimal(issued.get("premium").get("amount").asText()).setScale(2).toPlainString(),
                issued.get("startDate").asText(), issued.get("endDate").asText());
        String code = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(text.replaceAll("\\s+", "")).contains(code);
        assertThat(Api.at(system.queryUrl(), "bob").get("/api/policies/" + policyId + "/document").status())
                .as("another customer gets no document").isEqualTo(404);
    }
}
