package org.coverledger.command.quote;

import java.math.BigDecimal;
import java.net.URI;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.NationalIdNumber;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi;
import org.coverledger.events.policy.QuoteApi.AcceptReferredQuote;
import org.coverledger.events.policy.QuoteApi.DeclineReferredQuote;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.QuoteApi.PurchaseQuote;
import org.coverledger.events.policy.QuoteApi.Relationship;
import org.coverledger.events.policy.QuoteApi.RequestQuote;
import org.coverledger.platform.Refuses;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/quotes")
@Tag(name = "Quotes", description = "A price for cover from the product rules (GET /api/products); referrals to an underwriter")
public class QuoteController {

    public record Insured(@NotBlank @Size(max = 50) String name, @NotBlank @NationalIdNumber String nationalId,
                          @NotNull Relationship relationship) {
        @Override
        public String toString() {
            return "Insured[hidden]";
        }
    }

    public record BeneficiaryRequest(@NotBlank @Size(max = 50) String name,
                                     @NotNull QuoteApi.BeneficiaryRelationship relationship,
                                     @NotNull @Min(1) @Max(100) Integer sharePercent) {
        @Override
        public String toString() {
            return "BeneficiaryRequest[hidden]";
        }
    }

    public record QuoteRequest(
            @NotBlank String accountId,
            @NotNull Product product,
            @NotNull @Positive @Digits(integer = 13, fraction = 2) BigDecimal sumInsured,
            @NotNull LocalDate startDate,
            @NotNull @Min(1) @Max(600) Integer termMonths,
            @NotNull @Valid Insured insured,
            @Schema(description = "the product's declaration questions (GET /api/products) by key, answered "
                    + "as text: true/false, a whole number, an amount such as 150000.00, or text")
            Map<@NotBlank @Size(max = 40) String, @NotNull @Size(max = 200) String> declarations,
            @Schema(description = "who is paid on the insured's death, their shares adding up to 100; none: the "
                    + "insured's estate") @Size(max = 5) List<@NotNull @Valid BeneficiaryRequest> beneficiaries) {
        @Override
        public String toString() {
            return "QuoteRequest[" + accountId + ", " + product + "]";
        }
    }

    public record Decision(@NotNull @Min(0) @Max(200)
                           @Schema(description = "extra premium, percent, on top of the rules'") Integer loadingPercent) {
    }

    public record Declination(@NotBlank @Size(max = 500) String reason) {
    }

    public record QuoteMade(String quoteId, String status) {
    }

    public record QuotePurchaseRequest(
            @NotBlank @Size(max = 20) @Schema(description = "the termsVersion of the quote (GET /api/quotes/{id}), "
                    + "which the customer read and accepts") String acceptedTermsVersion,
            @NotBlank String paymentCardId,
            @NotNull PaymentPlan paymentPlan) {
    }

    public record QuotePurchaseMade(String quoteId, String policyId, String policyNumber, PaymentPlan paymentPlan,
                            BigDecimal firstPremium, String paymentReference) {
    }

    private final Commands commands;
    private final RequestValidation validation;
    private final String queryUrl;

    public QuoteController(Commands commands, RequestValidation validation,
                           @Value("${coverledger.query-side-url}") String queryUrl) {
        this.commands = commands;
        this.validation = validation;
        this.queryUrl = queryUrl;
    }

    @ResponseStatus(HttpStatus.CREATED)
    @Refuses({"ACCOUNT_UNKNOWN", "ACCOUNT_CLOSED", "COVER_START_INVALID", "PRODUCT_RULES_NOT_MET",
            "BENEFICIARY_SHARES_INVALID", "INSURED_NOT_HOLDER"})
    @PostMapping
    @Operation(summary = "Ask for a quote: the premium comes from the product's rules, never from the request",
            description = "201 with the quote's status: OFFERED (valid 30 days; the premium and loadings are on the "
                    + "query side at the Location) or REFERRED (a declaration needs an underwriter). Cover starts "
                    + "from today and at most 90 days ahead; the insured's age is taken from their national ID on "
                    + "the start date. 422 PRODUCT_RULES_NOT_MET lists every rule the request breaks.")
    @RequestBody(content = @Content(schema = @Schema(implementation = QuoteRequest.class)))
    public ResponseEntity<QuoteMade> quote(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        QuoteRequest request = validation.read(body, QuoteRequest.class);
        Ids.requireKnownFormat("account", request.accountId());
        String quoteId = UUID.randomUUID().toString();
        String status = commands.send(new RequestQuote(quoteId, request.accountId(), request.product(),
                Money.cny(request.sumInsured()), request.startDate(), request.termMonths(), request.insured().name().trim(),
                request.insured().nationalId(), request.insured().relationship(),
                request.declarations() == null ? Map.of() : request.declarations(),
                request.beneficiaries() == null ? List.of() : request.beneficiaries().stream()
                        .map(b -> new QuoteApi.Beneficiary(b.name().trim(), b.relationship(), b.sharePercent())).toList()));
        return ResponseEntity.created(URI.create(queryUrl + "/api/quotes/" + quoteId)).body(new QuoteMade(quoteId, status));
    }

    @ResponseStatus(HttpStatus.CREATED)
    @Refuses({"QUOTE_NOT_OFFERED", "QUOTE_EXPIRED", "TERMS_NOT_ACCEPTED", "CARD_UNKNOWN", "ACCOUNT_CLOSED",
            "ACCOUNT_CLOSING", "ACCOUNT_UNKNOWN", "AUTO_DEBIT_REQUIRED", "PAYMENT_DECLINED", "PAYMENT_PENDING", "PAYMENT_ATTEMPTS_EXHAUSTED"})
    @PostMapping("/{quoteId}/purchase")
    @Operation(summary = "Buy the cover quoted: the first premium is collected from a bound card, then the policy "
            + "is issued", description = "ANNUAL collects the year's premium, MONTHLY the first twelfth (the rest by "
            + "auto-debit, so MONTHLY needs the account's auto-debit authorization with a cap that covers an "
            + "instalment: 422 AUTO_DEBIT_REQUIRED). The payment is collected at most once per quote: after a declined card another may "
            + "be tried; when an outcome is not known yet (422 PAYMENT_PENDING) no other attempt is made until it "
            + "is, so send the same purchase again later; once bought, the same purchase answers the same policy. The Location is the policy on the query side.")
    @RequestBody(content = @Content(schema = @Schema(implementation = QuotePurchaseRequest.class)))
    public ResponseEntity<QuotePurchaseMade> purchase(@PathVariable String quoteId,
                                              @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("quote", quoteId);
        QuotePurchaseRequest request = validation.read(body, QuotePurchaseRequest.class);
        Quote.Purchase purchase = commands.send(new PurchaseQuote(quoteId, request.acceptedTermsVersion(),
                request.paymentCardId(), request.paymentPlan()));
        return ResponseEntity.created(URI.create(queryUrl + "/api/policies/" + purchase.policyId()))
                .body(new QuotePurchaseMade(quoteId, purchase.policyId(), purchase.policyNumber(), purchase.paymentPlan(),
                        purchase.firstPremium().amount(), purchase.paymentReference()));
    }

    @Refuses({"QUOTE_NOT_REFERRED", "LOADING_INVALID", "OWN_QUOTE"})
    @PostMapping("/{quoteId}/acceptance")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Accept a referred quote (underwriter), with a loading if need be; valid 30 days from now")
    @RequestBody(content = @Content(schema = @Schema(implementation = Decision.class)))
    public QuoteMade accept(@PathVariable String quoteId, @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("quote", quoteId);
        Decision decision = validation.read(body, Decision.class);
        commands.send(new AcceptReferredQuote(quoteId, decision.loadingPercent()));
        return new QuoteMade(quoteId, "OFFERED");
    }

    @Refuses({"QUOTE_NOT_REFERRED"})
    @PostMapping("/{quoteId}/declination")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Decline a referred quote (underwriter), with the reason the customer is given")
    @RequestBody(content = @Content(schema = @Schema(implementation = Declination.class)))
    public QuoteMade decline(@PathVariable String quoteId, @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("quote", quoteId);
        Declination declination = validation.read(body, Declination.class);
        commands.send(new DeclineReferredQuote(quoteId, declination.reason().trim()));
        return new QuoteMade(quoteId, "DECLINED");
    }
}
