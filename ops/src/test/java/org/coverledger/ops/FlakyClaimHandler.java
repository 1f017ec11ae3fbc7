package org.coverledger.ops;

import java.util.concurrent.atomic.AtomicBoolean;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.springframework.stereotype.Component;

/**
 * A test-only handler in the claims projection whose downstream is "unavailable" for requests
 * noted POISON while {@link #failing} is set: the way a real projection fails in production.
 */
@Component
@ProcessingGroup("claims")
public class FlakyClaimHandler {

    public static final AtomicBoolean failing = new AtomicBoolean();

    @EventHandler
    void on(MaterialsRequested event) {
        if (failing.get() && "POISON".equals(event.note())) {
            throw new IllegalStateException("downstream unavailable");
        }
    }
}
