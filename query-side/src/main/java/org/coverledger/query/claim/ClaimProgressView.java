package org.coverledger.query.claim;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/** Where a claim stands and the steps it went through, as the customer's progress page shows it. */
@Document("claim_progress")
public record ClaimProgressView(@Id String claimId, String policyId, String claimant, String status,
                                LocalDate incidentDate, BigDecimal amountClaimed, String currency,
                                List<Step> timeline, long lastSequence) {

    public record Step(long sequence, String step, Instant at, String by, List<String> items, String note) {
    }
}
