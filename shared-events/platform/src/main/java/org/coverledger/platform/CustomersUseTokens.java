package org.coverledger.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * With two factors on, a registered customer's password opens one door only: {@code POST
 * /api/sessions}, where the second factor is asked for. Every other call takes the bearer token
 * that door gives; HTTP Basic stays for staff (and the configured demo customers).
 */
public class CustomersUseTokens extends OncePerRequestFilter {

    private final boolean twoFactor;
    private final BearerTokens.Refusal refusal;

    public CustomersUseTokens(boolean twoFactor, BearerTokens.Refusal refusal) {
        this.twoFactor = twoFactor;
        this.refusal = refusal;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        boolean logIn = "POST".equals(request.getMethod())
                && "/api/sessions".equals(request.getRequestURI().substring(request.getContextPath().length()));
        if (twoFactor && auth != null && auth.getPrincipal() instanceof Logins.Customer && !logIn) {
            SecurityContextHolder.clearContext();
            refusal.write(response, "BEARER_TOKEN_REQUIRED",
                    "Customers log in at POST /api/sessions (with a one-time code on a new device) and send the "
                            + "bearer token it gives.");
            return;
        }
        chain.doFilter(request, response);
    }
}
