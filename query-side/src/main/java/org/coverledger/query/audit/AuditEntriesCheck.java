package org.coverledger.query.audit;

import java.nio.charset.StandardCharsets;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.mongodb.client.model.Filters;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventMessage;
import org.axonframework.messaging.deadletter.DeadLetter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Projections;
import io.swagger.v3.oas.annotations.media.Schema;
import org.axonframework.eventhandling.GlobalSequenceTrackingToken;
import org.axonframework.eventhandling.TrackedEventMessage;
import org.bson.Document;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.infra.ProjectionPositions;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Checks the audit trail against the event store one to one: every event the audit projection has
 * passed has its entry, with the content the projection's own code ({@link AuditTrailProjection#entryOf})
 * makes of the event as stored now; and, over the whole store, no entry exists for an event the
 * store does not hold. Entries are fetched by {@code _id} (the event identifier), 200 at a time.
 */
@Component
public class AuditEntriesCheck {

    private static final int BATCH = 200;

    private final MongoCommitLogEngine engine;
    private final AuditTrailProjection projection;
    private final MongoTemplate mongo;
    private final ProjectionPositions positions;
    private final SubjectKeys keys;
    private final Supplier<Set<String>> deadLettered;

    @Autowired
    public AuditEntriesCheck(MongoCommitLogEngine engine, AuditTrailProjection projection, MongoTemplate mongo,
                             ProjectionPositions positions, SubjectKeys keys,
                             ObjectProvider<EventProcessingConfiguration> processing) {
        this(engine, projection, mongo, positions, keys, () -> deadLettered(processing.getObject()));
    }

    AuditEntriesCheck(MongoCommitLogEngine engine, AuditTrailProjection projection, MongoTemplate mongo,
                      ProjectionPositions positions, SubjectKeys keys, Supplier<Set<String>> deadLettered) {
        this.deadLettered = deadLettered;
        this.keys = keys;
        this.engine = engine;
        this.projection = projection;
        this.mongo = mongo;
        this.positions = positions;
    }

    /** The identifiers of the events in the audit projection's dead-letter queue. */
    private static Set<String> deadLettered(EventProcessingConfiguration processing) {
        Set<String> ids = new HashSet<>();
        processing.deadLetterQueue("audit").ifPresent(queue -> {
            for (Iterable<DeadLetter<? extends EventMessage<?>>> sequence : queue.deadLetters()) {
                sequence.forEach(letter -> ids.add(letter.message().getIdentifier()));
            }
        });
        return ids;
    }

    /** Read once per check, and only when an entry is missing. */
    private static Supplier<Set<String>> memoized(Supplier<Set<String>> source) {
        return new Supplier<>() {
            private Set<String> value;

            @Override
            public synchronized Set<String> get() {
                if (value == null) {
                    value = source.get();
                }
                return value;
            }
        };
    }

    /** Why an audit entry fails the check. */
    public enum Kind {
        /** The event has no entry (deleted). */
        MISSING,
        /** The entry differs from what the event makes of it (edited). */
        CHANGED,
        /** An entry for an event the store does not hold (inserted). */
        EXTRA,
        /** The stored event itself cannot be read (its bytes were changed: the chain check locates it too). */
        UNREADABLE_EVENT
    }

    @Schema(name = "AuditEntryFailure")
    public record Failure(@Schema(description = "global position of the event (-1 for an EXTRA entry)") long position,
                          String eventId, Kind kind,
                          @Schema(description = "the first field that differs, for CHANGED") String field,
                          String detail) {
    }

    @Schema(name = "AuditEntriesChecked")
    public record Result(boolean valid,
                         @Schema(description = "events whose entries were compared") long checked,
                         @Schema(description = "the last position compared: the audit projection's position when "
                                 + "it lags behind the range (-1: none)") long upTo,
                         @Schema(description = "whether entries without an event were looked for (only over the "
                                 + "whole store)") boolean extraChecked,
                         @Schema(description = "events without an entry because the audit projection could not record "
                                 + "them: they wait in its dead-letter queue (GET /api/admin/dead-letters/audit), so "
                                 + "they are not counted missing") long deadLettered,
                         Failure failure) {
    }

    /** Compares the entries of the events from {@code from} to {@code to} (inclusive); the whole store: extras too. */
    public Result check(long from, long to, boolean wholeStore) {
        return check(from, to, wholeStore, position -> { });
    }

    /** As above, telling {@code progress} the global position compared up to after each batch. */
    public Result check(long from, long to, boolean wholeStore, java.util.function.LongConsumer progress) {
        long upTo = Math.min(to, positions.passed("audit"));
        if (upTo < from) {
            return new Result(true, 0, upTo, false, 0, null);
        }
        long checked = 0;
        long waiting = 0;
        Supplier<Set<String>> deadLetters = memoized(deadLettered);
        List<long[]> seen = new ArrayList<>(); // 64-bit digests of the identifiers, for the look for extras
        long[] digests = new long[1024];
        int held = 0;
        List<TrackedEventMessage<?>> batch = new ArrayList<>(BATCH);
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(
                from == 0 ? null : new GlobalSequenceTrackingToken(from - 1), false)) {
            Iterator<? extends TrackedEventMessage<?>> iterator = events.iterator();
            boolean more = true;
            long last = from - 1;
            while (more) {
                TrackedEventMessage<?> event;
                try {
                    event = iterator.hasNext() ? iterator.next() : null;
                } catch (RuntimeException e) { // an upcaster that cannot read what is stored
                    return new Result(false, checked, upTo, false, waiting, new Failure(last + 1, null,
                            Kind.UNREADABLE_EVENT, null, "the stored event after global position " + last
                            + " cannot be read: " + e.getClass().getSimpleName()));
                }
                more = event != null && position(event) <= upTo;
                if (more) {
                    last = position(event);
                    batch.add(event);
                    if (wholeStore) {
                        if (held == digests.length) {
                            seen.add(digests);
                            digests = new long[digests.length];
                            held = 0;
                        }
                        digests[held++] = digest(event.getIdentifier());
                    }
                }
                if (batch.size() == BATCH || !more && !batch.isEmpty()) {
                    long[] matched = {0, 0};
                    Failure failure = compare(batch, matched, deadLetters);
                    checked += matched[0];
                    waiting += matched[1];
                    if (failure != null) {
                        return new Result(false, checked, upTo, false, waiting, failure);
                    }
                    batch.clear();
                    progress.accept(last);
                }
            }
        }
        if (!wholeStore) {
            return new Result(true, checked, upTo, false, waiting, null);
        }
        seen.add(Arrays.copyOf(digests, held));
        Failure extra = extra(seen.stream().flatMapToLong(Arrays::stream).sorted().toArray(), checked);
        return new Result(extra == null, checked, upTo, true, waiting, extra);
    }

    private static long position(TrackedEventMessage<?> event) {
        return ((GlobalSequenceTrackingToken) event.trackingToken()).getGlobalIndex();
    }

    /** The first entry of the batch that fails; {@code matched[0]} counts those that passed, {@code matched[1]} those dead-lettered. */
    private Failure compare(List<TrackedEventMessage<?>> batch, long[] matched, Supplier<Set<String>> deadLettered) {
        Map<String, Document> stored = new HashMap<>();
        // read as stored: an entry edited into something the mapping cannot read is a change found, not an error
        entries().find(Filters.in("_id", batch.stream().map(TrackedEventMessage::getIdentifier).toList()))
                .forEach(entry -> stored.put(String.valueOf(entry.get("_id")), entry));
        for (TrackedEventMessage<?> event : batch) {
            Document found = stored.get(event.getIdentifier());
            long position = position(event);
            if (found == null) {
                if (deadLettered.get().contains(event.getIdentifier())) {
                    matched[1]++; // the projection could not record it yet: POST /api/admin/dead-letters/audit/retry
                    continue;
                }
                return new Failure(position, event.getIdentifier(), Kind.MISSING, null, "the event at global position "
                        + position + " has no audit entry");
            }
            AuditEntry expected;
            try {
                expected = projection.entryOf(event);
            } catch (RuntimeException e) {
                return unreadable(position, event.getIdentifier(), e);
            }
            String field;
            try {
                field = firstDifference(expected, found);
            } catch (RuntimeException e) {
                return new Failure(position, event.getIdentifier(), Kind.CHANGED, null, "the audit entry of the event "
                        + "at global position " + position + " cannot be read as an audit entry (a field of the wrong "
                        + "type, or a sealed value that does not open): " + e.getClass().getSimpleName());
            }
            if (field != null) {
                return new Failure(position, event.getIdentifier(), Kind.CHANGED, field, "the audit entry of the event "
                        + "at global position " + position + " differs from the event in " + field);
            }
            matched[0]++;
        }
        return null;
    }

    private static Failure unreadable(long position, String eventId, RuntimeException e) {
        return new Failure(position, eventId, Kind.UNREADABLE_EVENT, null, "the stored event at global position "
                + position + " cannot be read: " + e.getClass().getSimpleName());
    }

    private MongoCollection<Document> entries() {
        return mongo.getCollection(mongo.getCollectionName(AuditEntry.class));
    }

    /**
     * The first field in which the stored entry differs from the one expected; null if none. An
     * entry recorded before an upcaster existed holds the event as it was stored then (its
     * revision and payload as written), so where the upcast event differs, the event as stored is
     * compared instead.
     */
    private String firstDifference(AuditEntry expected, Document found) {
        AuditEntry stored = mongo.getConverter().read(AuditEntry.class, found);
        boolean positioned = stored.position() != null; // entries recorded before positions get theirs on start
        String field = difference(tree(expected, positioned, true), tree(stored, positioned, false), "");
        if (field != null && (field.equals("revision") || field.startsWith("payload"))) {
            Document raw = storedEvent(expected.eventId());
            if (raw != null && Objects.equals(raw.getString("revision"), stored.revision())
                    && !Objects.equals(raw.getString("revision"), expected.revision())) {
                ObjectNode asStored = tree(expected, positioned, true);
                asStored.put("revision", raw.getString("revision"));
                asStored.set("payload", SealedValues.opened(readTree(raw.getString("payload")), keys));
                field = difference(asStored, tree(stored, positioned, false), "");
            }
        }
        return field;
    }

    /** An entry as a JSON tree to compare: dates to the millisecond MongoDB keeps, personal data opened. */
    private ObjectNode tree(AuditEntry entry, boolean positioned, boolean expected) {
        ObjectNode tree = projection.json().valueToTree(expected && entry.timestamp() != null
                ? new AuditEntry(entry.eventId(), entry.position(), entry.eventType(), entry.revision(),
                        entry.aggregateType(), entry.aggregateId(), entry.sequence(),
                        entry.timestamp().truncatedTo(ChronoUnit.MILLIS), entry.actor(), entry.roles(),
                        entry.requestId(), entry.clientIp(), entry.correlationId(), entry.causationId(), entry.payload())
                : entry);
        tree.remove("eventId"); // looked up by it
        if (!positioned) {
            tree.remove("position");
        }
        JsonNode payload = tree.get("payload");
        if (payload != null && !payload.isNull()) {
            tree.set("payload", SealedValues.opened(payload, keys));
        }
        return tree;
    }

    private JsonNode readTree(String json) {
        try {
            return projection.json().readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the stored event's payload is no JSON", e);
        }
    }

    /** The event as its commit holds it (before any upcaster), or null. */
    private Document storedEvent(String eventId) {
        Document commit = mongo.getCollection(MongoCommitLogEngine.COMMITS).find(Filters.eq("ids", eventId)).first();
        if (commit == null) {
            return null;
        }
        return commit.getList("events", Document.class).stream().filter(e -> eventId.equals(e.getString("id")))
                .findFirst().orElse(null);
    }

    /** The path of the first value that differs ({@code payload.cover.amount}); null if none. */
    private static String difference(JsonNode expected, JsonNode stored, String path) {
        if (expected.isObject() && stored.isObject()) {
            java.util.Set<String> names = new java.util.LinkedHashSet<>(); // in the order the entry declares them
            expected.fieldNames().forEachRemaining(names::add);
            stored.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode a = expected.get(name);
                JsonNode b = stored.get(name);
                if (a == null || b == null) {
                    if (a == null ? !b.isNull() : !a.isNull()) {
                        return join(path, name);
                    }
                    continue;
                }
                String found = difference(a, b, join(path, name));
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        if (expected.isArray() && stored.isArray()) {
            if (expected.size() != stored.size()) {
                return path;
            }
            for (int i = 0; i < expected.size(); i++) {
                String found = difference(expected.get(i), stored.get(i), path + "[" + i + "]");
                if (found != null) {
                    return found;
                }
            }
            return null;
        }
        return expected.equals(AuditEntriesCheck::sameValue, stored) ? null : path;
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /**
     * Values compared by what they mean: a number by its value, whatever type MongoDB gave it back as
     * (an amount comes back as a Decimal128, or as the decimal text it was written as).
     */
    private static int sameValue(JsonNode a, JsonNode b) {
        java.math.BigDecimal x = decimal(a);
        java.math.BigDecimal y = decimal(b);
        if (x != null && y != null && (a.isNumber() || b.isNumber() || a.isPojo() || b.isPojo())) {
            return x.compareTo(y);
        }
        return a.equals(b) ? 0 : 1;
    }

    private static java.math.BigDecimal decimal(JsonNode node) {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        String text = node.isPojo() ? String.valueOf(((com.fasterxml.jackson.databind.node.POJONode) node).getPojo())
                : node.isTextual() ? node.asText() : null;
        if (text == null) {
            return null;
        }
        try {
            return new java.math.BigDecimal(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An entry whose event the walk did not see, when there are more entries than events. */
    private Failure extra(long[] sortedDigests, long events) {
        MongoCollection<Document> entries = mongo.getCollection(mongo.getCollectionName(AuditEntry.class));
        if (entries.countDocuments() <= events) {
            return null;
        }
        MongoCollection<Document> commits = mongo.getCollection(MongoCommitLogEngine.COMMITS);
        for (Document entry : entries.find().projection(Projections.include("_id"))) {
            String id = entry.get("_id").toString();
            // not seen: extra, unless the event lies past the walk (recorded since) and the store holds it
            if (Arrays.binarySearch(sortedDigests, digest(id)) < 0
                    && commits.find(new Document("ids", id)).projection(Projections.include("_id")).first() == null) {
                return new Failure(-1, id, Kind.EXTRA, null, "the audit entry " + id + " belongs to no event in the store");
            }
        }
        return null;
    }

    private static long digest(String id) {
        byte[] hash = MerkleTree.leafHash(id.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = value << 8 | (hash[i] & 0xff);
        }
        return value;
    }
}
