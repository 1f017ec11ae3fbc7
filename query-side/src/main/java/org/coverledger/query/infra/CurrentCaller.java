package org.coverledger.query.infra;

import org.coverledger.events.common.Caller;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/** The authenticated caller of a query. */
public final class CurrentCaller {

    private CurrentCaller() {
    }

    public static Caller get() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return Caller.fromAuthorities(auth.getName(),
                auth.getAuthorities().stream().map(GrantedAuthority::getAuthority).toList());
    }
}
