package org.coverledger.command.claim;

import java.math.BigDecimal;
import java.net.URI;
import java.time.LocalDate;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.coverledger.platform.Refuses;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.FreeText;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.claim.ClaimApi.RequestMaterials;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.common.Money;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/claims")
@Tag(name = "Claims", description = "Submit claims and request materials")
public class ClaimController {

    public record ClaimRequest(
            @NotBlank String policyId,
            @NotNull LocalDate incidentDate,
            @NotBlank @Size(max = 2000) @FreeText String description,
            @NotNull @Positive @Digits(integer = 13, fraction = 2) BigDecimal amountClaimed) {
    }

    public record Submitted(String claimId) {
    }

    public record MaterialsRequest(
            @NotEmpty @Size(max = 20) List<@NotBlank @Size(max = 200) String> items,
            @Size(max = 1000) @FreeText String note) {
    }

    public record MaterialsRequestAccepted(String claimId, String status) {
    }

    private final Commands commands;
    private final RequestValidation validation;
    private final String queryUrl;

    public ClaimController(Commands commands, RequestValidation validation,
                           @Value("${coverledger.query-side-url}") String queryUrl) {
        this.commands = commands;
        this.validation = validation;
        this.queryUrl = queryUrl;
    }

    @ResponseStatus(HttpStatus.CREATED) // as the answer sends it, so that the description says 201
    @Refuses({"POLICY_UNKNOWN", "INCIDENT_OUTSIDE_COVER", "ACCOUNT_CLOSED", "ACCOUNT_CLOSING", "AMOUNT_NOT_POSITIVE", "INCIDENT_IN_FUTURE"})
    @PostMapping
    @Operation(summary = "Submit a claim on a policy; the Location is its progress on the query side")
    @RequestBody(content = @Content(schema = @Schema(implementation = ClaimRequest.class)))
    public ResponseEntity<Submitted> submit(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ClaimRequest request = validation.read(body, ClaimRequest.class);
        String claimId = UUID.randomUUID().toString();
        commands.send(new SubmitClaim(claimId, request.policyId(), request.incidentDate(), request.description(),
                Money.cny(request.amountClaimed())));
        return ResponseEntity.created(URI.create(queryUrl + "/api/claims/" + claimId + "/progress"))
                .body(new Submitted(claimId));
    }

    @Refuses({"NO_MATERIALS_NAMED"})
    @PostMapping("/{claimId}/material-requests")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Ask the claimant for more materials (adjusters)")
    @RequestBody(content = @Content(schema = @Schema(implementation = MaterialsRequest.class)))
    public MaterialsRequestAccepted requestMaterials(@PathVariable String claimId,
                                                     @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        MaterialsRequest request = validation.read(body, MaterialsRequest.class);
        commands.send(new RequestMaterials(claimId, request.items(), request.note()));
        return new MaterialsRequestAccepted(claimId, "MATERIALS_REQUESTED");
    }
}
