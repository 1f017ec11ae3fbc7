package org.coverledger.command.quote;

import java.time.LocalDate;
import java.util.Optional;

import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.policy.PolicyRenewals;
import org.coverledger.events.common.Money;
import org.springframework.stereotype.Component;

/** A renewal is priced as the quote the policy was bought from would be priced today. */
@Component
public class QuoteRerating implements PolicyRenewals.Rerating {

    private final Repository<Quote> quotes;

    public QuoteRerating(Repository<Quote> quotes) {
        this.quotes = quotes;
    }

    @Override
    public Optional<Money> annualPremium(String quoteId, Money sumInsured, LocalDate newStart) {
        try {
            return quotes.load(quoteId).invoke(quote -> quote.renewalPremium(sumInsured, newStart));
        } catch (AggregateNotFoundException e) {
            return Optional.empty();
        }
    }
}
