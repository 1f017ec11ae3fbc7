package org.coverledger.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.MDC;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Names the caller on every log line a request causes ({@code actor} in the logging context,
 * beside {@code requestId} from {@link RequestIdFilter}): the staff login, or for a customer the
 * account id their token carries, never a mobile number or a name. Runs inside the security
 * chain, once the caller is known; the JSON logs (README "Watching it") carry both as fields.
 */
@Component
public class LogContext extends OncePerRequestFilter implements SecuredFilter {

    public static final String ACTOR = "actor";
    public static final String CORRELATION_ID = "correlationId";

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        boolean known = caller != null && caller.isAuthenticated() && !(caller instanceof AnonymousAuthenticationToken);
        if (!known) {
            chain.doFilter(request, response);
            return;
        }
        MDC.put(ACTOR, caller.getName()); // cleared by RequestIdFilter, after its own line on the answer
        chain.doFilter(request, response);
    }
}
