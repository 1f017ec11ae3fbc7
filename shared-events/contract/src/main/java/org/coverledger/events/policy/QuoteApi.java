package org.coverledger.events.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/**
 * Quotes: a price for cover, computed from the product catalogue's rules (never taken from the
 * request), valid for 30 days; a declaration that needs underwriting sends the quote to an
 * underwriter, who accepts it (with a loading if need be) or declines it with a reason.
 */
public final class QuoteApi {

    private QuoteApi() {
    }

    /** Who the cover is for, as the policyholder is to them. */
    public enum Relationship { SELF, SPOUSE, CHILD, PARENT }

    public enum QuoteStatus { OFFERED, REFERRED, DECLINED, PURCHASED, EXPIRED }

    /** How the premium is paid: once a year, or in twelve monthly instalments by auto-debit. */
    public enum PaymentPlan { ANNUAL, MONTHLY }

    /**
     * {@code declarations}: the product's questions by key and their answers as text; the
     * answers a product marks personal (an address) are sealed in the event.
     */
    /** Who is paid on the insured's death: a name, how they are related to the insured, their share in percent. */
    public record Beneficiary(String name, BeneficiaryRelationship relationship, int sharePercent) {
        @Override
        public String toString() {
            return "Beneficiary[hidden]";
        }
    }

    public enum BeneficiaryRelationship { SPOUSE, CHILD, PARENT, SIBLING, OTHER }

    /**
     * {@code beneficiaries} may be empty (the insured's estate, as the law says); else their
     * shares add up to 100.
     */
    public record RequestQuote(@TargetAggregateIdentifier String quoteId, String accountId, Product product,
                               Money sumInsured, LocalDate startDate, int termMonths, String insuredName,
                               String insuredNationalId, Relationship relationship, Map<String, String> declarations,
                               List<Beneficiary> beneficiaries) {
        @Override
        public String toString() {
            return "RequestQuote[" + quoteId + ", " + accountId + ", " + product + "]";
        }
    }

    public record AcceptReferredQuote(@TargetAggregateIdentifier String quoteId, int loadingPercent) {
    }

    public record DeclineReferredQuote(@TargetAggregateIdentifier String quoteId, String reason) {
    }

    /** A timed step: an offered quote not bought by its {@code validUntil} expires. */
    public record ExpireQuote(@TargetAggregateIdentifier String quoteId) {
    }

    /** Buy the cover quoted: the first premium is collected from the bound card, then the policy is issued. */
    public record PurchaseQuote(@TargetAggregateIdentifier String quoteId, String acceptedTermsVersion,
                                String paymentCardId, PaymentPlan paymentPlan) {
    }

    /**
     * The rules' answer: OFFERED at the premium, valid until {@code validUntil}, or REFERRED to
     * an underwriter for the {@code referrals} (declaration keys). {@code owner} is the login
     * that acts for the account. {@code personalDeclarations} holds the personal answers as JSON;
     * {@code underwriting} the loadings and referral reasons the answers led to, as JSON
     * {@code {"loadings":[...],"referrals":[...]}}: they speak of the insured's health, so both are
     * sealed like other personal data. Revision 2 added {@code beneficiaries}, as JSON
     * {@code [{name, relationship, sharePercent}]}, sealed; older quotes read with none.
     */
    @org.axonframework.serialization.Revision("2")
    public record QuoteIssued(String quoteId, @DataSubject String accountId, String owner, Product product,
                              Money sumInsured, LocalDate startDate, int termMonths, LocalDate endDate,
                              @PersonalData String insuredName, @PersonalData String insuredNationalId,
                              Relationship relationship, int insuredAge, Map<String, String> declarations,
                              @PersonalData String personalDeclarations, Money annualPremium, int loadingPercent,
                              @PersonalData String underwriting, QuoteStatus status, String termsVersion,
                              Instant quotedAt, Instant validUntil, String requestedBy,
                              @PersonalData String beneficiaries) {
        @Override
        public String toString() {
            return "QuoteIssued[" + quoteId + ", " + accountId + ", " + product + ", " + status + "]";
        }
    }

    public record QuoteAccepted(String quoteId, String accountId, String underwriter, int loadingPercent,
                                Money annualPremium, Instant acceptedAt, Instant validUntil) {
    }

    /** The reason may speak of the insured's health: it is sealed like other personal data. */
    public record QuoteDeclined(String quoteId, @DataSubject String accountId, String underwriter,
                                @PersonalData String reason, Instant declinedAt) {
        @Override
        public String toString() {
            return "QuoteDeclined[" + quoteId + ", " + underwriter + "]";
        }
    }

    /** The offer lapsed unbought at {@code validUntil}. */
    public record QuoteExpired(String quoteId, String accountId, Instant validUntil, Instant at) {
    }

    /**
     * The first premium was collected ({@code paymentReference} is the gateway's) and the policy
     * issued, in the same commit as its PolicyIssued.
     */
    public record QuotePurchased(String quoteId, String accountId, String policyId, String policyNumber,
                                 PaymentPlan paymentPlan, Money firstPremium, String paymentKey,
                                 String paymentReference, String acceptedTermsVersion, Instant purchasedAt) {
    }
}
