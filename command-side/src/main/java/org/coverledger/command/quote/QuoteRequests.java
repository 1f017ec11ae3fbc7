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
        try {
            owner = accounts.load(command.accountId()).invoke(account -> account.ownerFor(caller));
        } catch (AggregateNotFoundException e) {
            throw Account.unknown(command.accountId());
        }
        QuoteIssued issued = Quote.decide(command, owner, caller.login(), calendar); // a refusal is thrown before the aggregate exists
        return quotes.newInstance(() -> new Quote(issued)).invoke(Quote::status);
    }
}
