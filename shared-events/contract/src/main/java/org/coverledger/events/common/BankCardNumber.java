package org.coverledger.events.common;

/** A payment card number: 16 to 19 digits whose last one is the Luhn check digit. */
public final class BankCardNumber {

    private BankCardNumber() {
    }

    public static boolean isValid(String number) {
        if (number == null || !number.matches("\\d{16,19}")) {
            return false;
        }
        int sum = 0;
        boolean twice = false;
        for (int i = number.length() - 1; i >= 0; i--) {
            int digit = number.charAt(i) - '0';
            if (twice) {
                digit *= 2;
                if (digit > 9) {
                    digit -= 9;
                }
            }
            sum += digit;
            twice = !twice;
        }
        return sum % 10 == 0;
    }
}
