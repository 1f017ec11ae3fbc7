package org.coverledger.query.quote;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.springframework.data.annotation.Id;
import org.springframework.data.mongodb.core.mapping.Document;

/** A quote as the customer and the underwriters see it; the insured's ID is masked on the way out. */
@Document("quote_views")
public record QuoteView(@Id String quoteId, String accountId, String owner, String product, BigDecimal sumInsured,
                        LocalDate startDate, int termMonths, LocalDate endDate, String insuredName,
                        String insuredNationalId, String relationship, int insuredAge,
                        Map<String, String> declarations, BigDecimal annualPremium, int loadingPercent,
                        List<String> loadings, List<String> referrals, Integer underwriterLoadingPercent,
                        String status, String termsVersion,
                        Instant quotedAt, Instant validUntil, String decidedBy, Instant decidedAt,
                        String declineReason, String policyId, String paymentPlan, long lastSequence) {
}
