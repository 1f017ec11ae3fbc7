package org.coverledger.command.verification;

import java.util.Optional;

/**
 * The bank's side of real-name verification: does the card belong to this name and ID number,
 * and which mobile number did its holder leave with the bank? The embedded default is
 * {@link SimulatedBank}; a deployment plugs its provider in as another bean of this type.
 */
public interface BankRecords {

    /** The bank-reserved mobile number if the card is held under this name and ID number, else empty. */
    Optional<String> reservedMobile(String name, String nationalId, String cardNumber);
}
