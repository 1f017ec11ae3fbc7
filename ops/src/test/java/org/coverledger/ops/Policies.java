package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;

/**
 * Policies for end-to-end tests, bought the only way a customer can: a home-cover quote priced
 * by the product's rules, bought with a card bound to the account (the simulated gateway pays
 * every card but those ending 0002 and 0003).
 */
final class Policies {

    /** Whom the test policies insure: the buyer's spouse (a customer may insure a family member). */
    static final String INSURED_NAME = "Li Na";
    static final String INSURED_NATIONAL_ID = "110105198503150027";

    private static final ZoneId BUSINESS_ZONE = ZoneId.of("Asia/Shanghai");
    private static final Map<String, String> CARDS = new ConcurrentHashMap<>();

    private Policies() {
    }

    /** A policy bought: its ids, and where its purchase stands in the event store (for X-Min-Position). */
    record Bought(String policyId, String policyNumber, String quoteId, long position) {
    }

    /** Home cover starting today on the account, bought by whoever {@code buyer} logs in as. */
    static Bought buy(Api buyer, String accountId) {
        Reply bought = purchase(buyer, accountId, null);
        assertThat(bought.status()).as(bought.toString()).isEqualTo(201);
        return new Bought(bought.json().get("policyId").asText(), bought.json().get("policyNumber").asText(),
                bought.json().get("quoteId").asText(), Long.parseLong(bought.header("X-Event-Position")));
    }

    /** A registered customer buys home cover starting today. */
    static Bought buy(RunningSystem system, Customer customer) {
        return buy(customer.command(system), customer.accountId());
    }

    /**
     * Asks for a home-cover quote from today and buys it with a card bound to the account: the
     * purchase's answer (201 with the policy, or the refusal), its request id {@code requestId}.
     */
    static Reply purchase(Api buyer, String accountId, String requestId) {
        return purchase(buyer, accountId, requestId, today(), card(buyer, accountId));
    }

    /** As above, for cover from {@code start} (the day it is by the system's clock, or later), paid with {@code cardId}. */
    static Reply purchase(Api buyer, String accountId, String requestId, LocalDate start, String cardId) {
        Reply quoted = buyer.post("/api/quotes", quoteRequest(accountId, start));
        assertThat(quoted.status()).as(quoted.toString()).isEqualTo(201);
        String quoteId = quoted.json().get("quoteId").asText();
        return buyer.post("/api/quotes/" + quoteId + "/purchase", """
                {"acceptedTermsVersion":"2026-11","paymentCardId":"%s","paymentPlan":"ANNUAL"}"""
                .formatted(cardId), requestId);
    }

    /** A home-cover quote request for 500,000 a year from {@code start}, for the buyer's spouse. */
    static String quoteRequest(String accountId, LocalDate start) {
        return """
                {"accountId":"%s","product":"PROPERTY","sumInsured":"500000","startDate":"%s","termMonths":12,
                 "insured":{"name":"%s","nationalId":"%s","relationship":"SPOUSE"},
                 "declarations":{"address":"1 Chang'an Avenue, Beijing","propertyValue":"800000",
                                 "woodenStructure":"false","floodZone":"false"}}"""
                .formatted(accountId, start, INSURED_NAME, INSURED_NATIONAL_ID);
    }

    /**
     * A first notice of loss on a home-cover policy: {@code incidentType} one of the product's
     * (FIRE, WATER_DAMAGE, BURGLARY), the payout to {@code payoutCardId}, a card bound to the
     * claimant's account ({@link #card}). A policy takes one open claim per incident date and type.
     */
    static String claimBody(String policyId, LocalDate incidentDate, String incidentType, String description,
                            String amountClaimed, String payoutCardId) {
        return """
                {"policyId":"%s","incidentDate":"%s","incidentType":"%s","description":"%s","amountClaimed":"%s",
                 "payoutCardId":"%s"}""".formatted(policyId, incidentDate, incidentType, description, amountClaimed,
                payoutCardId);
    }

    /** The claimant {@code claimant} reports a claim on the policy, paid out to their card: its id. */
    static String claim(Api claimant, String accountId, String policyId, LocalDate incidentDate, String incidentType,
                        String amountClaimed) {
        String description = switch (incidentType) {
            case "FIRE" -> "Kitchen fire";
            case "BURGLARY" -> "Break-in";
            default -> "Burst pipe";
        };
        Reply claimed = claimant.post("/api/claims", claimBody(policyId, incidentDate, incidentType, description,
                amountClaimed, card(claimant, accountId)));
        assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
        return claimed.json().get("claimId").asText();
    }

    static LocalDate today() {
        return LocalDate.now(BUSINESS_ZONE);
    }

    /** A card bound to the account that the simulated gateway pays from: bound once per account and system. */
    static String card(Api buyer, String accountId) {
        return CARDS.computeIfAbsent(buyer.baseUrl() + " " + accountId, key -> {
            Reply bound = buyer.post("/api/accounts/" + accountId + "/cards",
                    "{\"bankCardNumber\":\"" + payingCardNumber() + "\"}");
            assertThat(bound.status()).as(bound.toString()).isEqualTo(201);
            return bound.json().get("cardId").asText();
        });
    }

    /** A random 16-digit card number with a valid check digit whose last four are not 0002 or 0003. */
    static String payingCardNumber() {
        return org.coverledger.ops.load.LoadDriver.cardNumber();
    }
}
