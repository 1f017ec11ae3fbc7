package org.coverledger.events.policy;

import java.time.Instant;
import java.time.LocalDate;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/** The policy's messages, together, as in the business's rule book. */
public final class PolicyApi {

    private PolicyApi() {
    }

    public record IssuePolicy(@TargetAggregateIdentifier String policyId, String policyNumber, String accountId,
                              Product product, Money sumInsured, Money premium,
                              LocalDate startDate, LocalDate endDate) {
    }

    /** A change to the beneficiary and/or the sum insured; null means "unchanged". */
    public record ChangePolicy(@TargetAggregateIdentifier String policyId, String beneficiary, Money sumInsured) {
        @Override
        public String toString() {
            return "ChangePolicy[" + policyId + "]";
        }
    }

    /** The policyholder is the login that owns the account (its id, or a demo user's name), not a person's name. */
    @Revision("1")
    public record PolicyIssued(String policyId, String policyNumber, String accountId, String policyholder,
                               Product product, Money sumInsured, Money premium,
                               LocalDate startDate, LocalDate endDate) {
    }

    /**
     * Takes effect at 00:00 of the day after the change was accepted, in business time. Revision 2
     * added the account, whose key seals the beneficiary; revision 1 events read with none.
     */
    @Revision("2")
    public record PolicyChanged(String policyId, @DataSubject String accountId, @PersonalData String beneficiary,
                                Money sumInsured, Instant effectiveFrom) {
        @Override
        public String toString() {
            return "PolicyChanged[" + policyId + "]";
        }
    }
}
