package org.coverledger.command.verification;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The simulated bank's records are deterministic, as the README documents them. */
class SimulatedBankTest {

    private final SimulatedBank bank = new SimulatedBank();

    @Test
    void a_listed_card_matches_its_holders_name_and_id_only() {
        assertThat(bank.reservedMobile("Zhang San", "110105199001011232", "6222020000000000034")).contains("13900000003");
        assertThat(bank.reservedMobile("Zhang Si", "110105199001011232", "6222020000000000034")).isEmpty();
        assertThat(bank.reservedMobile("Zhang San", "11010519491231002X", "6222020000000000034")).isEmpty();
    }

    @Test
    void any_other_card_ending_in_the_ids_last_four_belongs_to_the_presenter() {
        assertThat(bank.reservedMobile("Li Na", "110105199203041234", "6217000000000001234")).contains("13900001234");
        assertThat(bank.reservedMobile("Li Na", "11010519491231002X", "6217000000000020")).isEmpty(); // not Luhn-valid
        assertThat(bank.reservedMobile("Li Na", "110105199203041234", "6222020200112345679")).isEmpty();
    }
}
