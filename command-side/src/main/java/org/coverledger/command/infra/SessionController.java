package org.coverledger.command.infra;

import org.coverledger.platform.Refuses;
import org.coverledger.platform.Logins;
import org.coverledger.platform.BearerTokens;
import java.time.Instant;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.identity.AccessTokens;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/sessions")
@Tag(name = "Sessions", description = "Exchange a login for a bearer token that both sides accept")
public class SessionController {

    public record Session(String token, String tokenType, Instant expiresAt) {
        @Override
        public String toString() {
            return "Session[expires " + expiresAt + "]";
        }
    }

    private final AccessTokens tokens;
    private final HttpServletRequest request;

    public SessionController(AccessTokens tokens, HttpServletRequest request) {
        this.tokens = tokens;
        this.request = request;
    }

    @Refuses({"TOKEN_NEEDS_PASSWORD"})
    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Log in once with HTTP Basic (login and password) and get a bearer token for both sides",
            description = "Send it as `Authorization: Bearer <token>` to the command and the query side. It lapses "
                    + "after coverledger.identity.token-ttl (30 minutes by default), on DELETE /api/sessions/current, "
                    + "and for a customer on a password change or reset; it is refused while the account is locked "
                    + "or once it is closed. 422 TOKEN_NEEDS_PASSWORD when asked for with a token.")
    public Session logIn() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (!(auth.getPrincipal() instanceof UserDetails user)) {
            throw new BusinessRuleViolation("TOKEN_NEEDS_PASSWORD", "Log in with your password to get a new token.");
        }
        List<String> roles = user.getAuthorities().stream().map(GrantedAuthority::getAuthority)
                .map(role -> role.substring("ROLE_".length())).toList();
        AccessTokens.Issued issued = tokens.issue(new AccessTokens.Holder(user.getUsername(), roles,
                user instanceof Logins.Customer));
        return new Session(issued.token(), "Bearer", issued.expiresAt());
    }

    @DeleteMapping("/current")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Log out: the bearer token of this request stops working")
    public void logOut() {
        BearerTokens.of(request).ifPresent(tokens::revoke);
    }
}
