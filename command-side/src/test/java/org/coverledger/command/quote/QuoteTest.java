package org.coverledger.command.quote;

import static org.coverledger.command.support.Callers.as;
import static org.coverledger.command.support.Callers.underwriter;
import static org.coverledger.command.support.Refusals.refused;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.account.Account;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi.AcceptReferredQuote;
import org.coverledger.events.policy.QuoteApi.DeclineReferredQuote;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.events.policy.QuoteApi.QuoteDeclined;
import org.coverledger.events.policy.QuoteApi.ExpireQuote;
import org.coverledger.events.policy.QuoteApi.QuoteExpired;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.events.policy.QuoteApi.QuoteStatus;
import org.coverledger.events.policy.QuoteApi.Relationship;
import org.coverledger.events.policy.QuoteApi.RequestQuote;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Quotes: the premium from the catalogue's rules, the cover's start, referrals and the underwriter's decision. */
class QuoteTest {

    // 10:00 in Shanghai on 10 March 2026
    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final LocalDate TODAY = LocalDate.parse("2026-03-10");
    private static final String INSURED_ID = "110105199001011232"; // born 1 January 1990: 36 at the start

    private final AggregateTestFixture<Quote> fixture = new AggregateTestFixture<>(Quote.class);
    private final BusinessCalendar calendar = new BusinessCalendar(Clock.fixed(NOW, ZoneOffset.UTC),
            BusinessCalendar.DEFAULT_ZONE);

    @BeforeEach
    void setUp() {
        fixture.registerInjectableResource(calendar);
        var accounts = OtherAggregates.repository(Account.class, "acc-1",
                List.of(new AccountRegistered("acc-1", "acc-1", "Zhang San", INSURED_ID, "13812345678", null)));
        fixture.registerAnnotatedCommandHandler(new QuoteRequests(accounts, fixture.getRepository()));
    }

    private static org.axonframework.messaging.MetaData customer() {
        return as("acc-1", "CUSTOMER");
    }

    private static Map<String, String> health(boolean smoker, boolean hospital) {
        return Map.of("smoker", Boolean.toString(smoker), "hospitalizedLast2Years", Boolean.toString(hospital),
                "chronicCondition", "false");
    }

    private static RequestQuote request(LocalDate start, Map<String, String> declarations) {
        return new RequestQuote("q-1", "acc-1", Product.HEALTH, Money.cny("300000"), start, 12, "Zhang San",
                INSURED_ID, Relationship.SELF, declarations, List.of());
    }

    private static QuoteIssued issued(Map<String, String> declarations, Money premium, int loading, List<String> loadings,
                                      List<String> referrals, QuoteStatus status, Instant validUntil) {
        return new QuoteIssued("q-1", "acc-1", "acc-1", Product.HEALTH, Money.cny("300000"), TODAY.plusDays(1), 12,
                TODAY.plusDays(1).plusMonths(12).minusDays(1), "Zhang San", INSURED_ID, Relationship.SELF, 36,
                new java.util.TreeMap<>(), sealedAnswers(declarations), premium, loading, Quote.underwriting(loadings, referrals), status,
                "2026-11", NOW, validUntil, "acc-1", null);
    }

    /** The health answers are personal: they travel together, sealed, as JSON in key order. */
    private static String sealedAnswers(Map<String, String> declarations) {
        StringBuilder json = new StringBuilder("{");
        new java.util.TreeMap<>(declarations).forEach((key, answer) ->
                json.append(json.length() > 1 ? "," : "").append('"').append(key).append("\":\"").append(answer).append('"'));
        return json.append('}').toString();
    }

    @Test
    void the_premium_comes_from_the_rules_and_the_quote_is_valid_thirty_days() {
        fixture.givenNoPriorActivity()
                .when(request(TODAY.plusDays(1), health(true, false)), customer())
                .expectEvents(issued(health(true, false), Money.cny("675.00"), 25, List.of("smoker +25%"), List.of(),
                        QuoteStatus.OFFERED, NOW.plus(Duration.ofDays(30))));
    }

    @Test
    void a_declaration_that_needs_underwriting_refers_the_quote_without_a_validity() {
        fixture.givenNoPriorActivity()
                .when(request(TODAY.plusDays(1), health(false, true)), customer())
                .expectEvents(issued(health(false, true), Money.cny("540.00"), 0, List.of(),
                        List.of("hospitalizedLast2Years"), QuoteStatus.REFERRED, null));
    }

    @Test
    void cover_never_starts_in_the_past_or_more_than_ninety_days_ahead() {
        for (LocalDate start : List.of(TODAY.minusDays(1), TODAY.plusDays(91), LocalDate.parse("9999-01-01"))) {
            fixture.givenNoPriorActivity()
                    .when(request(start, health(false, false)), customer())
                    .expectException(refused("COVER_START_INVALID"));
        }
    }

    @Test
    void a_request_outside_the_products_rules_is_refused_with_every_reason() {
        Map<String, String> partial = new HashMap<>(health(false, false));
        partial.remove("chronicCondition");
        fixture.givenNoPriorActivity()
                .when(new RequestQuote("q-1", "acc-1", Product.HEALTH, Money.cny("5000"),
                        TODAY.plusDays(1), 24, "Zhang San", INSURED_ID, Relationship.SELF, partial, List.of()), customer())
                .expectException(refused("PRODUCT_RULES_NOT_MET"))
                .expectExceptionMessage("The HEALTH product does not offer this cover: the sum insured must be from "
                        + "10000 to 2000000; the term must be one of [12] months; declaration 'chronicCondition' must "
                        + "be answered.");
    }

    @Test
    void another_customer_cannot_ask_for_a_quote_on_the_account() {
        fixture.givenNoPriorActivity()
                .when(request(TODAY.plusDays(1), health(false, false)), as("acc-2", "CUSTOMER"))
                .expectException(refused("ACCOUNT_UNKNOWN"))
                .expectNoEvents();
    }

    @Test
    void an_underwriter_never_decides_a_quote_they_asked_for() {
        QuoteIssued referred = issued(health(false, true), Money.cny("540.00"), 0, List.of(),
                List.of("hospitalizedLast2Years"), QuoteStatus.REFERRED, null);
        QuoteIssued askedByUma = new QuoteIssued(referred.quoteId(), referred.accountId(), referred.owner(),
                referred.product(), referred.sumInsured(), referred.startDate(), referred.termMonths(), referred.endDate(),
                referred.insuredName(), referred.insuredNationalId(), referred.relationship(), referred.insuredAge(),
                referred.declarations(), referred.personalDeclarations(), referred.annualPremium(),
                referred.loadingPercent(), referred.underwriting(), referred.status(),
                referred.termsVersion(), referred.quotedAt(), referred.validUntil(), "uma", null);
        fixture.given(askedByUma)
                .when(new AcceptReferredQuote("q-1", 0), underwriter())
                .expectException(refused("OWN_QUOTE"))
                .expectNoEvents();
    }

    @Test
    void an_underwriter_accepts_a_referred_quote_with_a_loading_or_declines_it() {
        QuoteIssued referred = issued(health(false, true), Money.cny("540.00"), 0, List.of(),
                List.of("hospitalizedLast2Years"), QuoteStatus.REFERRED, null);
        fixture.given(referred)
                .when(new AcceptReferredQuote("q-1", 20), underwriter())
                .expectEvents(new QuoteAccepted("q-1", "acc-1", "uma", 20, Money.cny("648.00"), NOW,
                        NOW.plus(Duration.ofDays(30))));
        fixture.given(referred)
                .when(new DeclineReferredQuote("q-1", "Recent hospital stay; apply again in a year."), underwriter())
                .expectEvents(new QuoteDeclined("q-1", "acc-1", "uma", "Recent hospital stay; apply again in a year.", NOW));
        fixture.given(referred, new QuoteDeclined("q-1", "acc-1", "uma", "no", NOW))
                .when(new AcceptReferredQuote("q-1", 0), underwriter())
                .expectException(refused("QUOTE_NOT_REFERRED"));
        fixture.given(issued(health(false, false), Money.cny("540.00"), 0, List.of(), List.of(), QuoteStatus.OFFERED,
                        NOW.plus(Duration.ofDays(30))))
                .when(new DeclineReferredQuote("q-1", "no"), as("uma", "UNDERWRITER"))
                .expectException(refused("QUOTE_NOT_REFERRED"));
    }

    @Test
    void an_offer_not_bought_expires_at_the_end_of_its_validity_once_and_only_then() {
        org.axonframework.messaging.MetaData system = as("system", "");
        QuoteIssued lapsed = issued(health(false, false), Money.cny("540.00"), 0, List.of(), List.of(),
                QuoteStatus.OFFERED, NOW.minusSeconds(1));
        fixture.given(lapsed)
                .when(new ExpireQuote("q-1"), system)
                .expectEvents(new QuoteExpired("q-1", "acc-1", NOW.minusSeconds(1), NOW));
        fixture.given(lapsed, new QuoteExpired("q-1", "acc-1", NOW.minusSeconds(1), NOW))
                .when(new ExpireQuote("q-1"), system)
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
        // still valid (a clock moved back): not due
        fixture.given(issued(health(false, false), Money.cny("540.00"), 0, List.of(), List.of(), QuoteStatus.OFFERED,
                        NOW.plus(Duration.ofDays(1))))
                .when(new ExpireQuote("q-1"), system)
                .expectException(refused("STEP_NOT_DUE"))
                .expectNoEvents();
        // waiting for an underwriter, or declined: nothing to expire
        fixture.given(issued(health(false, true), Money.cny("540.00"), 0, List.of(), List.of("hospitalizedLast2Years"),
                        QuoteStatus.REFERRED, null))
                .when(new ExpireQuote("q-1"), system)
                .expectSuccessfulHandlerExecution()
                .expectNoEvents();
    }

    @Test
    void beneficiaries_are_kept_in_the_quote_as_one_sealed_field() {
        RequestQuote withHeirs = new RequestQuote("q-1", "acc-1", Product.HEALTH, Money.cny("300000"), TODAY.plusDays(1), 12,
                "Zhang San", INSURED_ID, Relationship.SELF, health(false, false), List.of(
                new org.coverledger.events.policy.QuoteApi.Beneficiary("Zhang Xiaoming",
                        org.coverledger.events.policy.QuoteApi.BeneficiaryRelationship.CHILD, 60),
                new org.coverledger.events.policy.QuoteApi.Beneficiary("Li Hua",
                        org.coverledger.events.policy.QuoteApi.BeneficiaryRelationship.SPOUSE, 40)));
        fixture.givenNoPriorActivity()
                .when(withHeirs, customer())
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(new org.hamcrest.CustomTypeSafeMatcher<QuoteIssued>(
                                "a quote with both beneficiaries") {
                            @Override
                            protected boolean matchesSafely(QuoteIssued issued) {
                                return ("[{\"name\":\"Zhang Xiaoming\",\"relationship\":\"CHILD\",\"sharePercent\":60},"
                                        + "{\"name\":\"Li Hua\",\"relationship\":\"SPOUSE\",\"sharePercent\":40}]")
                                        .equals(issued.beneficiaries());
                            }
                        }, org.axonframework.test.matchers.Matchers.andNoMore())));
    }

    @Test
    void beneficiaries_whose_shares_do_not_add_up_to_a_hundred_are_refused() {
        fixture.givenNoPriorActivity()
                .when(new RequestQuote("q-1", "acc-1", Product.HEALTH, Money.cny("300000"), TODAY.plusDays(1), 12,
                        "Zhang San", INSURED_ID, Relationship.SELF, health(false, false), List.of(
                        new org.coverledger.events.policy.QuoteApi.Beneficiary("Zhang Xiaoming",
                                org.coverledger.events.policy.QuoteApi.BeneficiaryRelationship.CHILD, 60))), customer())
                .expectException(refused("BENEFICIARY_SHARES_INVALID"))
                .expectNoEvents();
    }

    @Test
    void an_insured_named_as_self_is_the_account_holder() {
        fixture.givenNoPriorActivity()
                .when(new RequestQuote("q-1", "acc-1", Product.HEALTH, Money.cny("300000"), TODAY.plusDays(1), 12,
                        "Li Na", "110105198503150027", Relationship.SELF, health(false, false), List.of()), customer())
                .expectException(refused("INSURED_NOT_HOLDER"))
                .expectNoEvents();
    }

    @Test
    void a_family_member_is_insured_under_their_own_id() {
        fixture.givenNoPriorActivity()
                .when(new RequestQuote("q-1", "acc-1", Product.HEALTH, Money.cny("300000"), TODAY.plusDays(1), 12,
                        "Li Na", "110105198503150027", Relationship.SPOUSE, health(false, false), List.of()), customer())
                .expectSuccessfulHandlerExecution();
    }
}
