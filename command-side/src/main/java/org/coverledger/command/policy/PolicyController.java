package org.coverledger.command.policy;

import java.math.BigDecimal;
import java.time.LocalDate;

import com.fasterxml.jackson.databind.JsonNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import org.coverledger.platform.Refuses;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.Ids;
import org.coverledger.command.infra.RequestValidation;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.CancelPolicy;
import org.coverledger.events.policy.PolicyApi.CancellationReason;
import org.coverledger.events.policy.PolicyApi.ChangePolicy;
import org.coverledger.events.policy.PolicyApi.ReinstatePolicy;
import org.coverledger.events.policy.PolicyApi.DecideReinstatement;
import org.coverledger.events.policy.PolicyApi.DecideRenewalReferral;
import org.coverledger.events.policy.PolicyApi.ApprovePolicyChange;
import org.coverledger.events.policy.PolicyApi.RejectPolicyChange;
import org.coverledger.events.policy.PolicyApi.ChooseAutoRenewal;
import org.coverledger.events.policy.PolicyApi.RenewPolicy;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/policies")
@Tag(name = "Policies", description = "Change policies (they are bought through quotes)")
public class PolicyController {

    public record ChangeRequest(
            @Size(min = 1, max = 100) String beneficiary,
            @jakarta.validation.constraints.Pattern(regexp = "1[3-9]\\d{9}",
                    message = "must be an 11-digit mainland mobile number") String contactMobile,
            @Positive @Digits(integer = 13, fraction = 2) BigDecimal sumInsured) {
    }

    /** APPLIED (a new beneficiary, at once) or REFERRED (a new sum insured, to an underwriter: {@code changeId}). */
    public record ChangeAccepted(String policyId, String status, String changeId) {
    }

    public record ChangeRejection(@jakarta.validation.constraints.NotBlank @Size(max = 500) String reason) {
    }

    public record ChangeApproved(String policyId, String changeId, BigDecimal sumInsured, java.time.Instant effectiveFrom,
                                 BigDecimal annualPremium, BigDecimal premiumDifference, String currency,
                                 String paymentReference) {
    }

    public record CancellationRequest(CancellationReason reason) {
    }

    public record RenewalRequest(@jakarta.validation.constraints.NotBlank @Size(max = 64) String paymentCardId,
                                 org.coverledger.events.policy.QuoteApi.PaymentPlan paymentPlan) {
    }

    public record Renewed(String policyId,
                          @Schema(description = "RENEWED, or REFERRED: the term's claims paid more than the share of the "
                                  + "sum insured a renewal takes without an underwriter; nothing was paid, and once an "
                                  + "underwriter accepts, the same renewal goes through") String status,
                          int term, LocalDate startDate, LocalDate endDate, BigDecimal annualPremium,
                          String paymentPlan, BigDecimal firstPremium, String currency, String paymentReference,
                          @Schema(description = "REFERRED: the referral the underwriter decides") String referralId) {
    }

    public record RenewalAcceptance(@jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(200)
                                    @Schema(description = "extra premium, percent, on the renewal's premium (0 if none)")
                                    Integer loadingPercent) {
    }

    public record AutoRenewalRequest(@jakarta.validation.constraints.NotNull Boolean enabled) {
    }

    public record AutoRenewal(String policyId, boolean autoRenewal) {
    }

    public record ReinstatementRequest(@jakarta.validation.constraints.NotBlank @Size(max = 64) String paymentCardId,
                                       @Size(max = 20) java.util.Map<@jakarta.validation.constraints.NotBlank @Size(max = 40) String,
                                               @jakarta.validation.constraints.NotNull @Size(max = 200) String> declarations) {
    }

    /** {@code status}: IN_FORCE (paid), or REFERRED (the new declaration waits for an underwriter: {@code referralId}). */
    public record Reinstated(String policyId, String status, boolean wasLapsed, int fromInstalment, int toInstalment,
                             BigDecimal amount, String currency, String paymentReference, LocalDate nextDueOn,
                             String referralId) {
    }

    public record ReinstatementDecision(@Size(max = 500) String reason) {
    }

    public record Cancelled(String policyId, String status, boolean withinCoolingOff, LocalDate lastDayOfCover,
                            BigDecimal premiumPaid, BigDecimal premiumEarned, BigDecimal fee, BigDecimal refund,
                            String currency, String refundReference) {
    }

    private final Commands commands;
    private final RequestValidation validation;

    public PolicyController(Commands commands, RequestValidation validation) {
        this.commands = commands;
        this.validation = validation;
    }

    @Refuses({"NOTHING_TO_CHANGE", "POLICY_EXPIRED", "POLICY_NOT_ACTIVE", "NEGATIVE_AMOUNT", "CHANGE_PENDING",
            "PRODUCT_RULES_NOT_MET"})
    @PostMapping("/{policyId}/changes")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "Change the beneficiary or the policy's contact mobile (minor: applies at once) or the sum insured (major: referred to an "
            + "underwriter, effective 00:00 the next day once approved, the premium difference charged or refunded)")
    @RequestBody(content = @Content(schema = @Schema(implementation = ChangeRequest.class)))
    public ChangeAccepted change(@PathVariable String policyId,
                                 @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        // a change that names nothing is the Policy's refusal (NOTHING_TO_CHANGE)
        ChangeRequest request = validation.read(body, ChangeRequest.class);
        String changeId = request.sumInsured() == null ? null : java.util.UUID.randomUUID().toString();
        String status = commands.send(new ChangePolicy(policyId, request.beneficiary(),
                request.sumInsured() == null ? null : Money.cny(request.sumInsured()), changeId, request.contactMobile()));
        return new ChangeAccepted(policyId, status, changeId);
    }

    @Refuses({"OWN_CHANGE", "CHANGE_NEEDS_QUOTE", "AUTO_DEBIT_REQUIRED", "PAYMENT_DECLINED", "PAYMENT_PENDING",
            "REFUND_PENDING"})
    @PostMapping("/{policyId}/changes/{changeId}/approval")
    @Operation(summary = "An underwriter approves a referred change: effective 00:00 the next day, the premium "
            + "re-priced by the rules and the difference for the rest of the term charged or refunded")
    public ChangeApproved approve(@PathVariable String policyId, @PathVariable String changeId) {
        Ids.requireKnownFormat("policy", policyId);
        Ids.requireKnownFormat("change", changeId);
        Policy.ChangeDecision done = commands.send(new ApprovePolicyChange(policyId, changeId));
        return new ChangeApproved(policyId, changeId, done.sumInsured().amount(), done.effectiveFrom(),
                done.annualPremium().amount(), done.premiumDifference().amount(), done.annualPremium().currency(),
                done.paymentReference());
    }

    @Refuses({"OWN_CHANGE"})
    @PostMapping("/{policyId}/changes/{changeId}/rejection")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "An underwriter rejects a referred change, with a reason the customer sees")
    @RequestBody(content = @Content(schema = @Schema(implementation = ChangeRejection.class)))
    public ChangeAccepted reject(@PathVariable String policyId, @PathVariable String changeId,
                                 @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        Ids.requireKnownFormat("change", changeId);
        ChangeRejection request = validation.read(body, ChangeRejection.class);
        commands.send(new RejectPolicyChange(policyId, changeId, request.reason()));
        return new ChangeAccepted(policyId, "REJECTED", changeId);
    }

    @Refuses({"POLICY_NOT_ACTIVE", "CLAIM_OPEN", "REFUND_PENDING"})
    @PostMapping("/{policyId}/cancellation")
    @Operation(summary = "Cancel the policy: within the cooling-off period (15 days after the purchase) it is void "
            + "and the premium paid comes back whole; afterwards cover ends after today and the unearned premium "
            + "comes back less a 10 % fee. Refused while a claim on the policy is open")
    @RequestBody(content = @Content(schema = @Schema(implementation = CancellationRequest.class)))
    public Cancelled cancel(@PathVariable String policyId,
                            @org.springframework.web.bind.annotation.RequestBody(required = false) JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        CancellationRequest request = body == null ? new CancellationRequest(null)
                : validation.read(body, CancellationRequest.class);
        Policy.Cancellation done = commands.send(new CancelPolicy(policyId,
                request.reason() == null ? CancellationReason.OTHER : request.reason()));
        return new Cancelled(policyId, "CANCELLED", done.withinCoolingOff(), done.lastDayOfCover(),
                done.premiumPaid().amount(), done.premiumEarned().amount(), done.fee().amount(),
                done.refund().amount(), done.refund().currency(), done.refundReference());
    }

    @Refuses({"NOTHING_DUE", "REINSTATEMENT_PERIOD_OVER", "PRODUCT_RULES_NOT_MET", "REINSTATEMENT_REFERRED",
            "REINSTATEMENT_DECLINED", "PAYMENT_ATTEMPTS_EXHAUSTED",
            "PAYMENT_DECLINED", "PAYMENT_PENDING", "CARD_UNKNOWN", "ACCOUNT_CLOSED"})
    @PostMapping("/{policyId}/reinstatement")
    @Operation(summary = "Pay what a monthly policy owes from a bound card: in the grace period the missed "
            + "instalments; once lapsed (within two years, before the term ends) the same reinstates it from today, "
            + "HEALTH and LIFE with a new health declaration (declarations, as for a quote)")
    @RequestBody(content = @Content(schema = @Schema(implementation = ReinstatementRequest.class)))
    public Reinstated reinstate(@PathVariable String policyId,
                                @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        ReinstatementRequest request = validation.read(body, ReinstatementRequest.class);
        Policy.Reinstatement done = commands.send(new ReinstatePolicy(policyId, request.paymentCardId(),
                request.declarations() == null ? java.util.Map.of() : request.declarations()));
        return new Reinstated(policyId, done.status(), done.wasLapsed(), done.fromInstalment(), done.toInstalment(),
                done.amount().amount(), done.amount().currency(), done.paymentReference(), done.nextDueOn(),
                done.referralId());
    }

    @Refuses({"OWN_CHANGE"})
    @PostMapping("/{policyId}/reinstatement/{referralId}/approval")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "An underwriter approves a referred reinstatement: the customer may then pay what is due")
    public ChangeAccepted approveReinstatement(@PathVariable String policyId, @PathVariable String referralId) {
        Ids.requireKnownFormat("policy", policyId);
        Ids.requireKnownFormat("reinstatement referral", referralId);
        commands.send(new DecideReinstatement(policyId, referralId, true, null));
        return new ChangeAccepted(policyId, "APPROVED", referralId);
    }

    @Refuses({"OWN_CHANGE"})
    @PostMapping("/{policyId}/reinstatement/{referralId}/rejection")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "An underwriter declines a referred reinstatement, with a reason the customer sees")
    @RequestBody(content = @Content(schema = @Schema(implementation = ChangeRejection.class)))
    public ChangeAccepted declineReinstatement(@PathVariable String policyId, @PathVariable String referralId,
                                               @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        Ids.requireKnownFormat("reinstatement referral", referralId);
        ChangeRejection request = validation.read(body, ChangeRejection.class);
        commands.send(new DecideReinstatement(policyId, referralId, false, request.reason()));
        return new ChangeAccepted(policyId, "DECLINED", referralId);
    }

    @Refuses({"POLICY_NOT_ACTIVE", "ARREARS_OUTSTANDING", "RENEWAL_NOT_OPEN", "RENEWAL_NEEDS_QUOTE",
            "RENEWAL_REFERRED", "RENEWAL_DECLINED",
            "AUTO_DEBIT_REQUIRED", "PAYMENT_DECLINED", "PAYMENT_PENDING", "CARD_UNKNOWN", "ACCOUNT_CLOSED"})
    @PostMapping("/{policyId}/renewal")
    @Operation(summary = "Renew for a further term from the day after the end, at the premium the rules give now, "
            + "paying its first premium from a bound card (the year's, or the first instalment: MONTHLY needs the "
            + "account's auto-debit); open from 30 days before the end to the last day. When the term's claims paid "
            + "more than the configured share of the sum insured, the answer is REFERRED and an underwriter decides")
    @RequestBody(content = @Content(schema = @Schema(implementation = RenewalRequest.class)))
    public Renewed renew(@PathVariable String policyId,
                         @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        RenewalRequest request = validation.read(body, RenewalRequest.class);
        Policy.Renewal done = commands.send(new RenewPolicy(policyId, request.paymentCardId(), request.paymentPlan()));
        if ("REFERRED".equals(done.status())) {
            return new Renewed(policyId, done.status(), done.term(), done.startDate(), done.endDate(), null, null, null,
                    null, null, done.referralId());
        }
        return new Renewed(policyId, done.status(), done.term(), done.startDate(), done.endDate(),
                done.annualPremium().amount(), done.paymentPlan().name(), done.firstPremium().amount(),
                done.firstPremium().currency(), done.paymentReference(), null);
    }

    @Refuses({"OWN_CHANGE", "LOADING_INVALID"})
    @PostMapping("/{policyId}/renewal/{referralId}/approval")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "An underwriter accepts a renewal the term's claims referred, with a loading if need be: the "
            + "customer's renewal (or the automatic one on the last day) then goes through")
    @RequestBody(required = false, content = @Content(schema = @Schema(implementation = RenewalAcceptance.class)))
    public ChangeAccepted acceptRenewal(@PathVariable String policyId, @PathVariable String referralId,
                                        @org.springframework.web.bind.annotation.RequestBody(required = false)
                                        JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        Ids.requireKnownFormat("renewal referral", referralId);
        RenewalAcceptance request = body == null || body.isNull() ? new RenewalAcceptance(null)
                : validation.read(body, RenewalAcceptance.class);
        commands.send(new DecideRenewalReferral(policyId, referralId, true, request.loadingPercent(), null));
        return new ChangeAccepted(policyId, "APPROVED", referralId);
    }

    @Refuses({"OWN_CHANGE"})
    @PostMapping("/{policyId}/renewal/{referralId}/rejection")
    @ResponseStatus(HttpStatus.ACCEPTED)
    @Operation(summary = "An underwriter declines a renewal the term's claims referred, with a reason the customer "
            + "sees: the policy ends with its term")
    @RequestBody(content = @Content(schema = @Schema(implementation = ChangeRejection.class)))
    public ChangeAccepted declineRenewal(@PathVariable String policyId, @PathVariable String referralId,
                                         @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        Ids.requireKnownFormat("renewal referral", referralId);
        ChangeRejection request = validation.read(body, ChangeRejection.class);
        commands.send(new DecideRenewalReferral(policyId, referralId, false, null, request.reason()));
        return new ChangeAccepted(policyId, "DECLINED", referralId);
    }

    @Refuses({"POLICY_NOT_ACTIVE", "AUTO_DEBIT_REQUIRED", "ACCOUNT_UNKNOWN"})
    @PostMapping("/{policyId}/auto-renewal")
    @Operation(summary = "Choose (or stop) automatic renewal: on the term's last day the policy renews on the same "
            + "plan, debited under the account's auto-debit authorization, which must cover the premium")
    @RequestBody(content = @Content(schema = @Schema(implementation = AutoRenewalRequest.class)))
    public AutoRenewal autoRenewal(@PathVariable String policyId,
                                   @org.springframework.web.bind.annotation.RequestBody JsonNode body) {
        Ids.requireKnownFormat("policy", policyId);
        AutoRenewalRequest request = validation.read(body, AutoRenewalRequest.class);
        commands.send(new ChooseAutoRenewal(policyId, request.enabled()));
        return new AutoRenewal(policyId, request.enabled());
    }
}
