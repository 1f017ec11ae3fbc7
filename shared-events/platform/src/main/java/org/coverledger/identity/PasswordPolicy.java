package org.coverledger.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * At least 8 characters with letters, digits and a special character, and not one of the
 * passwords that every guessing list starts with.
 */
public final class PasswordPolicy {

    private static final Set<String> COMMON = Set.of("password1!", "passw0rd!", "p@ssw0rd", "p@ssword1", "p@ssw0rd1",
            "password123!", "qwerty123!", "qwerty1!", "admin123!", "admin@123", "abc123!@#", "1qaz@wsx", "1q2w3e4r!",
            "welcome1!", "iloveyou1!", "letmein1!", "a12345678!", "aa123456!", "woaini1314!", "abc@1234", "test@123",
            "changeme1!", "123456a!", "12345678a!", "zaq1@wsx");

    private PasswordPolicy() {
    }

    /** The reasons the password is refused; empty when it is acceptable. */
    public static List<String> problems(String password) {
        List<String> problems = new ArrayList<>();
        if (password == null || password.length() < 8) {
            problems.add("must have at least 8 characters");
        }
        if (password == null) {
            return problems;
        }
        if (password.length() > 128) {
            problems.add("must have at most 128 characters");
        }
        if (password.chars().noneMatch(Character::isLetter)) {
            problems.add("must contain a letter");
        }
        if (password.chars().noneMatch(Character::isDigit)) {
            problems.add("must contain a digit");
        }
        if (password.chars().allMatch(Character::isLetterOrDigit)) {
            problems.add("must contain a special character");
        }
        if (COMMON.contains(password.toLowerCase(Locale.ROOT))) {
            problems.add("is a common password");
        }
        return problems;
    }
}
