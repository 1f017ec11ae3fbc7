package org.coverledger.events.common;

import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The authenticated caller of a command, as read from its metadata. A caller who is only a
 * customer may act on their own objects alone; staff act by role.
 */
public record Caller(String login, Set<Role> roles) {

    public Caller {
        roles = Set.copyOf(roles);
    }

    public static Caller of(String login, String roles) {
        return new Caller(login, CommandMetadata.parseRoles(roles));
    }

    /** From the granted authorities of an authenticated user ({@code ROLE_CUSTOMER}, ...). */
    public static Caller fromAuthorities(String login, Collection<String> authorities) {
        Set<String> known = java.util.Arrays.stream(Role.values()).map(Enum::name).collect(Collectors.toSet());
        Set<Role> roles = authorities.stream()
                .filter(a -> a.startsWith("ROLE_") && known.contains(a.substring("ROLE_".length())))
                .map(a -> Role.valueOf(a.substring("ROLE_".length())))
                .collect(Collectors.toSet());
        return new Caller(login, roles);
    }

    public boolean hasAnyRole(Role... wanted) {
        for (Role role : wanted) {
            if (roles.contains(role)) {
                return true;
            }
        }
        return false;
    }

    /** True when the caller acts only as a customer (no staff role). */
    public boolean isCustomerOnly() {
        return roles.contains(Role.CUSTOMER) && roles.size() == 1;
    }

    /** A customer may act on what they own; staff with one of the given roles on anything. */
    public boolean mayActOn(String ownerLogin, Role... staffRoles) {
        if (hasAnyRole(staffRoles)) {
            return true;
        }
        return roles.contains(Role.CUSTOMER) && login.equals(ownerLogin);
    }
}
