package org.coverledger.ops;

import java.util.concurrent.atomic.AtomicBoolean;

import org.axonframework.config.ProcessingGroup;
import org.axonframework.eventhandling.EventHandler;
import org.axonframework.eventhandling.EventMessage;
import org.springframework.stereotype.Component;

/**
 * A test-only handler in the policies projection that makes a rebuild (its own threads, named
 * after the {@code policies~rebuild} processor) slow while {@link #slow} is set, so that a test can
 * look at the system while a rebuild runs, as it would over a large store. The live processor is
 * never slowed.
 */
@Component
@ProcessingGroup("policies")
public class SlowRebuildHandler {

    public static final AtomicBoolean slow = new AtomicBoolean();

    @EventHandler
    void on(EventMessage<?> event) throws InterruptedException {
        if (slow.get() && Thread.currentThread().getName().contains("~rebuild")) {
            Thread.sleep(150);
        }
    }
}
