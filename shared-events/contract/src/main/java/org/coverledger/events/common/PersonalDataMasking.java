package org.coverledger.events.common;

import java.util.Set;

import org.coverledger.privacy.PersonalDataSeal;

/**
 * How read models show personal data to each role. Full values go only to roles with a
 * written need; everyone else sees them masked. The table (README "Data protection"):
 *
 * <pre>
 * field        full value for                                    masked for everyone else
 * national ID  UNDERWRITER (identity checks), COMPLIANCE (AML)   110105********1234
 * mobile       the customer, ADJUSTER, UNDERWRITER, COMPLIANCE   138****5678
 * email        the customer, ADJUSTER, UNDERWRITER, COMPLIANCE   a***@example.com
 * bank card    COMPLIANCE                                        622202******1234
 * name         everyone who may see the account but ANALYST      王*
 * </pre>
 * An erased value reads as {@link PersonalDataSeal#ERASED} for everyone.
 */
public final class PersonalDataMasking {

    private static final Set<Role> FULL_NATIONAL_ID = Set.of(Role.UNDERWRITER, Role.COMPLIANCE);
    private static final Set<Role> FULL_MOBILE = Set.of(Role.ADJUSTER, Role.UNDERWRITER, Role.COMPLIANCE);
    private static final Set<Role> FULL_CARD = Set.of(Role.COMPLIANCE);

    private PersonalDataMasking() {
    }

    public static String nationalId(String value, Caller caller) {
        return caller.hasAnyRole(FULL_NATIONAL_ID.toArray(Role[]::new)) ? value : maskNationalId(value);
    }

    public static String mobile(String value, Caller caller, boolean callerIsTheCustomer) {
        return callerIsTheCustomer || caller.hasAnyRole(FULL_MOBILE.toArray(Role[]::new)) ? value : maskMobile(value);
    }

    public static String email(String value, Caller caller, boolean callerIsTheCustomer) {
        if (callerIsTheCustomer || caller.hasAnyRole(FULL_MOBILE.toArray(Role[]::new))) {
            return value;
        }
        return maskEmail(value);
    }

    /** {@code alice@example.com} becomes {@code a***@example.com}. */
    public static String maskEmail(String value) {
        if (value == null || PersonalDataSeal.ERASED.equals(value)) {
            return value;
        }
        int at = value.indexOf('@');
        return at <= 0 ? "***" : value.charAt(0) + "***" + value.substring(at);
    }

    public static String bankCard(String value, Caller caller) {
        return caller.hasAnyRole(FULL_CARD.toArray(Role[]::new)) ? value : maskBankCard(value);
    }

    public static String name(String value, Caller caller) {
        boolean analystOnly = caller.roles().equals(Set.of(Role.ANALYST));
        return analystOnly ? maskName(value) : value;
    }

    /** {@code 110105194912310021} becomes {@code 110105********0021}. */
    public static String maskNationalId(String value) {
        return keep(value, 6, 4);
    }

    /** {@code 13812345678} becomes {@code 138****5678}. */
    public static String maskMobile(String value) {
        return keep(value, 3, 4);
    }

    /**
     * A client address as its owner may see it: {@code 203.0.113.7} becomes {@code 203.0.113.*},
     * an IPv6 address keeps its first three groups ({@code 2001:db8:85a3:*}).
     */
    public static String maskAddress(String value) {
        if (value == null || PersonalDataSeal.ERASED.equals(value)) {
            return value;
        }
        if (value.indexOf(':') >= 0) {
            String[] groups = value.split(":", -1);
            StringBuilder kept = new StringBuilder();
            for (int i = 0; i < Math.min(3, groups.length) && !groups[i].isEmpty(); i++) {
                kept.append(groups[i]).append(':');
            }
            return kept + "*";
        }
        int last = value.lastIndexOf('.');
        return last < 0 ? "*" : value.substring(0, last) + ".*";
    }

    /** The first 6 and last 4 digits of a card number stay. */
    public static String maskBankCard(String value) {
        return keep(value, 6, 4);
    }

    /** Only the first character of a name stays. */
    public static String maskName(String value) {
        if (value == null || value.isEmpty() || PersonalDataSeal.ERASED.equals(value)) {
            return value;
        }
        return value.substring(0, value.offsetByCodePoints(0, 1)) + "*";
    }

    private static String keep(String value, int head, int tail) {
        if (value == null || PersonalDataSeal.ERASED.equals(value)) {
            return value;
        }
        if (value.length() <= head + tail) {
            return "*".repeat(value.length());
        }
        return value.substring(0, head) + "*".repeat(value.length() - head - tail) + value.substring(value.length() - tail);
    }
}
