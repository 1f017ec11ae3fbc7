package org.coverledger.events.policy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.coverledger.events.common.Money;

/**
 * The products the insurer sells and their rules, as data ({@code coverledger-products.json}):
 * coverages, the incident types each covers, limits (sum insured, term, insured age), waiting
 * period, deductible, the declaration questions of each product, and the premium rules (a rate
 * per mille of the sum insured by age band or by declared value band, and loadings). The premium
 * is always computed here, never taken from a request.
 */
public final class ProductCatalogue {

    /**
     * {@code coolingOffDays}: after the day of purchase, the days in which a cancellation is
     * refunded in full; {@code cancellationFeePercent}: the part of the unearned premium kept on a
     * cancellation after them.
     */
    public record Catalogue(String termsVersion, int quoteValidDays, int coolingOffDays, int cancellationFeePercent,
                            List<Definition> products) {
    }

    public record Definition(Product product, String title, List<Coverage> coverages, List<String> incidentTypes,
                             Range sumInsured, List<Integer> termMonths, AgeRange insuredAge, int waitingPeriodDays,
                             BigDecimal deductible, List<Question> declarations, PremiumRule premium) {
    }

    /** {@code limitShare}: the part of the sum insured this coverage pays at most. */
    public record Coverage(String code, String title, BigDecimal limitShare) {
    }

    public record Range(BigDecimal min, BigDecimal max) {
        boolean contains(BigDecimal value) {
            return value.compareTo(min) >= 0 && value.compareTo(max) <= 0;
        }
    }

    public record AgeRange(int min, int max) {
    }

    public enum AnswerType { BOOLEAN, TEXT, AMOUNT, COUNT }

    /**
     * A declaration question. A BOOLEAN answer may add a loading ({@code loadingPercentWhen}) or
     * send the quote to an underwriter ({@code refersWhen}); a COUNT adds a loading per unit and
     * refers above a number; an AMOUNT that {@code coversSumInsured} caps the sum insured; a
     * {@code personal} answer is the customer's personal data.
     */
    public record Question(String key, String question, AnswerType type, String pattern, Boolean refersWhen,
                           Loading loadingPercentWhen, Integer loadingPercentPerUnit, Integer refersAbove,
                           boolean coversSumInsured, boolean personal) {
    }

    public record Loading(boolean answer, int percent) {
    }

    /** A rate per mille of the sum insured, per year, from the band the insured's age or a declared value is in. */
    public record PremiumRule(String rateBy, List<Band> bands) {
    }

    public record Band(BigDecimal from, BigDecimal to, BigDecimal perMille) {
    }

    /**
     * What the rules make of a request: the yearly premium (loadings included), the loadings
     * and the reasons an underwriter must decide, or the reasons the request cannot be quoted.
     */
    public record Assessment(Money annualPremium, int loadingPercent, List<String> loadings, List<String> referrals,
                             List<String> refusals) {
        public boolean refused() {
            return !refusals.isEmpty();
        }
    }

    private static final Catalogue CATALOGUE = load();
    private static final Map<Product, Definition> BY_PRODUCT = index();

    private ProductCatalogue() {
    }

    private static Catalogue load() {
        try (InputStream in = ProductCatalogue.class.getResourceAsStream("/coverledger-products.json")) {
            return new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
                    .readValue(in, Catalogue.class);
        } catch (IOException e) {
            throw new UncheckedIOException("the product catalogue could not be read", e);
        }
    }

    private static Map<Product, Definition> index() {
        Map<Product, Definition> index = new EnumMap<>(Product.class);
        CATALOGUE.products().forEach(definition -> index.put(definition.product(), definition));
        for (Product product : Product.values()) {
            if (!index.containsKey(product)) {
                throw new IllegalStateException("the product catalogue has no " + product);
            }
        }
        return index;
    }

    public static Catalogue catalogue() {
        return CATALOGUE;
    }

    public static Definition of(Product product) {
        return BY_PRODUCT.get(product);
    }

    public static String termsVersion() {
        return CATALOGUE.termsVersion();
    }

    public static int coolingOffDays() {
        return CATALOGUE.coolingOffDays();
    }

    public static int cancellationFeePercent() {
        return CATALOGUE.cancellationFeePercent();
    }

    /**
     * A new declaration for cover already bought (a reinstatement): the product's questions
     * answered again and judged by its rules; the term and the insured's age were judged when the
     * cover was bought and are not judged again.
     */
    public static Assessment reassessDeclarations(Product product, BigDecimal sumInsured, Map<String, String> declarations) {
        Definition definition = of(product);
        return assess(product, sumInsured, definition.termMonths().get(0), definition.insuredAge().min(), declarations);
    }

    /** Applies the product's rules to a request for cover. */
    public static Assessment assess(Product product, BigDecimal sumInsured, int termMonths, int insuredAge,
                                    Map<String, String> declarations) {
        Definition definition = of(product);
        List<String> refusals = new ArrayList<>();
        List<String> referrals = new ArrayList<>();
        List<String> loadings = new ArrayList<>();
        if (!definition.sumInsured().contains(sumInsured)) {
            refusals.add("the sum insured must be from " + definition.sumInsured().min() + " to "
                    + definition.sumInsured().max());
        }
        if (!definition.termMonths().contains(termMonths)) {
            refusals.add("the term must be one of " + definition.termMonths() + " months");
        }
        if (insuredAge < definition.insuredAge().min() || insuredAge > definition.insuredAge().max()) {
            refusals.add("the insured must be from " + definition.insuredAge().min() + " to "
                    + definition.insuredAge().max() + " years old at the start of cover");
        }
        Map<String, String> answers = declarations == null ? Map.of() : declarations;
        for (String key : answers.keySet()) {
            if (definition.declarations().stream().noneMatch(q -> q.key().equals(key))) {
                refusals.add("declaration '" + key + "' is not a question of " + product);
            }
        }
        int loading = 0;
        BigDecimal rateValue = null;
        for (Question question : definition.declarations()) {
            String answer = answers.get(question.key());
            if (answer == null || answer.isBlank()) {
                refusals.add("declaration '" + question.key() + "' must be answered");
                continue;
            }
            switch (question.type()) {
                case BOOLEAN -> {
                    if (!answer.equals("true") && !answer.equals("false")) {
                        refusals.add("declaration '" + question.key() + "' must be true or false");
                        continue;
                    }
                    boolean yes = Boolean.parseBoolean(answer);
                    if (question.refersWhen() != null && question.refersWhen() == yes) {
                        referrals.add(question.key());
                    }
                    if (question.loadingPercentWhen() != null && question.loadingPercentWhen().answer() == yes) {
                        loading += question.loadingPercentWhen().percent();
                        loadings.add(question.key() + " +" + question.loadingPercentWhen().percent() + "%");
                    }
                }
                case COUNT -> {
                    if (!answer.matches("\\d{1,3}")) {
                        refusals.add("declaration '" + question.key() + "' must be a whole number from 0");
                        continue;
                    }
                    int count = Integer.parseInt(answer);
                    if (question.refersAbove() != null && count > question.refersAbove()) {
                        referrals.add(question.key());
                    }
                    if (question.loadingPercentPerUnit() != null && count > 0) {
                        loading += count * question.loadingPercentPerUnit();
                        loadings.add(question.key() + " +" + count * question.loadingPercentPerUnit() + "%");
                    }
                }
                case AMOUNT -> {
                    if (!answer.matches("\\d{1,12}(\\.\\d{1,2})?")) {
                        refusals.add("declaration '" + question.key() + "' must be an amount such as 150000.00");
                        continue;
                    }
                    BigDecimal value = new BigDecimal(answer);
                    if (question.coversSumInsured() && sumInsured.compareTo(value) > 0) {
                        refusals.add("the sum insured cannot exceed the declared " + question.key());
                    }
                    if (question.key().equals(definition.premium().rateBy())) {
                        rateValue = value;
                    }
                }
                case TEXT -> {
                    if (question.pattern() != null && !Pattern.compile(question.pattern()).matcher(answer).matches()) {
                        refusals.add("declaration '" + question.key() + "' is not in the expected form");
                    }
                }
                default -> throw new IllegalStateException(question.type().name());
            }
        }
        if (!refusals.isEmpty()) {
            return new Assessment(null, loading, loadings, referrals, refusals);
        }
        BigDecimal by = "AGE".equals(definition.premium().rateBy()) ? BigDecimal.valueOf(insuredAge) : rateValue;
        BigDecimal perMille = definition.premium().bands().stream()
                .filter(band -> by.compareTo(band.from()) >= 0 && by.compareTo(band.to()) <= 0)
                .map(Band::perMille).findFirst()
                .orElseThrow(() -> new IllegalStateException("no premium band of " + product + " holds " + by));
        BigDecimal annual = sumInsured.multiply(perMille).divide(BigDecimal.valueOf(1000))
                .multiply(BigDecimal.valueOf(100 + loading)).divide(BigDecimal.valueOf(100))
                .setScale(2, RoundingMode.HALF_UP);
        return new Assessment(Money.cny(annual), loading, loadings, referrals, refusals);
    }
}
