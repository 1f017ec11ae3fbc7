package org.coverledger.events.common;

import java.util.regex.Pattern;

/** The 18-character PRC resident identity number: 17 digits and an ISO 7064 MOD 11-2 check character. */
public final class NationalId {

    private static final Pattern FORMAT = Pattern.compile("\\d{17}[0-9X]");
    private static final int[] WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] CHECK = {'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'};

    private NationalId() {
    }

    public static boolean isValid(String id) {
        if (id == null || !FORMAT.matcher(id).matches()) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (id.charAt(i) - '0') * WEIGHTS[i];
        }
        if (CHECK[sum % 11] != id.charAt(17)) {
            return false;
        }
        try {
            return !birthDate(id).isBefore(java.time.LocalDate.of(1900, 1, 1)); // and a real date
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** The holder's date of birth (digits 7 to 14), for an ID that is valid. */
    public static java.time.LocalDate birthDate(String id) {
        return java.time.LocalDate.parse(id.substring(6, 14), java.time.format.DateTimeFormatter.BASIC_ISO_DATE);
    }

    /** The holder's age in whole years on the day. */
    public static int ageOn(String id, java.time.LocalDate day) {
        return java.time.Period.between(birthDate(id), day).getYears();
    }
}
