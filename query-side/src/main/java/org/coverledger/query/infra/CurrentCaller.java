package org.coverledger.query.infra;

import java.util.Set;
import java.util.stream.Collectors;

import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/** The authenticated caller of a query. */
public final class CurrentCaller {

    private CurrentCaller() {
    }

    public static Caller get() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        Set<Role> roles = auth.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_"))
                .map(a -> Role.valueOf(a.substring("ROLE_".length())))
                .collect(Collectors.toSet());
        return new Caller(auth.getName(), roles);
    }
}
