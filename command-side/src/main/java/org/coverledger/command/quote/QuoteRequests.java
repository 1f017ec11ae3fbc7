package org.coverledger.command.quote;

import org.axonframework.commandhandling.CommandHandler;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.Repository;
import org.coverledger.command.account.Account;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Caller;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.events.policy.QuoteApi.RequestQuote;
import org.springframework.stereotype.Component;

/** A quote is made for an open account the caller may act for; the quote applies the product's rules. */
@Component
public class QuoteRequests {

    private final Repository<Account> accounts;
    private final Repository<Quote> quotes;

    public QuoteRequests(Repository<Account> accounts, Repository<Quote> quotes) {
        this.accounts = accounts;
        this.quotes = quotes;
    }

    @CommandHandler
    public String handle(RequestQuote command, Caller caller, BusinessCalendar calendar) throws Exception {
        String owner;
        boolean holder;
        try {
            var account = accounts.load(command.accountId());
            owner = account.invoke(a -> a.ownerFor(caller));
            holder = account.invoke(a -> a.heldBy(command.insuredNationalId()));
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(command.accountId());
        }
        if (command.relationship() == org.coverledger.events.policy.QuoteApi.Relationship.SELF && !holder) {
            throw new org.coverledger.events.common.BusinessRuleViolation("INSURED_NOT_HOLDER", "An insured who is "
                    + "the policyholder (SELF) has the account holder's national ID; for a family member, name the "
                    + "relationship.");
        }
        QuoteIssued issued = Quote.decide(command, owner, caller.login(), calendar); // a refusal is thrown before the aggregate exists
        return quotes.newInstance(() -> new Quote(issued)).invoke(Quote::status);
    }
}
