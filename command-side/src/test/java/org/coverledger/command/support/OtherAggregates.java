package org.coverledger.command.support;

import java.util.List;

import org.axonframework.eventhandling.GenericDomainEventMessage;
import org.axonframework.eventsourcing.EventSourcingRepository;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.inmemory.InMemoryEventStorageEngine;

/**
 * A real event-sourced repository for an aggregate next to the one under test (the fixture holds
 * one aggregate type), seeded with that aggregate's history.
 */
public final class OtherAggregates {

    private OtherAggregates() {
    }

    public static <T> EventSourcingRepository<T> repository(Class<T> type, String id, List<Object> history) {
        EmbeddedEventStore store = EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        for (int i = 0; i < history.size(); i++) {
            store.publish(new GenericDomainEventMessage<>(type.getSimpleName(), id, i, history.get(i)));
        }
        return EventSourcingRepository.builder(type).eventStore(store).build();
    }
}
