package org.coverledger.events.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BankCardNumberTest {

    @Test
    void accepts_card_numbers_with_a_valid_luhn_digit() {
        assertThat(BankCardNumber.isValid("6222020200112345679")).isTrue();
        assertThat(BankCardNumber.isValid("6217001234567890122")).isTrue();
    }

    @Test
    void refuses_a_wrong_check_digit_length_or_characters() {
        assertThat(BankCardNumber.isValid("6222020200112345670")).isFalse();
        assertThat(BankCardNumber.isValid("622202020011234")).isFalse();
        assertThat(BankCardNumber.isValid("6222 0202 0011 2345 679")).isFalse();
        assertThat(BankCardNumber.isValid(null)).isFalse();
    }
}
