package org.coverledger.events.common;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Keys of the metadata every command carries and every event inherits. The audit trail is
 * built from these, so they are part of the contract between the two sides.
 */
public final class CommandMetadata {

    public static final String ACTOR = "actor";
    public static final String ROLES = "roles";
    public static final String REQUEST_ID = "requestId";
    public static final String CLIENT_IP = "clientIp";
    public static final String CORRELATION_ID = "correlationId";
    public static final String CAUSATION_ID = "causationId";
    /** The actor of what the system does by itself (seeding, recording a lock, a timed step). */
    public static final String SYSTEM_ACTOR = "system";

    private CommandMetadata() {
    }

    /** Roles travel as one comma-separated string so that every serializer keeps them intact. */
    public static String joinRoles(Set<Role> roles) {
        return roles.stream().map(Enum::name).sorted().collect(Collectors.joining(","));
    }

    public static Set<Role> parseRoles(String roles) {
        if (roles == null || roles.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(roles.split(",")).map(String::trim).map(Role::valueOf).collect(Collectors.toSet());
    }
}
