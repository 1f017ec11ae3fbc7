package org.coverledger.command.infra;

import java.util.UUID;

import org.coverledger.events.common.UnknownObject;

/** Identifiers are UUIDs minted here; anything else in a path is an unknown object (404). */
public final class Ids {

    private Ids() {
    }

    public static void requireKnownFormat(String kind, String id) {
        try {
            UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new UnknownObject(kind, "?");
        }
    }
}
