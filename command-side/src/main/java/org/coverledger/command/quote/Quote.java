package org.coverledger.command.quote;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.eventsourcing.EventSourcingHandler;
import org.axonframework.messaging.annotation.MetaDataValue;
import org.axonframework.modelling.command.AggregateIdentifier;
import org.axonframework.spring.stereotype.Aggregate;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.common.NationalId;
import org.coverledger.events.policy.ProductCatalogue;
import org.coverledger.command.policy.PolicyPurchases;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.events.policy.PolicyApi.IssuePolicy;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi;
import org.coverledger.events.policy.QuoteApi.AcceptReferredQuote;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.QuoteApi.PurchaseQuote;
import org.coverledger.events.policy.QuoteApi.QuotePurchased;
import org.coverledger.events.policy.QuoteApi.ExpireQuote;
import org.coverledger.events.policy.QuoteApi.QuoteExpired;
import org.coverledger.events.policy.QuoteApi.DeclineReferredQuote;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.events.policy.QuoteApi.QuoteDeclined;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.events.policy.QuoteApi.QuoteStatus;
import org.coverledger.events.policy.QuoteApi.RequestQuote;

/**
 * A quote: the premium the catalogue's rules give for the cover asked for, valid for the
 * catalogue's days; or, when a declaration needs it, a referral that an underwriter decides.
 */
@Aggregate
public class Quote {

    /** Cover starts from today and at most this many days ahead. */
    static final int LATEST_START_DAYS = 90;
    private static final ObjectMapper JSON = new ObjectMapper();

    @AggregateIdentifier
    private String quoteId;
    private String accountId;
    private String owner;
    private Product product;
    private Money sumInsured;
    private LocalDate startDate;
    private LocalDate endDate;
    private String termsVersion;
    private Instant validUntil;
    private QuoteStatus status;
    private Money annualPremium;
    private boolean accepted;
    private String requestedBy;
    // what a renewal is priced on: the insured's ID (for the age), the term, the answers, the underwriter's loading
    private String insuredNationalId;
    private int termMonths;
    private Map<String, String> answers = new TreeMap<>();
    private int underwriterLoading;
    private String beneficiaries;
    private QuotePurchased purchase;

    protected Quote() {
    }

    /** Made by {@link QuoteRequests} from what {@link #decide} made of the request. */
    Quote(QuoteIssued issued) {
        apply(issued);
    }

    /**
     * The quote's rules applied to a request {@link QuoteRequests} has checked the caller may
     * make: the event that makes the quote, or the refusal (thrown before any aggregate exists).
     */
    static QuoteIssued decide(RequestQuote command, String owner, String requestedBy, BusinessCalendar calendar) {
        LocalDate today = calendar.today();
        if (command.startDate().isBefore(today) || command.startDate().isAfter(today.plusDays(LATEST_START_DAYS))) {
            throw new BusinessRuleViolation("COVER_START_INVALID", "Cover starts from today (" + today
                    + ") and at most " + LATEST_START_DAYS + " days ahead.");
        }
        int age = NationalId.ageOn(command.insuredNationalId(), command.startDate());
        ProductCatalogue.Definition product = ProductCatalogue.of(command.product());
        ProductCatalogue.Assessment assessment = ProductCatalogue.assess(command.product(),
                command.sumInsured().amount(), command.termMonths(), age, command.declarations());
        if (assessment.refused()) {
            throw new BusinessRuleViolation("PRODUCT_RULES_NOT_MET", "The " + command.product()
                    + " product does not offer this cover: " + String.join("; ", assessment.refusals()) + ".");
        }
        Map<String, String> plain = new TreeMap<>();
        Map<String, String> personal = new TreeMap<>();
        for (ProductCatalogue.Question question : product.declarations()) {
            (question.personal() ? personal : plain).put(question.key(), command.declarations().get(question.key()));
        }
        boolean referred = !assessment.referrals().isEmpty();
        Instant now = calendar.now();
        return new QuoteIssued(command.quoteId(), command.accountId(), owner, command.product(), command.sumInsured(),
                command.startDate(), command.termMonths(), command.startDate().plusMonths(command.termMonths()).minusDays(1),
                command.insuredName(), command.insuredNationalId(), command.relationship(), age, plain,
                personal.isEmpty() ? null : json(personal), assessment.annualPremium(), assessment.loadingPercent(),
                underwriting(assessment.loadings(), assessment.referrals()),
                referred ? QuoteStatus.REFERRED : QuoteStatus.OFFERED,
                ProductCatalogue.termsVersion(), now, referred ? null : validUntil(now), requestedBy, beneficiariesJson(command.beneficiaries()));
    }

    /** The beneficiaries as the sealed JSON of QuoteIssued, or none; their shares must add up to 100. */
    static String beneficiariesJson(java.util.List<QuoteApi.Beneficiary> beneficiaries) {
        if (beneficiaries == null || beneficiaries.isEmpty()) {
            return null;
        }
        int total = beneficiaries.stream().mapToInt(QuoteApi.Beneficiary::sharePercent).sum();
        if (total != 100 || beneficiaries.size() > 5) {
            throw new BusinessRuleViolation("BENEFICIARY_SHARES_INVALID", "Name at most five beneficiaries whose "
                    + "shares add up to 100 percent (they add up to " + total + ").");
        }
        try {
            return JSON.writeValueAsString(beneficiaries.stream().map(b -> {
                Map<String, Object> one = new LinkedHashMap<>();
                one.put("name", b.name());
                one.put("relationship", b.relationship().name());
                one.put("sharePercent", b.sharePercent());
                return one;
            }).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** OFFERED or REFERRED, as the rules decided. */
    String status() {
        return status.name();
    }

    private static Instant validUntil(Instant from) {
        return from.plus(Duration.ofDays(ProductCatalogue.catalogue().quoteValidDays()));
    }

    /** The loadings and referral reasons, as the sealed JSON of QuoteIssued. */
    static String underwriting(java.util.List<String> loadings, java.util.List<String> referrals) {
        try {
            Map<String, Object> both = new LinkedHashMap<>();
            both.put("loadings", loadings);
            both.put("referrals", referrals);
            return JSON.writeValueAsString(both);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String json(Map<String, String> answers) {
        try {
            return JSON.writeValueAsString(new LinkedHashMap<>(answers));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @CommandHandler
    public void handle(AcceptReferredQuote command, @MetaDataValue(CommandMetadata.ACTOR) String underwriter,
                       BusinessCalendar calendar) {
        requireReferred();
        if (underwriter.equals(requestedBy)) {
            throw new BusinessRuleViolation("OWN_QUOTE", "Another underwriter decides a quote you asked for.");
        }
        if (command.loadingPercent() < 0 || command.loadingPercent() > 200) {
            throw new BusinessRuleViolation("LOADING_INVALID", "A loading is from 0 to 200 percent.");
        }
        Money premium = annualPremium.loadedBy(command.loadingPercent());
        Instant now = calendar.now();
        apply(new QuoteAccepted(quoteId, accountId, underwriter, command.loadingPercent(), premium, now, validUntil(now)));
    }

    @CommandHandler
    public void handle(DeclineReferredQuote command, @MetaDataValue(CommandMetadata.ACTOR) String underwriter,
                       BusinessCalendar calendar) {
        requireReferred();
        apply(new QuoteDeclined(quoteId, accountId, underwriter, command.reason(), calendar.now()));
    }

    private void requireReferred() {
        if (status != QuoteStatus.REFERRED || accepted) {
            throw new BusinessRuleViolation("QUOTE_NOT_REFERRED", "Only a quote waiting for an underwriter is decided.");
        }
    }

    /** What buying the cover quoted comes to: the policy, and the first premium collected. */
    public record Purchase(String policyId, String policyNumber, PaymentPlan paymentPlan, Money firstPremium,
                           String paymentReference) {
    }

    /**
     * Buys the cover quoted: the customer accepts the terms version the quote was priced under,
     * the first premium (the year's, or a twelfth of it) is collected from a card bound to the
     * account, and the policy is issued in the same commit as the purchase. Sent again, it
     * answers the same purchase and collects nothing more.
     */
    @CommandHandler
    public Purchase handle(PurchaseQuote command, Caller caller, PolicyPurchases purchases, BusinessCalendar calendar)
            throws Exception {
        if (!caller.mayActOn(owner, Role.ADMIN)) {
            throw new UnknownObject("quote", quoteId);
        }
        if (purchase != null) {
            return purchaseOf(purchase);
        }
        String prefix = "quote:" + quoteId + ":first-premium";
        String policyId = UUID.nameUUIDFromBytes(("policy:" + quoteId).getBytes(StandardCharsets.UTF_8)).toString();
        String policyNumber = PolicyPurchases.policyNumber(policyId, calendar.today());
        Instant now = calendar.now();
        // a charge an earlier attempt made is this purchase's payment, whatever has changed since
        PolicyPurchases.Collected paid = purchases.earlier(prefix).orElse(null);
        if (paid == null) {
            if (status != QuoteStatus.OFFERED && !accepted) {
                throw new BusinessRuleViolation("QUOTE_NOT_OFFERED", status == QuoteStatus.DECLINED
                        ? "The quote was declined." : "The quote waits for an underwriter.");
            }
            if (validUntil == null || !validUntil.isAfter(now) || startDate.isBefore(calendar.today())) {
                throw new BusinessRuleViolation("QUOTE_EXPIRED", "The quote has expired; ask for a new one.");
            }
            if (!termsVersion.equals(command.acceptedTermsVersion())) {
                throw new BusinessRuleViolation("TERMS_NOT_ACCEPTED", "Accept the terms version " + termsVersion
                        + " the quote was priced under.");
            }
            Money first = command.paymentPlan() == PaymentPlan.ANNUAL ? annualPremium
                    : Money.cny(annualPremium.amount().divide(java.math.BigDecimal.valueOf(12), 2, java.math.RoundingMode.HALF_UP));
            if (command.paymentPlan() == PaymentPlan.MONTHLY) {
                purchases.requireAutoDebit(accountId, first);
            }
            purchases.reserve(accountId, policyId); // before the charge: a closure waits for this policy
            paid = purchases.collect(prefix, accountId, caller, command.paymentCardId(), first,
                    "first premium of policy " + policyNumber);
        }
        // the plan is the one that was charged (a retry may name another)
        PaymentPlan plan = paid.amount().amount().compareTo(annualPremium.amount()) == 0 ? PaymentPlan.ANNUAL
                : PaymentPlan.MONTHLY;
        purchases.issue(new IssuePolicy(policyId, policyNumber, accountId, product, sumInsured, annualPremium, startDate,
                endDate, plan, quoteId, termsVersion, paid.amount(), paid.reference(), beneficiaries), owner, calendar);
        apply(new QuotePurchased(quoteId, accountId, policyId, policyNumber, plan, paid.amount(), paid.key(),
                paid.reference(), termsVersion, now));
        return purchaseOf(purchase);
    }

    /**
     * The timed step at the end of an offer: an offered quote that was not bought lapses once it
     * is no longer valid, or once its cover would start in the past. Anything else (bought,
     * declined, waiting for an underwriter, expired already, or not yet due because the clock
     * was moved back) leaves it as it is: the step may fire more than once, its effect happens once.
     */
    @CommandHandler
    public void handle(ExpireQuote command, BusinessCalendar calendar) {
        boolean offered = status == QuoteStatus.OFFERED || (status == QuoteStatus.REFERRED && accepted);
        if (!offered || purchase != null) {
            return;
        }
        Instant now = calendar.now();
        if (validUntil.isAfter(now) && !startDate.isBefore(calendar.today())) {
            throw new BusinessRuleViolation("STEP_NOT_DUE", "The quote is valid until " + validUntil + ".");
        }
        apply(new QuoteExpired(quoteId, accountId, validUntil, now));
    }

    private static Purchase purchaseOf(QuotePurchased event) {
        return new Purchase(event.policyId(), event.policyNumber(), event.paymentPlan(), event.firstPremium(),
                event.paymentReference());
    }

    /**
     * The yearly premium of a further term of the cover bought, by the rules in force: the same
     * answers, the insured's age on the new start, the underwriter's loading if one was set. None
     * when the insured's details were erased or the rules no longer offer the cover.
     */
    public java.util.Optional<Money> renewalPremium(Money cover, LocalDate newStart) {
        if (insuredNationalId == null || !NationalId.isValid(insuredNationalId)) {
            return java.util.Optional.empty();
        }
        ProductCatalogue.Assessment assessment = ProductCatalogue.assess(product, cover.amount(), termMonths,
                NationalId.ageOn(insuredNationalId, newStart), answers);
        if (assessment.refused()) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(assessment.annualPremium().loadedBy(underwriterLoading));
    }

    @EventSourcingHandler
    void on(QuoteIssued event) {
        quoteId = event.quoteId();
        accountId = event.accountId();
        owner = event.owner();
        product = event.product();
        sumInsured = event.sumInsured();
        startDate = event.startDate();
        endDate = event.endDate();
        termsVersion = event.termsVersion();
        validUntil = event.validUntil();
        status = event.status();
        annualPremium = event.annualPremium();
        requestedBy = event.requestedBy();
        insuredNationalId = event.insuredNationalId();
        beneficiaries = event.beneficiaries();
        termMonths = event.termMonths();
        answers = new TreeMap<>(event.declarations());
        answers.putAll(personalAnswers(event.personalDeclarations()));
    }

    /** The personal answers, opened (none once erased). */
    private static Map<String, String> personalAnswers(String sealedJson) {
        if (sealedJson == null || !sealedJson.startsWith("{")) {
            return Map.of();
        }
        try {
            return JSON.readValue(sealedJson, new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() { });
        } catch (JsonProcessingException e) {
            return Map.of();
        }
    }

    @EventSourcingHandler
    void on(QuoteAccepted event) {
        accepted = true;
        underwriterLoading = event.loadingPercent();
        annualPremium = event.annualPremium();
        validUntil = event.validUntil();
    }

    @EventSourcingHandler
    void on(QuotePurchased event) {
        purchase = event;
        status = QuoteStatus.PURCHASED;
    }

    @EventSourcingHandler
    void on(QuoteExpired event) {
        status = QuoteStatus.EXPIRED;
    }

    @EventSourcingHandler
    void on(QuoteDeclined event) {
        status = QuoteStatus.DECLINED;
    }
}
