package org.coverledger.command.identity;

import java.util.Map;

import org.coverledger.command.identity.OneTimeCodes.Accepted;
import org.coverledger.command.identity.OneTimeCodes.Check;
import org.coverledger.command.identity.OneTimeCodes.Expired;
import org.coverledger.command.identity.OneTimeCodes.Wrong;
import org.coverledger.events.common.BusinessRuleViolation;

/** What the customer is told when a code is not accepted, the same for every flow. */
public final class CodeOutcomes {

    private CodeOutcomes() {
    }

    /** What the accepted code confirms, or the refusal. */
    public static Map<String, String> accepted(Check check) {
        if (check instanceof Accepted accepted) {
            return accepted.payload();
        }
        throw refusal(check);
    }

    /** The refusal of a code that was not accepted, to throw or to record. */
    public static BusinessRuleViolation refusal(Check check) {
        if (check instanceof Wrong wrong) {
            return wrong.attemptsLeft() > 0
                    ? new BusinessRuleViolation("CODE_WRONG", "The code is wrong; " + wrong.attemptsLeft() + " attempt(s) left.")
                    : new BusinessRuleViolation("CODE_SPENT", "The code is wrong and no attempts are left; request a new code.");
        }
        if (check instanceof Expired) {
            return new BusinessRuleViolation("CODE_EXPIRED", "The code has expired; request a new code.");
        }
        return new BusinessRuleViolation("NO_CODE_PENDING", "No code is waiting; request a new code.");
    }
}
