package org.coverledger.command.policy;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.coverledger.platform.Refuses;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.ChangePolicy;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.Product;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/policies")
@Tag(name = "Policies", description = "Buy and change policies")
public class PolicyController {

    public record PurchaseRequest(
            @NotBlank String accountId,
            @NotNull Product product,
            @NotNull @Positive @Digits(integer = 13, fraction = 2) BigDecimal sumInsured,
            @NotNull @Positive @Digits(integer = 13, fraction = 2) BigDecimal premium,
            @NotNull LocalDate startDate,
            @NotNull LocalDate endDate) {
    }

    public record Issued(String policyId, String policyNumber) {
    }

    public record ChangeRequest(
            @Size(min = 1, max = 100) String beneficiary,
            @Positive @Digits(integer = 13, fraction = 2) BigDecimal sumInsured) {
    }

    public record ChangeAccepted(String policyId, String status) {
    }

    private final Commands commands;
    private final RequestValidation validation;
    private final String queryUrl;

    public PolicyController(Commands commands, RequestValidation validation,
                            @Value("${coverledger.query-side-url}") String queryUrl) {
        this.commands = commands;
        this.validation = validation;
        this.queryUrl = queryUrl;
    }

    @ResponseStatus(HttpStatus.CREATED) // as the answer sends it, so that the description says 201
    @Refuses({"ACCOUNT_UNKNOWN", "ACCOUNT_CLOSED", "ACCOUNT_CLOSING", "COVER_PERIOD_INVALID", "NEGATIVE_AMOUNT"})
    @PostMapping
    @Operation(summary = "Buy a policy for an account; the Location is the policy on the query side")
    @RequestBody(content = @Content(schema = @Schema(implementation = PurchaseRequest.class)))
    public ResponseEntity<Issued> issue(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        // the request is read here; whether its cover period is valid is the Policy's rule (COVER_PERIOD_INVALID)
        PurchaseRequest request = validation.read(body, PurchaseRequest.class);
        String policyId = UUID.randomUUID().toString();
        String policyNumber = policyNumber(policyId);
        commands.send(new IssuePolicy(policyId, policyNumber, request.accountId(), request.product(),
                Money.cny(request.sumInsured()), Money.cny(request.premium()), request.startDate(), request.endDate()));
        return ResponseEntity.created(URI.create(queryUrl + "/api/policies/" + policyId))
                .body(new Issued(policyId, policyNumber));
    }

    @Refuses({"NOTHING_TO_CHANGE", "POLICY_EXPIRED", "NEGATIVE_AMOUNT"})
    @PostMapping("/{policyId}/changes")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Change the beneficiary or sum insured; effective 00:00 the next business day")
    @RequestBody(content = @Content(schema = @Schema(implementation = ChangeRequest.class)))
    public ChangeAccepted change(@PathVariable String policyId,
                                 @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        // a change that names nothing is the Policy's refusal (NOTHING_TO_CHANGE)
        ChangeRequest request = validation.read(body, ChangeRequest.class);
        commands.send(new ChangePolicy(policyId, request.beneficiary(),
                request.sumInsured() == null ? null : Money.cny(request.sumInsured())));
        return new ChangeAccepted(policyId, "ACCEPTED");
    }

    /** Readable on the phone and unique with the policy id: PN + issue date + 10 hex digits. */
    static String policyNumber(String policyId) {
        return PolicyPurchases.policyNumber(policyId, LocalDate.ofInstant(Instant.now(), ZoneOffset.UTC));
    }
}
