package org.coverledger.ops.eventstore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;

/** A tracking reader as a processor uses the store: from a token, in order, remembering what it saw. */
final class Tracker {

    record Seen(long index, String eventId, String aggregateId, long sequence) {
    }

    final List<Seen> seen = new ArrayList<>();
    TrackingToken token;

    Tracker(TrackingToken from) {
        this.token = from;
    }

    /** Reads what is available now; returns how many events were read. */
    int poll(EventStorageEngine engine) {
        int before = seen.size();
        try (var stream = engine.readEvents(token, false)) {
            stream.forEach(this::accept);
        }
        return seen.size() - before;
    }

    private void accept(TrackedEventMessage<?> event) {
        DomainEventMessage<?> domain = (DomainEventMessage<?>) event;
        seen.add(new Seen(((GlobalSequenceTrackingToken) event.trackingToken()).getGlobalIndex(), event.getIdentifier(),
                domain.getAggregateIdentifier(), domain.getSequenceNumber()));
        token = event.trackingToken();
    }

    Set<String> ids() {
        Set<String> ids = new HashSet<>();
        seen.forEach(s -> ids.add(s.eventId()));
        return ids;
    }

    /** Problems with order: global positions not increasing, or an aggregate's sequence not 0, 1, 2, ... */
    List<String> orderProblems() {
        List<String> problems = new ArrayList<>();
        Map<String, Long> nextSequence = new HashMap<>();
        long last = -1;
        for (Seen s : seen) {
            if (s.index() <= last) {
                problems.add("position " + s.index() + " after " + last);
            }
            last = s.index();
            long expected = nextSequence.getOrDefault(s.aggregateId(), 0L);
            if (s.sequence() != expected) {
                problems.add(s.aggregateId() + " sequence " + s.sequence() + " where " + expected + " was due");
            }
            nextSequence.put(s.aggregateId(), s.sequence() + 1);
        }
        return problems;
    }
}
