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
import jakarta.validation.Valid;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.FreeText;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.claim.ClaimApi.AssessClaim;
import org.coverledger.events.claim.ClaimApi.AssessmentLine;
import org.coverledger.events.claim.ClaimApi.AssignClaim;
import org.coverledger.events.claim.ClaimApi.ChangePayoutCard;
import org.coverledger.events.claim.ClaimApi.DecideApproval;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.ProvideMaterials;
import org.coverledger.events.claim.ClaimApi.ReasonCode;
import org.coverledger.events.claim.ClaimApi.ReopenClaim;
import org.coverledger.events.claim.ClaimApi.RequestMaterials;
import org.coverledger.events.claim.ClaimApi.RequestedItem;
import org.coverledger.events.claim.ClaimApi.RetryPayout;
import org.coverledger.events.claim.ClaimApi.SubmitClaim;
import org.coverledger.events.claim.ClaimApi.WithdrawClaim;
import org.coverledger.events.claim.ClaimStatus;
import org.coverledger.events.common.Money;
import org.coverledger.platform.Refuses;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The claim's commands over HTTP: the first notice of loss, the adjuster's requests, assessment
 * and approvals, the customer's answers, withdrawal and reopening. Materials are uploaded through
 * {@link MaterialUploadController}; what a claim looks like is on the query side.
 */
@RestController
@RequestMapping("/api/claims")
@Tag(name = "Claims", description = "Report a claim, answer requests for materials, assess, approve, pay, withdraw "
        + "and reopen")
public class ClaimController {

    private static final String INCIDENT_TYPE = "[A-Z][A-Z_]{0,39}";

    public record ClaimRequest(
            @NotBlank @Size(max = 64) String policyId,
            @NotNull LocalDate incidentDate,
            @NotBlank @Pattern(regexp = INCIDENT_TYPE) @Schema(description = "one of the product's incident types "
                    + "(GET /api/products)", example = "HOSPITALIZATION") String incidentType,
            @NotBlank @Size(max = 2000) @FreeText String description,
            @NotNull @Positive @Digits(integer = 13, fraction = 2) BigDecimal amountClaimed,
            @NotBlank @Size(max = 64) String payoutCardId) {
    }

    public record ClaimReceived(String claimId, String status) {
    }

    public record RequestedMaterial(@NotNull MaterialCategory category, @Size(max = 200) @FreeText String description) {
    }

    public record MaterialsRequest(@NotEmpty @Size(max = 20) List<@NotNull @Valid RequestedMaterial> items,
                                   @Size(max = 1000) @FreeText String note) {
    }

    public record ClaimStep(String claimId, String status) {
    }

    public record AssignmentRequest(@NotBlank @Size(max = 64) String adjuster) {
    }

    public record AssessmentLineRequest(@NotBlank @Size(max = 200) @FreeText String item,
                       @NotNull @PositiveOrZero @Digits(integer = 13, fraction = 2) BigDecimal claimed,
                       @NotNull @PositiveOrZero @Digits(integer = 13, fraction = 2) BigDecimal approved,
                       ReasonCode reasonCode) {
    }

    public record AssessmentRequest(@NotEmpty @Size(max = 50) List<@NotNull @Valid AssessmentLineRequest> lines,
                                    @Size(max = 2000) @FreeText String note) {
    }

    public record ApprovalRequest(@NotNull Boolean approve, @Size(max = 1000) @FreeText String note) {
    }

    public record PayoutCardRequest(@NotBlank @Size(max = 64) String payoutCardId) {
    }

    public record WithdrawalRequest(@Size(max = 1000) @FreeText String reason) {
    }

    public record ReopeningRequest(@NotBlank @Size(max = 1000) @FreeText String reason) {
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
    @Refuses({"POLICY_UNKNOWN", "INCIDENT_OUTSIDE_COVER", "INCIDENT_TYPE_NOT_COVERED", "AMOUNT_EXCEEDS_COVER",
            "DUPLICATE_CLAIM", "INCIDENT_IN_FUTURE", "INCIDENT_TOO_OLD", "CARD_UNKNOWN", "ACCOUNT_CLOSED",
            "ACCOUNT_CLOSING", "AMOUNT_NOT_POSITIVE"})
    @PostMapping
    @Operation(summary = "Report a claim on a policy (first notice of loss); it is assigned to an adjuster. The "
            + "Location is its progress on the query side")
    @RequestBody(content = @Content(schema = @Schema(implementation = ClaimRequest.class)))
    public ResponseEntity<ClaimReceived> submit(@org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        ClaimRequest request = validation.read(body, ClaimRequest.class);
        String claimId = UUID.randomUUID().toString();
        commands.send(new SubmitClaim(claimId, request.policyId(), request.incidentDate(), request.incidentType(),
                request.description(), Money.cny(request.amountClaimed()), request.payoutCardId()));
        return ResponseEntity.created(URI.create(queryUrl + "/api/claims/" + claimId + "/progress"))
                .body(new ClaimReceived(claimId, ClaimStatus.SUBMITTED.name()));
    }

    @Refuses({"NO_MATERIALS_NAMED", "CLAIM_CLOSED", "CLAIM_NOT_IN_REVIEW"})
    @PostMapping("/{claimId}/material-requests")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Ask the claimant for more materials (adjusters, admins); they are due in 30 days, the "
            + "customer is reminded 7 days before, and a claim still waiting the day after closes as "
            + "MATERIALS_NOT_PROVIDED")
    @RequestBody(content = @Content(schema = @Schema(implementation = MaterialsRequest.class)))
    public ClaimStep requestMaterials(@PathVariable String claimId,
                                 @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        MaterialsRequest request = validation.read(body, MaterialsRequest.class);
        List<RequestedItem> items = request.items().stream()
                .map(item -> new RequestedItem(item.category(), item.description())).toList();
        return step(claimId, commands.send(new RequestMaterials(claimId, items, request.note())));
    }

    @Refuses({"NO_MATERIALS_REQUESTED", "CLAIM_CLOSED"})
    @PostMapping("/{claimId}/materials/submission")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Say that the materials asked for are all uploaded: the claim goes back to review")
    public ClaimStep provideMaterials(@PathVariable String claimId) {
        Ids.requireKnownFormat("claim", claimId);
        return step(claimId, commands.send(new ProvideMaterials(claimId)));
    }

    @Refuses({"ADJUSTER_UNKNOWN", "CLAIM_CLOSED"})
    @PostMapping("/{claimId}/assignment")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Reassign the claim to one of the configured adjusters (admins)")
    @RequestBody(content = @Content(schema = @Schema(implementation = AssignmentRequest.class)))
    public ClaimStep assign(@PathVariable String claimId, @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        AssignmentRequest request = validation.read(body, AssignmentRequest.class);
        commands.send(new AssignClaim(claimId, request.adjuster()));
        return new ClaimStep(claimId, null);
    }

    @Refuses({"NO_ASSESSMENT_LINES", "APPROVED_ABOVE_CLAIMED", "REASON_REQUIRED", "COVER_EXCEEDED", "CLAIM_CLOSED",
            "CLAIM_NOT_IN_REVIEW"})
    @PostMapping("/{claimId}/assessment")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Assess the claim line by line (adjusters, admins): APPROVED, PARTIALLY_APPROVED or "
            + "REJECTED from the lines, each line below its claim with a reason code. Nothing payable after the "
            + "deductible closes the claim; above the assessor's authority it waits for a second approval; "
            + "otherwise the cover is held on the policy and the payout follows")
    @RequestBody(content = @Content(schema = @Schema(implementation = AssessmentRequest.class)))
    public ClaimStep assess(@PathVariable String claimId, @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        AssessmentRequest request = validation.read(body, AssessmentRequest.class);
        List<AssessmentLine> lines = request.lines().stream().map(line -> new AssessmentLine(line.item(),
                Money.cny(line.claimed()), Money.cny(line.approved()), line.reasonCode())).toList();
        return step(claimId, commands.send(new AssessClaim(claimId, lines, request.note())));
    }

    @Refuses({"NO_APPROVAL_PENDING", "SAME_APPROVER", "ABOVE_AUTHORITY", "COVER_EXCEEDED"})
    @PostMapping("/{claimId}/approval")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "The second approval of an assessment above the assessor's authority, by another adjuster "
            + "whose own limit covers it or an admin: approve (the cover is held, the payout follows) or send it "
            + "back to review")
    @RequestBody(content = @Content(schema = @Schema(implementation = ApprovalRequest.class)))
    public ClaimStep approve(@PathVariable String claimId, @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        ApprovalRequest request = validation.read(body, ApprovalRequest.class);
        return step(claimId, commands.send(new DecideApproval(claimId, request.approve(), request.note())));
    }

    @Refuses({"CARD_UNKNOWN", "CLAIM_CLOSED"})
    @PutMapping("/{claimId}/payout-card")
    @Operation(summary = "Change the card the payout goes to (one bound to the account)")
    @RequestBody(content = @Content(schema = @Schema(implementation = PayoutCardRequest.class)))
    public ClaimStep changePayoutCard(@PathVariable String claimId,
                                 @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        PayoutCardRequest request = validation.read(body, PayoutCardRequest.class);
        commands.send(new ChangePayoutCard(claimId, request.payoutCardId()));
        return new ClaimStep(claimId, null);
    }

    @Refuses({"PAYOUT_NOT_FAILED"})
    @PostMapping("/{claimId}/payout-retry")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Try a parked payout (PAYOUT_FAILED) again, to the card the claim has now (admins)")
    public ClaimStep retryPayout(@PathVariable String claimId) {
        Ids.requireKnownFormat("claim", claimId);
        return step(claimId, commands.send(new RetryPayout(claimId)));
    }

    @Refuses({"CLAIM_CLOSED", "CLAIM_BEING_PAID"})
    @PostMapping("/{claimId}/withdrawal")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Withdraw an open claim (its customer, admins); not once it is approved and being paid")
    @RequestBody(content = @Content(schema = @Schema(implementation = WithdrawalRequest.class)))
    public ClaimStep withdraw(@PathVariable String claimId,
                         @org.springframework.web.bind.annotation.RequestBody(required = false) JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        WithdrawalRequest request = body == null ? new WithdrawalRequest(null)
                : validation.read(body, WithdrawalRequest.class);
        return step(claimId, commands.send(new WithdrawClaim(claimId, request.reason())));
    }

    @Refuses({"CLAIM_NOT_CLOSED", "REOPEN_PERIOD_OVER", "ACCOUNT_CLOSED", "ACCOUNT_CLOSING"})
    @PostMapping("/{claimId}/reopening")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Reopen a closed claim with a reason, within a year of its close (adjusters, admins): it "
            + "is assessed again")
    @RequestBody(content = @Content(schema = @Schema(implementation = ReopeningRequest.class)))
    public ClaimStep reopen(@PathVariable String claimId, @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("claim", claimId);
        ReopeningRequest request = validation.read(body, ReopeningRequest.class);
        return step(claimId, commands.send(new ReopenClaim(claimId, request.reason())));
    }

    private static ClaimStep step(String claimId, ClaimStatus status) {
        return new ClaimStep(claimId, status == null ? null : status.name());
    }
}
