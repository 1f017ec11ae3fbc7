package org.coverledger.command.claim;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Period;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.coverledger.events.common.Money;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The configurable numbers of the claims rule book (README, "Claims"): who the adjusters are and
 * how much each may approve alone, how long a customer has to report an incident and to send
 * materials, how often a payout is tried, how long a closed claim may be reopened.
 */
@Component
public class ClaimRules {

    private final Map<String, Money> adjusters; // login -> authority, in the order configured
    private final Money defaultAuthority;
    private final Period reportingLimit;
    private final int materialsDueDays;
    private final int maxMaterials;
    private final int payoutAttempts;
    private final Duration payoutRetryAfter;
    private final Period reopenWithin;

    @Autowired
    public ClaimRules(@Value("${coverledger.claims.adjusters}") List<String> adjusters,
                      @Value("${coverledger.claims.approval-limit}") BigDecimal approvalLimit,
                      @Value("${coverledger.claims.reporting-limit}") Period reportingLimit,
                      @Value("${coverledger.claims.materials-due-days}") int materialsDueDays,
                      @Value("${coverledger.claims.max-materials}") int maxMaterials,
                      @Value("${coverledger.claims.payout-attempts}") int payoutAttempts,
                      @Value("${coverledger.claims.payout-retry-after}") Duration payoutRetryAfter,
                      @Value("${coverledger.claims.reopen-within}") Period reopenWithin) {
        this.defaultAuthority = Money.cny(approvalLimit);
        this.adjusters = new LinkedHashMap<>();
        for (String entry : adjusters) {
            String[] parts = entry.trim().split(":");
            if (parts[0].isBlank()) {
                continue;
            }
            this.adjusters.put(parts[0], parts.length > 1 ? Money.cny(new BigDecimal(parts[1])) : defaultAuthority);
        }
        this.reportingLimit = reportingLimit;
        this.materialsDueDays = materialsDueDays;
        this.maxMaterials = maxMaterials;
        this.payoutAttempts = payoutAttempts;
        this.payoutRetryAfter = payoutRetryAfter;
        this.reopenWithin = reopenWithin;
    }

    /** The defaults of the README, with the adjusters given (login, or login:authority). */
    public static ClaimRules defaults(String... adjusters) {
        return new ClaimRules(List.of(adjusters), new BigDecimal("50000"), Period.ofYears(2), 30, 50, 5,
                Duration.ofMinutes(1), Period.ofYears(1));
    }

    /** The configured adjusters, in their order: new claims go to the one with the fewest open. */
    public List<String> adjusters() {
        return List.copyOf(adjusters.keySet());
    }

    public boolean isAdjuster(String login) {
        return adjusters.containsKey(login);
    }

    /** What an adjuster may approve alone: their own limit, or the default one. */
    public Money authorityOf(String login) {
        return adjusters.getOrDefault(login, defaultAuthority);
    }

    public Period reportingLimit() {
        return reportingLimit;
    }

    public int materialsDueDays() {
        return materialsDueDays;
    }

    public int maxMaterials() {
        return maxMaterials;
    }

    public int payoutAttempts() {
        return payoutAttempts;
    }

    /** The pause after a failed payout attempt n: the base, doubled for each attempt before. */
    public Duration pauseAfter(int attempt) {
        return payoutRetryAfter.multipliedBy(1L << Math.min(20, Math.max(0, attempt - 1)));
    }

    public Period reopenWithin() {
        return reopenWithin;
    }
}
