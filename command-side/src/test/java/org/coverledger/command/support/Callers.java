package org.coverledger.command.support;

import java.util.Map;

import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.CommandMetadata;

/** Command metadata as the REST layer attaches it, for fixture tests. */
public final class Callers {

    private Callers() {
    }

    public static MetaData as(String login, String roles) {
        return MetaData.from(Map.of(CommandMetadata.ACTOR, login, CommandMetadata.ROLES, roles == null ? "" : roles,
                CommandMetadata.REQUEST_ID, "req-test", CommandMetadata.CLIENT_IP, "127.0.0.1"));
    }

    public static MetaData alice() {
        return as("alice", "CUSTOMER");
    }

    public static MetaData bob() {
        return as("bob", "CUSTOMER");
    }

    public static MetaData adjuster() {
        return as("adam", "ADJUSTER");
    }

    public static MetaData underwriter() {
        return as("uma", "UNDERWRITER");
    }
}
