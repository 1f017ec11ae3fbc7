package org.coverledger.command.claim;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.coverledger.command.claim.Claim.HoldsMaterial;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.materials.MaterialStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Removes stored files whose upload no claim recorded. An upload stores the file first and then
 * records MaterialUploaded; a crash in between, or a failure of the record that is not a refusal
 * (the record may have gone through), leaves the file behind. Files older than
 * {@code coverledger.claims.material-sweep-after} (1 h: far longer than any upload takes between
 * the two) are checked against their claim every {@code material-sweep-interval} (1 h), and those
 * the claim does not hold are removed. Every instance may sweep; a removal twice is a removal.
 * (Sealed under the customer's key, such a file was never readable to anyone but the claim's
 * people, and erasure makes it unreadable as the rest.)
 */
@Component
public class MaterialSweep {

    private static final Logger log = LoggerFactory.getLogger(MaterialSweep.class);

    /** Whether the claim holds the material (false for a claim that does not exist). */
    interface Claims {
        boolean hold(String claimId, String materialId);
    }

    private final MaterialStore store;
    private final Claims claims;
    private final Duration after;
    private final Clock clock;
    private final Counter removed;

    @Autowired
    public MaterialSweep(MaterialStore store, CommandGateway gateway, MeterRegistry meters,
                         @Value("${coverledger.claims.material-sweep-after:1h}") Duration after) {
        this(store, (claimId, materialId) -> {
            try {
                Boolean held = gateway.sendAndWait(GenericCommandMessage.asCommandMessage(
                        new HoldsMaterial(claimId, materialId)).andMetaData(MetaData.with(CommandMetadata.ACTOR,
                        CommandMetadata.SYSTEM_ACTOR).and(CommandMetadata.ROLES, "")));
                return Boolean.TRUE.equals(held);
            } catch (AggregateNotFoundException e) {
                return false;
            }
        }, after, Clock.systemUTC(), meters); // GridFS dates a file by the writer's real clock
    }

    MaterialSweep(MaterialStore store, Claims claims, Duration after, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.claims = claims;
        this.after = after;
        this.clock = clock;
        this.removed = Counter.builder("coverledger.materials.orphans.removed")
                .description("stored files removed because no claim recorded their upload").register(meters);
    }

    /** One pass: how many files it removed. */
    @Scheduled(initialDelayString = "${coverledger.claims.material-sweep-interval:1h}",
            fixedDelayString = "${coverledger.claims.material-sweep-interval:1h}")
    public int sweep() {
        int count = 0;
        for (MaterialStore.StoredFile file : store.storedBefore(clock.instant().minus(after))) {
            boolean held;
            try {
                held = claims.hold(file.claimId(), file.materialId());
            } catch (RuntimeException e) {
                log.warn("material {} of claim {}: not checked this time ({})", file.materialId(), file.claimId(),
                        e.toString());
                continue;
            }
            if (!held) {
                store.delete(file.materialId());
                removed.increment();
                count++;
                log.info("material {} removed: claim {} never recorded its upload", file.materialId(),
                        file.claimId());
            }
        }
        return count;
    }
}
