package org.coverledger.command.verification;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.coverledger.events.common.BankCardNumber;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * A bank with deterministic records, for the embedded default and the tests (README,
 * "Real-name verification"):
 * <ul>
 *   <li>the cards in {@link #CARDS}, each held by one name and ID number, with its reserved mobile;</li>
 *   <li>any other valid card number whose last four digits are the last four characters of the
 *       presenter's ID number (an X counts as 0) is theirs, whatever the name, with the reserved
 *       mobile 1390000 followed by those four digits.</li>
 * </ul>
 * Anything else does not match. It is on while {@code coverledger.bank.simulated} is true (the
 * default, for the embedded set-up); a deployment turns it off and provides its bank's
 * {@link BankRecords} bean (without one the command side does not start).
 */
@Component
@ConditionalOnProperty(name = "coverledger.bank.simulated", havingValue = "true")
public class SimulatedBank implements BankRecords {

    record Holder(String name, String nationalId, String reservedMobile) {
    }

    static final Map<String, Holder> CARDS = Map.of(
            "6222020000000000018", new Holder("Alice Wang", "11010519491231002X", "13800000001"),
            "6222020000000000026", new Holder("Bob Li", "440524188001010014", "13800000002"),
            "6222020000000000034", new Holder("Zhang San", "110105199001011232", "13900000003"));

    @Override
    public Optional<String> reservedMobile(String name, String nationalId, String cardNumber) {
        if (name == null || nationalId == null || cardNumber == null || !BankCardNumber.isValid(cardNumber)) {
            return Optional.empty();
        }
        Holder holder = CARDS.get(cardNumber);
        if (holder != null) {
            return holder.name().equals(name.trim()) && holder.nationalId().equalsIgnoreCase(nationalId)
                    ? Optional.of(holder.reservedMobile()) : Optional.empty();
        }
        String lastFour = nationalId.toUpperCase(Locale.ROOT).replace('X', '0').substring(nationalId.length() - 4);
        return cardNumber.endsWith(lastFour) ? Optional.of("1390000" + lastFour) : Optional.empty();
    }
}
