package org.coverledger.events.common;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Objects;

/** An amount of money in a currency. Never a double: premiums and payouts are exact. */
public record Money(BigDecimal amount, String currency) {

    public static final String DEFAULT_CURRENCY = "CNY";

    /** How an amount is written as text in requests and answers: "1200.00", no exponent, sign or spaces. */
    public static final String DECIMAL_TEXT = "-?\\d{1,18}(\\.\\d{1,18})?";

    public Money {
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(currency, "currency");
        amount = amount.setScale(2, RoundingMode.UNNECESSARY);
    }

    public static Money cny(BigDecimal amount) {
        return new Money(amount, DEFAULT_CURRENCY);
    }

    public static Money cny(String amount) {
        return cny(new BigDecimal(amount));
    }

    /** The sum, in this currency (the other must be in the same). */
    public Money plus(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("cannot add " + other.currency + " to " + currency);
        }
        return new Money(amount.add(other.amount), currency);
    }

    /** This amount with a loading of {@code percent} on top (an underwriter's), rounded half up to the cent. */
    public Money loadedBy(int percent) {
        return new Money(amount.multiply(BigDecimal.valueOf(100 + percent)).divide(BigDecimal.valueOf(100))
                .setScale(2, java.math.RoundingMode.HALF_UP), currency);
    }

    public boolean belowZero() {
        return amount.signum() < 0;
    }

    public boolean exceeds(Money other) {
        requireSameCurrency(other);
        return amount.compareTo(other.amount) > 0;
    }

    private void requireSameCurrency(Money other) {
        if (!currency.equals(other.currency)) {
            throw new IllegalArgumentException("currency mismatch: " + currency + " vs " + other.currency);
        }
    }

    @Override
    public String toString() {
        return amount.toPlainString() + " " + currency;
    }
}
