package org.coverledger.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.coverledger.identity.AccessTokens;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.Digests;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Accepts {@code Authorization: Bearer <token>} from {@code POST /api/sessions}: one read by the
 * token's hash instead of a password check on every call. A customer's token stops working while
 * the account is locked and once it is closed.
 */
public class BearerTokens extends OncePerRequestFilter {

    /** Writes a 401 Problem Details answer. */
    public interface Refusal {
        void write(HttpServletResponse response, String code, String detail) throws IOException;
    }

    /** The path a metrics scraper's token opens, and the only one. */
    public static final String SCRAPE_PATH = "/actuator/prometheus";
    /** The authority a scraper's token gives: no role of the insurer's, so nothing else is open to it. */
    public static final String METRICS_ROLE = "METRICS";

    private final AccessTokens tokens;
    private final CustomerCredentials customers;
    private final Refusal refusal;
    private final String scrapeTokenHash;

    public BearerTokens(AccessTokens tokens, CustomerCredentials customers, Refusal refusal) {
        this(tokens, customers, refusal, null);
    }

    /**
     * As above; {@code scrapeTokenSha256} (hex, or blank for none) is the SHA-256 of a long-lived
     * token that a metrics scraper (Prometheus) sends as its bearer token for
     * {@value #SCRAPE_PATH} alone, so that it needs neither a person's login nor a password hash
     * per scrape.
     */
    public BearerTokens(AccessTokens tokens, CustomerCredentials customers, Refusal refusal, String scrapeTokenSha256) {
        this.tokens = tokens;
        this.customers = customers;
        this.refusal = refusal;
        this.scrapeTokenHash = scrapeTokenSha256 == null || scrapeTokenSha256.isBlank() ? null
                : scrapeTokenSha256.trim().toLowerCase(java.util.Locale.ROOT);
        if (scrapeTokenHash != null && !scrapeTokenHash.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("coverledger.metrics.scrape-token-sha256 must be 64 hex digits (SHA-256)");
        }
    }

    /** Whether the token is the scraper's, asked for the scrape path (its hash compared in constant time). */
    private boolean isScrape(HttpServletRequest request, String token) {
        return scrapeTokenHash != null && SCRAPE_PATH.equals(request.getRequestURI())
                && java.security.MessageDigest.isEqual(Digests.sha256Hex(token).getBytes(StandardCharsets.US_ASCII),
                        scrapeTokenHash.getBytes(StandardCharsets.US_ASCII));
    }

    /** The bearer token of the request, if it has one. */
    public static Optional<String> of(HttpServletRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.of(header.substring(7).trim());
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> token = of(request);
        if (token.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        if (isScrape(request, token.get())) {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated("metrics-scraper", null,
                    List.of(new SimpleGrantedAuthority("ROLE_" + METRICS_ROLE))));
            SecurityContextHolder.setContext(context);
            chain.doFilter(request, response);
            return;
        }
        Optional<AccessTokens.Holder> holder = tokens.find(token.get());
        if (holder.isEmpty()) {
            refusal.write(response, "INVALID_TOKEN", "The token is unknown or has expired; log in again.");
            return;
        }
        if (holder.get().customer()) {
            Optional<CustomerCredentials.Credential> credential = customers.byAccount(holder.get().login());
            if (credential.isEmpty()) {
                refusal.write(response, "INVALID_TOKEN", "The account is closed.");
                return;
            }
            if (credential.get().locked()) {
                refusal.write(response, "ACCOUNT_LOCKED",
                        "The account is locked after repeated failed logins; an administrator can unlock it.");
                return;
            }
        }
        SecurityContext context = SecurityContextHolder.createEmptyContext();
        context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(holder.get().login(), null,
                holder.get().roles().stream().map(role -> new SimpleGrantedAuthority("ROLE_" + role)).toList()));
        SecurityContextHolder.setContext(context);
        // kept with the request too: a stream's (SSE) later dispatches, which this filter does not see
        // again, are the same caller; without it they were refused on a committed answer, cut off
        CONTEXTS.saveContext(context, request, response);
        chain.doFilter(request, response);
    }

    private static final org.springframework.security.web.context.RequestAttributeSecurityContextRepository CONTEXTS =
            new org.springframework.security.web.context.RequestAttributeSecurityContextRepository();
}
