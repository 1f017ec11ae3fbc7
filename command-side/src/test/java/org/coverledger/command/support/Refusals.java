package org.coverledger.command.support;

import org.coverledger.events.common.BusinessRuleViolation;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeMatcher;

/** What a fixture expects of a refusal: its stable code, which clients act on, not only its class. */
public final class Refusals {

    private Refusals() {
    }

    /** A business-rule refusal with exactly this code. */
    public static Matcher<BusinessRuleViolation> refused(String code) {
        return new TypeSafeMatcher<>(BusinessRuleViolation.class) {
            @Override
            protected boolean matchesSafely(BusinessRuleViolation violation) {
                return code.equals(violation.code());
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a refusal with code ").appendValue(code);
            }

            @Override
            protected void describeMismatchSafely(BusinessRuleViolation violation, Description description) {
                description.appendText("was refused with code ").appendValue(violation.code())
                        .appendText(": ").appendValue(violation.getMessage());
            }
        };
    }
}
