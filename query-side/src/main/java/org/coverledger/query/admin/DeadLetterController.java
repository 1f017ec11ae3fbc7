package org.coverledger.query.admin;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.axonframework.messaging.deadletter.SequencedDeadLetterProcessor;
import org.axonframework.messaging.deadletter.SequencedDeadLetterQueue;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Events a projection failed on wait in a dead-letter queue in MongoDB, per aggregate sequence,
 * instead of blocking the projection or being dropped. Operators see them here and retry them
 * once the cause is fixed.
 */
@RestController
@RequestMapping("/api/admin/dead-letters")
@Tag(name = "Admin: dead letters", description = "Events projections failed on (admin)")
public class DeadLetterController {

    public record Letter(String eventId, String eventType, String aggregateId, Long sequence, String cause,
                         Instant enqueuedAt, Instant lastTouched) {
    }

    public record Queue(String projection, long sequences, long letters, List<List<Letter>> deadLetters) {
    }

    public record Retried(String projection, int sequencesProcessed, long lettersLeft) {
    }

    private final EventProcessingConfiguration processing;

    public DeadLetterController(EventProcessingConfiguration processing) {
        this.processing = processing;
    }

    @GetMapping
    @Operation(summary = "Every projection's dead letters, grouped by aggregate sequence")
    public List<Queue> all() {
        List<Queue> queues = new ArrayList<>();
        for (String name : processing.eventProcessors().keySet()) {
            processing.deadLetterQueue(name).ifPresent(queue -> queues.add(describe(name, queue)));
        }
        return queues;
    }

    @GetMapping("/{projection}")
    @Operation(summary = "One projection's dead letters")
    public Queue one(@PathVariable String projection) {
        return describe(projection, queue(projection));
    }

    @PostMapping("/{projection}/retry")
    @Operation(summary = "Hand every dead-lettered sequence back to the projection; what fails again stays queued")
    public Retried retry(@PathVariable String projection) {
        SequencedDeadLetterQueue<EventMessage<?>> queue = queue(projection);
        SequencedDeadLetterProcessor<EventMessage<?>> processor = processing.sequencedDeadLetterProcessor(projection)
                .orElseThrow(() -> new NotFound("projection", projection));
        int processed = 0;
        long sequences = queue.amountOfSequences();
        for (long i = 0; i < sequences && processor.processAny(); i++) {
            processed++;
        }
        return new Retried(projection, processed, queue.size());
    }

    private SequencedDeadLetterQueue<EventMessage<?>> queue(String projection) {
        return processing.deadLetterQueue(projection).orElseThrow(() -> new NotFound("projection", projection));
    }

    private static Queue describe(String name, SequencedDeadLetterQueue<EventMessage<?>> queue) {
        List<List<Letter>> sequences = new ArrayList<>();
        for (Iterable<DeadLetter<? extends EventMessage<?>>> sequence : queue.deadLetters()) {
            List<Letter> letters = new ArrayList<>();
            for (DeadLetter<? extends EventMessage<?>> letter : sequence) {
                EventMessage<?> event = letter.message();
                boolean domain = event instanceof DomainEventMessage<?>;
                letters.add(new Letter(event.getIdentifier(), event.getPayloadType().getSimpleName(),
                        domain ? ((DomainEventMessage<?>) event).getAggregateIdentifier() : null,
                        domain ? ((DomainEventMessage<?>) event).getSequenceNumber() : null,
                        letter.cause().map(c -> c.type() + ": " + c.message()).orElse(null),
                        letter.enqueuedAt(), letter.lastTouched()));
            }
            sequences.add(letters);
        }
        return new Queue(name, queue.amountOfSequences(), queue.size(), sequences);
    }

}
