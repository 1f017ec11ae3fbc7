package org.coverledger.events.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class NationalIdTest {

    @Test
    void accepts_ids_whose_check_character_matches() {
        assertThat(NationalId.isValid("11010519491231002X")).isTrue();
        assertThat(NationalId.isValid("110105194912310029")).isFalse();
    }

    @Test
    void refuses_wrong_length_and_characters() {
        assertThat(NationalId.isValid("1101051949123100")).isFalse();
        assertThat(NationalId.isValid("11010519491231002x")).isFalse();
        assertThat(NationalId.isValid("A1010519491231002X")).isFalse();
        assertThat(NationalId.isValid(null)).isFalse();
    }

    @Test
    void a_check_character_that_fits_an_impossible_birth_date_is_no_id() {
        assertThat(NationalId.isValid("11010519901301123X")).as("month 13").isFalse();
        assertThat(NationalId.isValid("110105202302301238")).as("30 February").isFalse();
    }
}
