package org.coverledger.platform;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.coverledger.identity.RateLimiter;
import org.springframework.context.event.EventListener;
import org.springframework.security.authentication.event.AuthenticationFailureBadCredentialsEvent;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A client that has failed too many logins is told to wait (429 with Retry-After) before its
 * credentials are even checked, so passwords cannot be guessed at speed from one address;
 * per account, five failures lock it.
 */
public class LoginRateLimit extends OncePerRequestFilter {

    private final RateLimiter failuresPerClient;
    private final ProblemWriter problems;

    /** Writes a Problem Details answer. */
    public interface ProblemWriter {
        void write(HttpServletResponse response, long retryAfterSeconds) throws IOException;
    }

    public LoginRateLimit(RateLimiter failuresPerClient, ProblemWriter problems) {
        this.failuresPerClient = failuresPerClient;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (request.getHeader("Authorization") != null) {
            long wait = failuresPerClient.retryAfterSeconds(request.getRemoteAddr());
            if (wait > 0) {
                response.setHeader("Retry-After", String.valueOf(wait));
                problems.write(response, wait);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    @EventListener
    public void failed(AuthenticationFailureBadCredentialsEvent event) {
        if (event.getAuthentication().getDetails() instanceof WebAuthenticationDetails details) {
            failuresPerClient.record(details.getRemoteAddress());
        }
    }
}
