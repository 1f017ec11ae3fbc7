package org.coverledger.events.claim;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.axonframework.modelling.command.TargetAggregateIdentifier;
import org.axonframework.serialization.Revision;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.DataSubject;
import org.coverledger.privacy.PersonalData;

/** The claim's messages, together. */
public final class ClaimApi {

    private ClaimApi() {
    }

    public record SubmitClaim(@TargetAggregateIdentifier String claimId, String policyId, LocalDate incidentDate,
                              String description, Money amountClaimed) {
        @Override
        public String toString() {
            return "SubmitClaim[" + claimId + ", policy " + policyId + "]";
        }
    }

    public record RequestMaterials(@TargetAggregateIdentifier String claimId, List<String> items, String note) {
        public RequestMaterials {
            items = List.copyOf(items);
        }

        @Override
        public String toString() {
            return "RequestMaterials[" + claimId + ", " + items + "]";
        }
    }

    /**
     * The claimant is the login that owns the policy's account. Revision 2 added the account,
     * whose key seals the description (free text about an incident is personal); revision 1
     * events read with none.
     */
    @Revision("2")
    public record ClaimSubmitted(String claimId, String policyId, @DataSubject String accountId, String claimant,
                                 LocalDate incidentDate, @PersonalData String description, Money amountClaimed,
                                 Instant submittedAt) {
        @Override
        public String toString() {
            return "ClaimSubmitted[" + claimId + ", policy " + policyId + "]";
        }
    }

    /**
     * Revision 2 renamed {@code adjuster} to {@code requestedBy}: admins request materials too
     * (revision 1 events are read through {@link MaterialsRequestedUpcaster}). Revision 3 added
     * the account, whose key seals the note; revision 2 events read with none.
     */
    @Revision("3")
    public record MaterialsRequested(String claimId, @DataSubject String accountId, List<String> items,
                                     @PersonalData String note, String requestedBy, Instant requestedAt) {
        public MaterialsRequested {
            items = List.copyOf(items);
        }

        @Override
        public String toString() {
            return "MaterialsRequested[" + claimId + ", " + items + "]";
        }
    }
}
