package org.coverledger.command.identity;

import java.time.Clock;
import java.time.Duration;

import org.coverledger.platform.TooManyRequests;
import org.coverledger.identity.RateLimiter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * How often one-time codes may be requested and entered, per account and per client address,
 * so that nobody floods a customer's phone or guesses codes by trying many accounts. Counted
 * after the account was found visible to the caller, so that nobody spends another's budget.
 */
@Component
public class CodeRateLimits {

    private final RateLimiter requestsPerAccount;
    private final RateLimiter requestsPerClient;
    private final RateLimiter attemptsPerAccount;
    private final RateLimiter attemptsPerClient;

    public CodeRateLimits(@Value("${coverledger.rate-limit.code-requests-per-account}") int requestsPerAccount,
                          @Value("${coverledger.rate-limit.code-requests-per-client}") int requestsPerClient,
                          @Value("${coverledger.rate-limit.code-attempts-per-account}") int attemptsPerAccount,
                          @Value("${coverledger.rate-limit.code-attempts-per-client}") int attemptsPerClient,
                          @Value("${coverledger.rate-limit.code-window}") Duration window, Clock clock) {
        this.requestsPerAccount = new RateLimiter(requestsPerAccount, window, clock);
        this.requestsPerClient = new RateLimiter(requestsPerClient, window, clock);
        this.attemptsPerAccount = new RateLimiter(attemptsPerAccount, window, clock);
        this.attemptsPerClient = new RateLimiter(attemptsPerClient, window, clock);
    }

    /** Counts a request for a code, or refuses it with 429. */
    public void codeRequested(String accountKey, String client) {
        spend(requestsPerAccount, accountKey, requestsPerClient, client, "TOO_MANY_CODE_REQUESTS",
                "Too many codes were requested; wait before asking for another.");
    }

    /** Counts a code entered, or refuses it with 429. */
    public void codeEntered(String accountKey, String client) {
        spend(attemptsPerAccount, accountKey, attemptsPerClient, client, "TOO_MANY_CODE_ATTEMPTS",
                "Too many codes were entered; wait before trying again.");
    }

    private static void spend(RateLimiter perAccount, String account, RateLimiter perClient, String client,
                              String code, String message) {
        String clientKey = client == null ? "?" : client;
        long wait = Math.max(perAccount.retryAfterSeconds(account), perClient.retryAfterSeconds(clientKey));
        if (wait > 0) {
            throw new TooManyRequests(code, message, wait);
        }
        perAccount.record(account);
        perClient.record(clientKey);
    }
}
