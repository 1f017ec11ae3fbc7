package org.coverledger.query.audit;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.coverledger.platform.RequestIdFilter;
import org.coverledger.platform.SecuredFilter;
import org.coverledger.query.audit.AuditAccessLog.Action;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records every request to the audit trail in {@link AuditAccessLog} once it is answered: refused
 * ones too (it runs inside the security chain, around the authorization decision), and a
 * streamed export when its last byte is written, with the number of entries it carried. Service
 * staff finding a customer ({@code /api/accounts/lookup}) or opening a customer's overview are
 * recorded in the same log: a mobile or national ID looked up by only as the keyed hash the
 * credentials store keys it by, never in the clear, and the account found beside it.
 */
@Component
public class AuditAccessFilter extends OncePerRequestFilter implements SecuredFilter {

    private static final Logger log = LoggerFactory.getLogger(AuditAccessFilter.class);
    private static final String ENTRIES = AuditAccessFilter.class.getName() + ".entries";
    private static final String BODY = AuditAccessFilter.class.getName() + ".body";
    private static final String FOUND = AuditAccessFilter.class.getName() + ".found";
    private static final Pattern OVERVIEW = Pattern.compile("/api/accounts/[^/]+/overview");
    private static final String LOOKUP = "/api/accounts/lookup";
    /** The staff roles whose look at a customer's overview is recorded. */
    private static final java.util.Set<String> STAFF = java.util.Set.of("UNDERWRITER", "ADJUSTER", "COMPLIANCE", "ADMIN");
    private static final Pattern AS_OF = Pattern.compile("/api/(policies/[^/]+|claims/[^/]+/progress|accounts/[^/]+)");
    private static final int MAX_PARAMETERS = 20;
    private static final int MAX_VALUE = 200;

    private static final org.springframework.web.util.UrlPathHelper PATHS = new org.springframework.web.util.UrlPathHelper();
    /** Refusals without a login recorded per client address and minute; past that they are counted only. */
    private static final int REFUSALS_PER_MINUTE = 30;

    private final AuditAccessLog accesses;
    private final org.coverledger.identity.CustomerCredentials credentials;
    private final org.coverledger.identity.RateLimiter refusals;
    private final io.micrometer.core.instrument.Counter flooded;
    private final io.micrometer.core.instrument.Counter failed;

    public AuditAccessFilter(AuditAccessLog accesses, org.coverledger.identity.CustomerCredentials credentials,
                             java.time.Clock clock, io.micrometer.core.instrument.MeterRegistry meters) {
        this.accesses = accesses;
        this.credentials = credentials;
        this.refusals = new org.coverledger.identity.RateLimiter(REFUSALS_PER_MINUTE, java.time.Duration.ofMinutes(1),
                clock);
        this.flooded = io.micrometer.core.instrument.Counter.builder("coverledger.audit.access.unrecorded")
                .description("Accesses to the audit trail not recorded").tag("reason", "anonymous-flood")
                .register(meters);
        this.failed = io.micrometer.core.instrument.Counter.builder("coverledger.audit.access.unrecorded")
                .description("Accesses to the audit trail not recorded").tag("reason", "write-failed")
                .register(meters);
    }

    /** How many entries the answer to the current request covers. */
    public static void entries(long count) {
        RequestContextHolder.currentRequestAttributes().setAttribute(ENTRIES, count, RequestAttributes.SCOPE_REQUEST);
    }

    /** As {@link #entries(long)}, read when the answer is done (a streamed one). */
    public static void entries(HttpServletRequest request, LongSupplier count) {
        request.setAttribute(ENTRIES, count);
    }

    /** What the request's body asked, to record with its parameters (as {@code body.<name>}). */
    public static void body(Map<String, String> asked) {
        RequestContextHolder.currentRequestAttributes().setAttribute(BODY, Map.copyOf(asked),
                RequestAttributes.SCOPE_REQUEST);
    }

    /** What the answer found, to record with the parameters (as {@code found.<name>}): the account a look-up found. */
    public static void found(String name, String value) {
        RequestContextHolder.currentRequestAttributes().setAttribute(FOUND, Map.of(name, value),
                RequestAttributes.SCOPE_REQUEST);
    }

    /** The kind of access a request is, or null for one that is not recorded. */
    static Action actionOf(String method, String path, boolean asOf) {
        if (path.equals("/api/audit")) {
            return Action.QUERY;
        }
        if (path.equals(LOOKUP)) {
            return Action.CUSTOMER_LOOKUP;
        }
        if (OVERVIEW.matcher(path).matches() && "GET".equals(method)) {
            return Action.CUSTOMER_OVERVIEW; // recorded for staff only (below)
        }
        if (!path.startsWith("/api/audit/")) {
            return asOf && "GET".equals(method) && AS_OF.matcher(path).matches() ? Action.AS_OF_VIEW : null;
        }
        String rest = path.substring("/api/audit/".length());
        String first = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
        if (first.equals("checkpoints") && ("GET".equals(method) || rest.endsWith("/cosignatures"))
                || rest.equals("proofs/consistency")) {
            return null; // public, for witnesses: hashes only, nothing of the trail (as the public key)
        }
        return switch (first) {
            case "public-key" -> null; // anyone's, and nothing of the trail
            case "replay" -> Action.REPLAY;
            case "verifications" -> Action.VERIFICATION;
            case "export" -> Action.EXPORT;
            case "digest" -> Action.DIGEST;
            case "proofs" -> Action.PROOF;
            case "checkpoints" -> Action.CHECKPOINTS;
            case "retention" -> Action.RETENTION;
            case "access" -> Action.ACCESS_LOG;
            default -> Action.OTHER;
        };
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // decoded and normalised as the dispatcher routes it: /api/%61udit is /api/audit
        String path = PATHS.getPathWithinApplication(request);
        Map<String, String> parameters = parameters(request.getQueryString());
        Action action = actionOf(request.getMethod(), path, parameters.containsKey("asOf"));
        if (action == null) {
            chain.doFilter(request, response);
            return;
        }
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        boolean known = caller != null && caller.isAuthenticated() && !(caller instanceof AnonymousAuthenticationToken);
        String actor = known ? caller.getName() : null;
        String roles = known ? caller.getAuthorities().stream().map(a -> a.getAuthority().replaceFirst("^ROLE_", ""))
                .sorted().collect(Collectors.joining(",")) : null;
        if (action == Action.CUSTOMER_OVERVIEW
                && (roles == null || java.util.Arrays.stream(roles.split(",")).noneMatch(STAFF::contains))) {
            chain.doFilter(request, response); // a customer's look at their own, or a refusal that showed nothing
            return;
        }
        if (action == Action.CUSTOMER_LOOKUP) {
            parameters = lookedUpBy(parameters);
        }
        Map<String, String> asked = parameters;
        boolean answered = false;
        try {
            chain.doFilter(request, response);
            answered = true;
        } finally {
            if (request.isAsyncStarted()) {
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        record(request, response.getStatus(), actor, roles, path, asked, action);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                    }
                });
            } else {
                record(request, answered ? response.getStatus() : 500, actor, roles, path, asked, action);
            }
        }
    }

    private void record(HttpServletRequest request, int status, String actor, String roles, String path,
                        Map<String, String> parameters, Action action) {
        Map<String, String> asked = new TreeMap<>(parameters);
        if (request.getAttribute(BODY) instanceof Map<?, ?> body) {
            body.forEach((name, value) -> asked.put("body." + name, bounded(String.valueOf(value))));
        }
        if (request.getAttribute(FOUND) instanceof Map<?, ?> found) {
            found.forEach((name, value) -> asked.put("found." + name, bounded(String.valueOf(value))));
        }
        if (actor == null) {
            String client = request.getRemoteAddr();
            if (refusals.retryAfterSeconds(client) > 0) {
                flooded.increment(); // a flood of refusals without a login: counted, not recorded one by one
                return;
            }
            refusals.record(client);
        }
        Object counted = request.getAttribute(ENTRIES);
        Long entries = counted instanceof Number number ? Long.valueOf(number.longValue())
                : counted instanceof LongSupplier supplier ? Long.valueOf(supplier.getAsLong()) : null;
        try {
            accesses.record(actor, roles, request.getRemoteAddr(), RequestIdFilter.of(request), request.getMethod(),
                    path, asked, action, status, entries);
        } catch (RuntimeException e) {
            failed.increment();
            log.error("An access to the audit trail could not be recorded: {} {} by {} answered {}",
                    request.getMethod(), path, actor, status, e);
        }
    }

    /**
     * A look-up's parameters as they may be kept: a policy number or claim id as given, a mobile or
     * national ID as its keyed hash (whatever was sent: a mistyped number is still someone's), and
     * of anything else only its name.
     */
    private Map<String, String> lookedUpBy(Map<String, String> parameters) {
        Map<String, String> kept = new TreeMap<>();
        parameters.forEach((name, value) -> kept.put(name, switch (name) {
            case "policyNumber", "claimId" -> value;
            case "mobile" -> credentials.keyedHash(org.coverledger.identity.CustomerCredentials.Identity.MOBILE, value);
            case "nationalId" -> credentials.keyedHash(org.coverledger.identity.CustomerCredentials.Identity.NATIONAL_ID,
                    value);
            default -> "(not recorded)";
        }));
        return kept;
    }

    /** The query string's parameters by name (repeated ones joined by commas), bounded in number and length. */
    static Map<String, String> parameters(String query) {
        Map<String, String> parameters = new TreeMap<>();
        if (query == null || query.isEmpty()) {
            return parameters;
        }
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = bounded(decode(equals < 0 ? pair : pair.substring(0, equals)));
            String value = bounded(equals < 0 ? "" : decode(pair.substring(equals + 1)));
            if (parameters.size() >= MAX_PARAMETERS && !parameters.containsKey(name)) {
                parameters.put("…", "more parameters not recorded");
                break;
            }
            parameters.merge(name, value, (a, b) -> bounded(a + "," + b));
        }
        return parameters;
    }

    private static String decode(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return raw; // malformed escapes: recorded as sent
        }
    }

    /** At most {@value #MAX_VALUE} code points (never half of one), and nothing that is not text. */
    static String bounded(String value) {
        StringBuilder kept = new StringBuilder();
        int[] points = value.codePoints().limit(MAX_VALUE + 1L).toArray();
        for (int i = 0; i < Math.min(points.length, MAX_VALUE); i++) {
            int point = points[i];
            // a lone surrogate or NUL would not be stored as it is hashed
            kept.appendCodePoint(point == 0 || Character.isSurrogate((char) point) && point <= 0xFFFF ? 0xFFFD : point);
        }
        return points.length > MAX_VALUE ? kept.append('…').toString() : kept.toString();
    }
}
