package org.coverledger.command.quote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.command.support.Callers.as;
import static org.coverledger.command.support.Refusals.refused;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import com.mongodb.client.MongoDatabase;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.messaging.MetaData;
import org.axonframework.test.aggregate.AggregateTestFixture;
import org.coverledger.command.account.Account;
import org.coverledger.command.account.AccountHoldings;
import org.coverledger.command.payment.SimulatedGateway;
import org.coverledger.command.policy.Policy;
import org.coverledger.command.policy.PolicyPurchases;
import org.coverledger.command.support.OtherAggregates;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.account.AccountApi.CardBound;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.coverledger.events.policy.QuoteApi.PurchaseQuote;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.events.policy.QuoteApi.QuotePurchased;
import org.coverledger.events.policy.QuoteApi.QuoteStatus;
import org.coverledger.events.policy.QuoteApi.Relationship;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Buying a quoted cover: the terms accepted, the first premium collected once from a bound card
 * through the payment port (the simulated gateway on a real wire-protocol MongoDB), the policy
 * issued with the purchase.
 */
class PurchaseTest {

    private static final Instant NOW = Instant.parse("2026-03-10T02:00:00Z");
    private static final LocalDate TODAY = LocalDate.parse("2026-03-10");
    private static final String PAYS = "card-ok";
    private static final String DECLINES = "card-declines";
    private static final String TIMES_OUT = "card-times-out";

    /** A clock the test moves: the gateway's time-out settles after a while. */
    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);
    private final Clock clock = new Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private final AggregateTestFixture<Quote> fixture = new AggregateTestFixture<>(Quote.class);
    private final MongoDatabase database = TestMongo.freshDatabase();
    private final EmbeddedEventStore policyEvents = EmbeddedEventStore.builder()
            .storageEngine(new InMemoryEventStorageEngine()).build();

    private final QuoteIssued offered = new QuoteIssued("q-1", "acc-1", "acc-1", Product.HEALTH, Money.cny("300000"),
            TODAY.plusDays(7), 12, TODAY.plusDays(7).plusMonths(12).minusDays(1), "Zhang San", "110105199001011232",
            Relationship.SELF, 36, new TreeMap<>(Map.of("smoker", "true")), null, Money.cny("675.00"), 25,
            Quote.underwriting(List.of("smoker +25%"), List.of()), QuoteStatus.OFFERED, "2026-11", NOW, NOW.plus(Duration.ofDays(30)),
            "acc-1", null);

    @BeforeEach
    void setUp() {
        fixture.registerInjectableResource(new BusinessCalendar(clock, BusinessCalendar.DEFAULT_ZONE));
        var accounts = OtherAggregates.repository(Account.class, "acc-1", List.of(
                new AccountRegistered("acc-1", "acc-1", "Zhang San", "110105199001011232", "13812345678", null),
                new CardBound("acc-1", PAYS, "6222020000000000034", NOW),
                new CardBound("acc-1", DECLINES, "6222020000000000002", NOW),
                new CardBound("acc-1", TIMES_OUT, "6222020000000000003", NOW),
                new org.coverledger.events.account.AccountApi.AutoDebitAuthorized("acc-1", PAYS, 1, Money.cny("100.00"), NOW)));
        EventSourcingRepository<Policy> policies = EventSourcingRepository.builder(Policy.class)
                .eventStore(policyEvents).build();
        fixture.registerInjectableResource(new PolicyPurchases(accounts, policies, new AccountHoldings(database, clock),
                new SimulatedGateway(database, clock)));
    }

    private static MetaData customer() {
        return as("acc-1", "CUSTOMER");
    }

    private static String policyId() {
        return java.util.UUID.nameUUIDFromBytes("policy:q-1".getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    private static org.hamcrest.Matcher<Quote.Purchase> firstPremium(Money amount) {
        return new org.hamcrest.FeatureMatcher<>(org.hamcrest.Matchers.equalTo(amount), "first premium", "first premium") {
            @Override
            protected Money featureValueOf(Quote.Purchase purchase) {
                return purchase.firstPremium();
            }
        };
    }

    private long gatewayRecords() {
        return database.getCollection("simulated_payments").countDocuments();
    }

    @Test
    void the_first_years_premium_is_collected_once_and_the_policy_issued_with_the_purchase() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectSuccessfulHandlerExecution()
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(
                                org.hamcrest.Matchers.<Object>instanceOf(QuotePurchased.class))));
        PolicyIssued issued = (PolicyIssued) policyEvents.readEvents(policyId()).next().getPayload();
        assertThat(issued.premium()).isEqualTo(Money.cny("675.00"));
        assertThat(issued.startDate()).isEqualTo(TODAY.plusDays(7));
        assertThat(issued.policyholder()).isEqualTo("acc-1");
        assertThat(gatewayRecords()).isEqualTo(1);
    }

    @Test
    void monthly_collects_a_twelfth_first() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.MONTHLY), customer())
                .expectResultMessagePayloadMatching(firstPremium(Money.cny("56.25")));
    }

    @Test
    void monthly_needs_an_auto_debit_whose_cap_covers_an_instalment() {
        var uncovered = OtherAggregates.repository(Account.class, "acc-1", List.of(
                new AccountRegistered("acc-1", "acc-1", "Zhang San", "110105199001011232", "13812345678", null),
                new CardBound("acc-1", PAYS, "6222020000000000034", NOW),
                new org.coverledger.events.account.AccountApi.AutoDebitAuthorized("acc-1", PAYS, 1, Money.cny("50.00"), NOW)));
        AggregateTestFixture<Quote> capped = new AggregateTestFixture<>(Quote.class);
        capped.registerInjectableResource(new BusinessCalendar(clock, BusinessCalendar.DEFAULT_ZONE));
        capped.registerInjectableResource(new PolicyPurchases(uncovered, EventSourcingRepository.builder(Policy.class)
                .eventStore(policyEvents).build(), new AccountHoldings(database, clock), new SimulatedGateway(database, clock)));
        capped.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.MONTHLY), customer())
                .expectException(refused("AUTO_DEBIT_REQUIRED"))
                .expectNoEvents();
        assertThat(gatewayRecords()).isZero();
    }

    @Test
    void a_declined_card_issues_nothing() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", DECLINES, PaymentPlan.ANNUAL), customer())
                .expectException(refused("PAYMENT_DECLINED"))
                .expectNoEvents();
        assertThat(policyEvents.readEvents(policyId()).hasNext()).isFalse();
    }

    @Test
    void a_payment_that_timed_out_is_completed_by_the_same_purchase_later_and_collected_once() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", TIMES_OUT, PaymentPlan.ANNUAL), customer())
                .expectException(refused("PAYMENT_PENDING"))
                .expectNoEvents();
        now.set(NOW.plus(SimulatedGateway.SETTLES_AFTER).plusSeconds(1));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", TIMES_OUT, PaymentPlan.ANNUAL), customer())
                .expectSuccessfulHandlerExecution();
        assertThat(gatewayRecords()).as("one charge for both attempts").isEqualTo(1);
    }

    @Test
    void after_a_declined_card_another_pays_and_while_an_outcome_is_unknown_no_other_card_is_charged() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", DECLINES, PaymentPlan.ANNUAL), customer())
                .expectException(refused("PAYMENT_DECLINED"));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", TIMES_OUT, PaymentPlan.ANNUAL), customer())
                .expectException(refused("PAYMENT_PENDING"));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectException(refused("PAYMENT_PENDING"));
        assertThat(gatewayRecords()).as("the good card was not charged beside the pending one").isEqualTo(2);
        now.set(NOW.plus(SimulatedGateway.SETTLES_AFTER).plusSeconds(1));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(org.hamcrest.Matchers.<Object>allOf(
                                org.hamcrest.Matchers.instanceOf(QuotePurchased.class),
                                org.hamcrest.Matchers.hasToString(org.hamcrest.Matchers.containsString(
                                        "paymentKey=quote:q-1:first-premium:2"))))));
        assertThat(gatewayRecords()).isEqualTo(2);
    }

    @Test
    void the_plan_recorded_is_the_one_charged_when_a_retry_names_another() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", TIMES_OUT, PaymentPlan.MONTHLY), customer())
                .expectException(refused("PAYMENT_PENDING"));
        now.set(NOW.plus(SimulatedGateway.SETTLES_AFTER).plusSeconds(1));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectEventsMatching(org.axonframework.test.matchers.Matchers.payloadsMatching(
                        org.axonframework.test.matchers.Matchers.exactSequenceOf(org.hamcrest.Matchers.<Object>allOf(
                                org.hamcrest.Matchers.instanceOf(QuotePurchased.class),
                                org.hamcrest.Matchers.hasToString(org.hamcrest.Matchers.containsString(
                                        "paymentPlan=MONTHLY, firstPremium=56.25"))))));
        assertThat(gatewayRecords()).isEqualTo(1);
    }

    @Test
    void a_purchase_sent_again_answers_the_same_policy_and_collects_nothing_more() {
        QuotePurchased bought = new QuotePurchased("q-1", "acc-1", policyId(), "PN1", PaymentPlan.ANNUAL,
                Money.cny("675.00"), "quote:q-1:first-premium:1", "SIM-1", "2026-11", NOW);
        fixture.given(offered, bought)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectNoEvents()
                .expectResultMessagePayload(new Quote.Purchase(policyId(), "PN1", PaymentPlan.ANNUAL,
                        Money.cny("675.00"), "SIM-1"));
        assertThat(gatewayRecords()).isZero();
    }

    @Test
    void the_terms_must_be_the_quotes_and_the_quote_still_valid_and_offered() {
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2025-01", PAYS, PaymentPlan.ANNUAL), customer())
                .expectException(refused("TERMS_NOT_ACCEPTED"));
        now.set(NOW.plus(Duration.ofDays(31)));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectException(refused("QUOTE_EXPIRED"));
        now.set(NOW);
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", "no-such-card", PaymentPlan.ANNUAL), customer())
                .expectException(refused("CARD_UNKNOWN"));
        QuoteIssued referred = new QuoteIssued("q-1", "acc-1", "acc-1", Product.HEALTH, Money.cny("300000"),
                TODAY.plusDays(7), 12, TODAY.plusDays(7).plusMonths(12).minusDays(1), "Zhang San", "110105199001011232",
                Relationship.SELF, 36, new TreeMap<>(), null, Money.cny("540.00"), 0,
                Quote.underwriting(List.of(), List.of("hospitalizedLast2Years")), QuoteStatus.REFERRED, "2026-11", NOW, null,
                "acc-1", null);
        fixture.given(referred)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectException(refused("QUOTE_NOT_OFFERED"));
        fixture.given(referred, new QuoteAccepted("q-1", "acc-1", "uma", 10, Money.cny("594.00"), NOW,
                        NOW.plus(Duration.ofDays(30))))
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), customer())
                .expectResultMessagePayloadMatching(firstPremium(Money.cny("594.00")));
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2026-11", PAYS, PaymentPlan.ANNUAL), as("acc-2", "CUSTOMER"))
                .expectException(org.coverledger.events.common.UnknownObject.class);
        assertThat(gatewayRecords()).as("only the accepted referral was charged").isEqualTo(1);
        // once charged, the charge is the purchase's: another attempt completes it whatever it names
        fixture.given(offered)
                .when(new PurchaseQuote("q-1", "2020-01", "no-such-card", PaymentPlan.MONTHLY), customer())
                .expectSuccessfulHandlerExecution()
                .expectResultMessagePayloadMatching(firstPremium(Money.cny("594.00")));
        assertThat(gatewayRecords()).isEqualTo(1);
    }
}
