package org.coverledger.events.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Map;

import org.coverledger.events.common.Money;
import org.coverledger.events.common.NationalId;
import org.junit.jupiter.api.Test;

/** The premium rules as the catalogue states them, worked through by hand. */
class ProductCatalogueTest {

    private static final Map<String, String> HEALTHY = Map.of("smoker", "false", "hospitalizedLast2Years", "false",
            "chronicCondition", "false");

    @Test
    void every_product_is_in_the_catalogue_with_its_incident_types() {
        for (Product product : Product.values()) {
            assertThat(ProductCatalogue.of(product).incidentTypes()).isNotEmpty();
        }
        assertThat(ProductCatalogue.of(Product.HEALTH).waitingPeriodDays()).isEqualTo(30);
        assertThat(ProductCatalogue.of(Product.AUTO).incidentTypes()).containsExactly("COLLISION", "THEFT", "GLASS");
    }

    @Test
    void health_is_priced_by_age_band_and_a_smoker_pays_a_quarter_more() {
        // 300,000 at 1.80 per mille (age 18-40) is 540.00 a year; a smoker's 25 % loading makes it 675.00
        assertThat(ProductCatalogue.assess(Product.HEALTH, new BigDecimal("300000"), 12, 35, HEALTHY).annualPremium())
                .isEqualTo(Money.cny("540.00"));
        Map<String, String> smoker = new java.util.HashMap<>(HEALTHY);
        smoker.put("smoker", "true");
        ProductCatalogue.Assessment loaded = ProductCatalogue.assess(Product.HEALTH, new BigDecimal("300000"), 12, 35, smoker);
        assertThat(loaded.annualPremium()).isEqualTo(Money.cny("675.00"));
        assertThat(loaded.loadings()).containsExactly("smoker +25%");
        assertThat(loaded.referrals()).isEmpty();
        // at 56 the band is 6.00 per mille: 1,800.00
        assertThat(ProductCatalogue.assess(Product.HEALTH, new BigDecimal("300000"), 12, 56, HEALTHY).annualPremium())
                .isEqualTo(Money.cny("1800.00"));
    }

    @Test
    void a_declaration_that_needs_an_underwriter_refers_the_quote() {
        Map<String, String> hospital = new java.util.HashMap<>(HEALTHY);
        hospital.put("hospitalizedLast2Years", "true");
        ProductCatalogue.Assessment referred = ProductCatalogue.assess(Product.HEALTH, new BigDecimal("300000"), 12, 35,
                hospital);
        assertThat(referred.referrals()).containsExactly("hospitalizedLast2Years");
        assertThat(referred.refused()).isFalse();
    }

    @Test
    void a_car_is_priced_by_its_value_band_and_its_claims() {
        Map<String, String> car = Map.of("plate", "京A12345", "vin", "LSVAU2180N2183294", "vehicleValue", "150000",
                "claimsLast3Years", "1");
        // 150,000 insured at 26.00 per mille (value 100,000.01-300,000) is 3,900.00; one claim +15 %: 4,485.00
        assertThat(ProductCatalogue.assess(Product.AUTO, new BigDecimal("150000"), 12, 40, car).annualPremium())
                .isEqualTo(Money.cny("4485.00"));
        Map<String, String> many = new java.util.HashMap<>(car);
        many.put("claimsLast3Years", "4");
        assertThat(ProductCatalogue.assess(Product.AUTO, new BigDecimal("150000"), 12, 40, many).referrals())
                .containsExactly("claimsLast3Years");
    }

    @Test
    void limits_and_answers_are_refused_all_at_once() {
        Map<String, String> car = Map.of("plate", "nope", "vin", "LSVAU2180N2183294", "vehicleValue", "100000",
                "claimsLast3Years", "x", "colour", "red");
        ProductCatalogue.Assessment refused = ProductCatalogue.assess(Product.AUTO, new BigDecimal("150000"), 24, 17, car);
        assertThat(refused.refused()).isTrue();
        assertThat(refused.annualPremium()).isNull();
        assertThat(refused.refusals()).containsExactlyInAnyOrder(
                "the term must be one of [12] months",
                "the insured must be from 18 to 75 years old at the start of cover",
                "declaration 'colour' is not a question of AUTO",
                "declaration 'plate' is not in the expected form",
                "declaration 'claimsLast3Years' must be a whole number from 0",
                "the sum insured cannot exceed the declared vehicleValue");
        assertThat(ProductCatalogue.assess(Product.LIFE, new BigDecimal("10"), 120, 30,
                Map.of("smoker", "false", "seriousIllness", "false")).refusals())
                .containsExactly("the sum insured must be from 50000 to 5000000");
    }

    @Test
    void the_insureds_age_comes_from_the_national_id() {
        assertThat(NationalId.ageOn("11010519491231002X", LocalDate.parse("2026-12-30"))).isEqualTo(76);
        assertThat(NationalId.ageOn("11010519491231002X", LocalDate.parse("2026-12-31"))).isEqualTo(77);
    }
}
