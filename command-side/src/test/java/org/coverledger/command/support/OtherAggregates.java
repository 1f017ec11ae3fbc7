package org.coverledger.command.support;

import java.util.List;
import java.util.Map;

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
        return repository(type, Map.of(id, history));
    }

    /**
     * Several aggregates of the type, each id with its history, whose command handlers (called in
     * another aggregate's commit, see InCommit) are given {@code resources} (the calendar, ...).
     */
    public static <T> EventSourcingRepository<T> handling(Class<T> type, Map<String, List<Object>> histories,
                                                          Object... resources) {
        EmbeddedEventStore store = seeded(type, histories);
        return EventSourcingRepository.builder(type).eventStore(store)
                .parameterResolverFactory(org.axonframework.messaging.annotation.MultiParameterResolverFactory.ordered(
                        org.axonframework.messaging.annotation.ClasspathParameterResolverFactory.forClass(type),
                        new org.axonframework.messaging.annotation.SimpleResourceParameterResolverFactory(
                                List.of(resources))))
                .build();
    }

    /** Several aggregates of the type, each id with its history. */
    public static <T> EventSourcingRepository<T> repository(Class<T> type, Map<String, List<Object>> histories) {
        EmbeddedEventStore store = seeded(type, histories);
        return EventSourcingRepository.builder(type).eventStore(store).build();
    }

    /** An in-memory event store holding each aggregate's history under its id. */
    private static EmbeddedEventStore seeded(Class<?> type, Map<String, List<Object>> histories) {
        EmbeddedEventStore store = EmbeddedEventStore.builder().storageEngine(new InMemoryEventStorageEngine()).build();
        histories.forEach((id, history) -> {
            for (int i = 0; i < history.size(); i++) {
                store.publish(new GenericDomainEventMessage<>(type.getSimpleName(), id, i, history.get(i)));
            }
        });
        return store;
    }
}
