package org.coverledger.command.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.eventhandling.GenericEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingEventProcessor;
import org.axonframework.eventhandling.TrackingEventProcessorConfiguration;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;
import org.axonframework.common.stream.BlockingStream;
import org.bson.Document;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.QuoteApi.QuoteAccepted;
import org.coverledger.events.policy.QuoteApi.QuoteDeclined;
import org.coverledger.eventstore.FlushingTokenStore;
import org.coverledger.eventstore.MongoEventStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The timetable under Axon's own tracking processor, batches of 100 events: the steps a batch
 * records or cancels go out as one write, and are all stored when the batch's token is, never
 * after it (a crash in between would otherwise skip them for good).
 */
class TimetableBatchTest {

    private static final Instant DUE = Instant.parse("2027-01-01T16:00:00Z");

    private final MongoDatabase database = TestMongo.freshDatabase();
    private final MongoCollection<Document> stored = database.getCollection("timed_steps");
    private TrackingEventProcessor processor;

    @AfterEach
    void stop() {
        if (processor != null) {
            processor.shutDown();
        }
    }

    /** What the store holds when a token is stored: steps DUE and CANCELLED, before and after the flush. */
    private record AtToken(long index, long dueBefore, long due, long cancelled) {
    }

    @Test
    void every_step_of_a_batch_is_stored_when_its_token_is_and_a_step_cancelled_in_the_same_batch_stays_cancelled() throws Exception {
        EmbeddedEventStore events = EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        for (int i = 0; i < 250; i++) {
            String quote = "q-" + i;
            events.publish(GenericEventMessage.asEventMessage(new QuoteAccepted(quote, "acc-1", "uma", 0,
                    new Money(new BigDecimal("100.00"), "CNY"), DUE, DUE.plus(Duration.ofMinutes(i)))));
            if (i % 3 == 0) {
                events.publish(GenericEventMessage.asEventMessage(new QuoteDeclined(quote, "acc-1", "uma", "no", DUE)));
            }
        }
        // what each position must have recorded by then: accepted quotes, and the declined among them
        List<Long> acceptedUpTo = new ArrayList<>();
        List<Long> declinedUpTo = new ArrayList<>();
        long lastIndex = -1;
        try (BlockingStream<TrackedEventMessage<?>> stream = events.openStream(null)) {
            long accepted = 0;
            long declined = 0;
            while (stream.hasNextAvailable()) {
                TrackedEventMessage<?> event = stream.nextAvailable();
                accepted += event.getPayload() instanceof QuoteAccepted ? 1 : 0;
                declined += event.getPayload() instanceof QuoteDeclined ? 1 : 0;
                lastIndex = ((GlobalSequenceTrackingToken) event.trackingToken()).getGlobalIndex();
                while (acceptedUpTo.size() <= lastIndex) {
                    acceptedUpTo.add(accepted);
                    declinedUpTo.add(declined);
                }
            }
        }

        List<AtToken> seen = new CopyOnWriteArrayList<>();
        FlushingTokenStore tokens = new FlushingTokenStore(MongoEventStore.tokenStoreBuilder(database, "node"),
                TimedSteps::flushCurrent) {
            @Override
            public void storeToken(TrackingToken token, String processorName, int segment)
                    throws UnableToClaimTokenException {
                long dueBefore = stored.countDocuments(Filters.eq("state", "DUE"));
                super.storeToken(token, processorName, segment);
                if (token != null && token.position().isPresent()) { // a ReplayToken on a first run, as in production
                    seen.add(new AtToken(token.position().getAsLong(), dueBefore,
                            stored.countDocuments(Filters.eq("state", "DUE")),
                            stored.countDocuments(Filters.eq("state", "CANCELLED"))));
                }
            }
        };
        Timetable timetable = new Timetable(new TimedSteps(database),
                new BusinessCalendar(Clock.systemUTC(), BusinessCalendar.DEFAULT_ZONE));
        processor = TrackingEventProcessor.builder()
                .name(Timetable.PROCESSOR)
                .eventHandlerInvoker(SimpleEventHandlerInvoker.builder().eventHandlers(timetable)
                        .listenerInvocationErrorHandler(PropagatingErrorHandler.instance()).build())
                .messageSource(events)
                .tokenStore(tokens)
                .transactionManager(NoTransactionManager.INSTANCE)
                .trackingEventProcessorConfiguration(
                        TrackingEventProcessorConfiguration.forSingleThreadedProcessing().andBatchSize(100))
                .build();
        processor.start();

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        final long last = lastIndex;
        while (seen.stream().noneMatch(at -> at.index() == last) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(seen).extracting(AtToken::index).as("the processor reached the head").contains(last);

        Set<Long> batchEnds = new HashSet<>();
        long dueAtLastToken = 0;
        for (AtToken at : seen) {
            assertThat(at.dueBefore()).as("nothing written while the batch up to " + at.index() + " was handled")
                    .isEqualTo(dueAtLastToken);
            dueAtLastToken = at.due();
            int position = (int) at.index();
            assertThat(at.due() + at.cancelled()).as("steps stored at the token of position " + position)
                    .isEqualTo(acceptedUpTo.get(position));
            assertThat(at.cancelled()).as("cancelled at the token of position " + position)
                    .isEqualTo(declinedUpTo.get(position));
            batchEnds.add(at.index());
        }
        assertThat(batchEnds.size()).as("batches of many events, one token each").isLessThan(20);
        assertThat(stored.countDocuments()).isEqualTo(250);
        assertThat(stored.countDocuments(Filters.eq("state", "CANCELLED"))).isEqualTo(84);
    }
}
