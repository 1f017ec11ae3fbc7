package org.coverledger.command.quote;

import static org.axonframework.modelling.command.AggregateLifecycle.apply;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

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
import org.coverledger.events.policy.QuoteApi.AcceptReferredQuote;
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
    private QuoteStatus status;
    private Money annualPremium;
    private boolean accepted;

    protected Quote() {
    }

    /** Made by {@link QuoteRequests}, which has checked that the caller may ask for the account. */
    Quote(RequestQuote command, String owner, BusinessCalendar calendar) {
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
        apply(new QuoteIssued(command.quoteId(), command.accountId(), owner, command.product(), command.sumInsured(),
                command.startDate(), command.termMonths(), command.startDate().plusMonths(command.termMonths()).minusDays(1),
                command.insuredName(), command.insuredNationalId(), command.relationship(), age, plain,
                personal.isEmpty() ? null : json(personal), assessment.annualPremium(), assessment.loadingPercent(),
                assessment.loadings(), assessment.referrals(), referred ? QuoteStatus.REFERRED : QuoteStatus.OFFERED,
                ProductCatalogue.termsVersion(), now, referred ? null : validUntil(now)));
    }

    /** OFFERED or REFERRED, as the rules decided. */
    String status() {
        return status.name();
    }

    private static Instant validUntil(Instant from) {
        return from.plus(Duration.ofDays(ProductCatalogue.catalogue().quoteValidDays()));
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
        if (command.loadingPercent() < 0 || command.loadingPercent() > 200) {
            throw new BusinessRuleViolation("LOADING_INVALID", "A loading is from 0 to 200 percent.");
        }
        Money premium = Money.cny(annualPremium.amount().multiply(java.math.BigDecimal.valueOf(100 + command.loadingPercent()))
                .divide(java.math.BigDecimal.valueOf(100)).setScale(2, java.math.RoundingMode.HALF_UP));
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

    @EventSourcingHandler
    void on(QuoteIssued event) {
        quoteId = event.quoteId();
        accountId = event.accountId();
        status = event.status();
        annualPremium = event.annualPremium();
    }

    @EventSourcingHandler
    void on(QuoteAccepted event) {
        accepted = true;
        annualPremium = event.annualPremium();
    }

    @EventSourcingHandler
    void on(QuoteDeclined event) {
        status = QuoteStatus.DECLINED;
    }
}
