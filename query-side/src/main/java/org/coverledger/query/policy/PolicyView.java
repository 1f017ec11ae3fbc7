package org.coverledger.query.policy;

import io.swagger.v3.oas.annotations.media.Schema;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;
import org.springframework.data.mongodb.core.mapping.Field;
import org.springframework.data.mongodb.core.mapping.FieldType;

/**
 * A policy as the policy list and policy detail show it, with its change history. Its status is
 * PENDING_START until 00:00 of the start date, IN_FORCE from then, EXPIRED after the last day,
 * or CANCELLED; a monthly policy whose instalment stays unpaid past its grace period is LAPSED
 * until reinstated. The sums insured and the premium are stored as decimal numbers (Decimal128),
 * so that the list sorts them as numbers; Spring Data's default, text, put 1000.00 before 95.00.
 * Views written before are converted once at start ({@link PolicyAmounts}).
 */
@Document("policy_views")
public record PolicyView(@Id String policyId, String policyNumber, String accountId, String policyholder,
                         String product, String status, @Field(targetType = FieldType.DECIMAL128) BigDecimal sumInsured,
                         @Field(targetType = FieldType.DECIMAL128) BigDecimal premium, String currency,
                         LocalDate startDate, LocalDate endDate, String beneficiary, Instant issuedAt,
                         List<Change> changes,
                         @Schema(description = "the sum insured as issued, before any change") @Field(targetType = FieldType.DECIMAL128) BigDecimal issuedSumInsured,
                         @Schema(description = "ANNUAL or MONTHLY; none for policies issued before quotes") String paymentPlan,
                         @Schema(description = "the quote it was bought from") String quoteId,
                         @Schema(description = "the terms version the customer accepted") String termsVersion,
                         @Schema(description = "what the cancellation came to, once cancelled") Cancellation cancellation,
                         @Schema(description = "every payment and refund, in order") List<Payment> payments,
                         @Schema(description = "MONTHLY: the next instalment's due date") LocalDate nextInstalmentDue,
                         @Schema(description = "MONTHLY: an instalment missed and its grace period, while unpaid") Arrears arrears,
                         @Schema(description = "each term of cover: the first, then each renewal's") List<Term> terms,
                         @Schema(description = "whether the customer chose automatic renewal") Boolean autoRenewal,
                         @Schema(description = "when the notice that renewal is open went out for the current term") Instant renewalNoticeSentAt,
                         @Schema(description = "the first day without cover of each lapse") List<LocalDate> lapsedFrom,
                         @Schema(description = "the day each lapse ended by reinstatement") List<LocalDate> reinstatedOn,
                         @Schema(description = "a change of the sum insured waiting for an underwriter") PendingChange pendingChange,
                         @Schema(description = "changes an underwriter rejected, with the reason") List<Rejection> rejectedChanges,
                         @Schema(description = "who is paid on the insured's death and their shares (names masked for analysts)")
                         List<Beneficiary> beneficiaries,
                         @Schema(description = "the mobile notices about this policy go to, if not the account's (masked by role)")
                         String contactMobile,
                         @Schema(description = "a reinstatement waiting for an underwriter; its referral reasons (health) "
                                 + "for underwriters only") PendingReinstatement pendingReinstatement,
                         @Schema(description = "the current term's renewal, referred to an underwriter because the "
                                 + "term's claims paid more than the configured share of the sum insured, and the "
                                 + "decision") PendingRenewal pendingRenewal,
                         long lastSequence) {

    /** What a policy number looks like ({@code PN}, the issue date and ten hex digits), for checking a query's. */
    public static final String NUMBER = "PN[0-9A-F]{18}";
    /** The reason a malformed policy number in a query is refused. */
    public static final String NUMBER_RULE = "must be a policy number such as PN20261129B5BCAF0B7F";

    /** A renewal waiting for (or decided by) an underwriter: what the term's claims paid of its sum insured. */
    public record PendingRenewal(String referralId, int term, BigDecimal claimsPaid, BigDecimal sumInsured,
                                 BigDecimal share, String requestedBy, Instant requestedAt,
                                 @Schema(description = "PENDING, APPROVED or DECLINED") String decision,
                                 Integer loadingPercent, String reason, String decidedBy) {
    }

    public record PendingReinstatement(String referralId, List<String> referrals, String requestedBy, Instant requestedAt,
                                       String decision, String reason) {
    }

    public record Beneficiary(String name, String relationship, int sharePercent) {
    }

    /** The view as the caller may see it: names of people masked for analysts, reasons withheld from them. */
    public PolicyView shownTo(org.coverledger.events.common.Caller caller) {
        java.util.function.UnaryOperator<String> name = value -> value == null ? null
                : org.coverledger.events.common.PersonalDataMasking.name(value, caller);
        boolean analyst = caller.roles().equals(java.util.Set.of(org.coverledger.events.common.Role.ANALYST));
        return new PolicyView(policyId, policyNumber, accountId, policyholder, product, status, sumInsured, premium,
                currency, startDate, endDate, name.apply(beneficiary), issuedAt,
                changes == null ? null : changes.stream().map(c -> new Change(c.sequence(), name.apply(c.beneficiary()),
                        c.sumInsured(), c.effectiveFrom(), c.changedAt(), c.changedBy())).toList(),
                issuedSumInsured, paymentPlan, quoteId, termsVersion, cancellation, payments, nextInstalmentDue, arrears,
                terms, autoRenewal, renewalNoticeSentAt, lapsedFrom, reinstatedOn, pendingChange,
                rejectedChanges == null ? null : rejectedChanges.stream().map(r -> new Rejection(r.changeId(),
                        r.sumInsured(), analyst ? "[withheld]" : r.reason(), r.rejectedBy(), r.rejectedAt())).toList(),
                beneficiaries == null ? null : beneficiaries.stream().map(b -> new Beneficiary(name.apply(b.name()),
                        b.relationship(), b.sharePercent())).toList(),
                contactMobile == null ? null : org.coverledger.events.common.PersonalDataMasking.mobile(contactMobile,
                        caller, caller.isCustomerOnly()),
                pendingReinstatement == null || caller.hasAnyRole(org.coverledger.events.common.Role.UNDERWRITER,
                        org.coverledger.events.common.Role.ADMIN) ? pendingReinstatement : new PendingReinstatement(
                        pendingReinstatement.referralId(), null, pendingReinstatement.requestedBy(),
                        pendingReinstatement.requestedAt(), pendingReinstatement.decision(),
                        caller.isCustomerOnly() ? pendingReinstatement.reason() : null),
                pendingRenewal == null || !analyst ? pendingRenewal : new PendingRenewal(pendingRenewal.referralId(),
                        pendingRenewal.term(), pendingRenewal.claimsPaid(), pendingRenewal.sumInsured(),
                        pendingRenewal.share(), pendingRenewal.requestedBy(), pendingRenewal.requestedAt(),
                        pendingRenewal.decision(), pendingRenewal.loadingPercent(),
                        pendingRenewal.reason() == null ? null : "[withheld]", pendingRenewal.decidedBy()),
                lastSequence);
    }

    public record PendingChange(String changeId, BigDecimal from, BigDecimal sumInsured, String requestedBy,
                                Instant requestedAt) {
    }

    public record Rejection(String changeId, BigDecimal sumInsured, String reason, String rejectedBy, Instant rejectedAt) {
    }

    /** One term: its days, its yearly premium and plan, and whether it renewed automatically. */
    public record Term(int term, LocalDate from, LocalDate to, BigDecimal annualPremium, String paymentPlan,
                       boolean automatic) {
    }

    /** FIRST_PREMIUM, INSTALMENT, ARREARS (several instalments at once) or REFUND. */
    public record Payment(String kind, Integer fromInstalment, Integer toInstalment, BigDecimal amount,
                          LocalDate dueOn, Instant at, String reference) {
    }

    /** The first instalment unpaid past its due date, why, and the last day of its grace period. */
    public record Arrears(int instalment, LocalDate dueOn, BigDecimal amount, String reason, LocalDate graceUntil) {
    }

    /** A cancellation: on which day, whether in the cooling-off period, the last day covered (none: void), the money. */
    public record Cancellation(LocalDate requestedOn, boolean withinCoolingOff, LocalDate lastDayOfCover,
                               BigDecimal premiumPaid, BigDecimal premiumEarned, BigDecimal fee, BigDecimal refund,
                               String reason) {
    }

    /** One accepted change, in the order accepted. */
    public record Change(long sequence, String beneficiary, BigDecimal sumInsured, Instant effectiveFrom,
                         Instant changedAt, String changedBy) {
    }
}
