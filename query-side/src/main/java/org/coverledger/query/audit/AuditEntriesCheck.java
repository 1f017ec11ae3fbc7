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

import com.fasterxml.jackson.databind.JsonNode;
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
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
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

    public AuditEntriesCheck(MongoCommitLogEngine engine, AuditTrailProjection projection, MongoTemplate mongo,
                             ProjectionPositions positions, SubjectKeys keys) {
        this.keys = keys;
        this.engine = engine;
        this.projection = projection;
        this.mongo = mongo;
        this.positions = positions;
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
                         Failure failure) {
    }

    /** Compares the entries of the events from {@code from} to {@code to} (inclusive); the whole store: extras too. */
    public Result check(long from, long to, boolean wholeStore) {
        long upTo = Math.min(to, positions.passed("audit"));
        if (upTo < from) {
            return new Result(true, 0, upTo, false, null);
        }
        long checked = 0;
        List<long[]> seen = new ArrayList<>(); // 64-bit digests of the identifiers, for the look for extras
        long[] digests = new long[1024];
        int held = 0;
        List<TrackedEventMessage<?>> batch = new ArrayList<>(BATCH);
        try (Stream<? extends TrackedEventMessage<?>> events = engine.readEvents(
                from == 0 ? null : new GlobalSequenceTrackingToken(from - 1), false)) {
            Iterator<? extends TrackedEventMessage<?>> iterator = events.iterator();
            boolean more = true;
            while (more) {
                TrackedEventMessage<?> event = iterator.hasNext() ? iterator.next() : null;
                more = event != null && position(event) <= upTo;
                if (more) {
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
                    long[] matched = {0};
                    Failure failure = compare(batch, matched);
                    checked += matched[0];
                    if (failure != null) {
                        return new Result(false, checked, upTo, false, failure);
                    }
                    batch.clear();
                }
            }
        }
        if (!wholeStore) {
            return new Result(true, checked, upTo, false, null);
        }
        seen.add(Arrays.copyOf(digests, held));
        Failure extra = extra(seen.stream().flatMapToLong(Arrays::stream).sorted().toArray(), checked);
        return new Result(extra == null, checked, upTo, true, extra);
    }

    private static long position(TrackedEventMessage<?> event) {
        return ((GlobalSequenceTrackingToken) event.trackingToken()).getGlobalIndex();
    }

    /** The first entry of the batch that fails; {@code matched[0]} counts those that passed. */
    private Failure compare(List<TrackedEventMessage<?>> batch, long[] matched) {
        Map<String, AuditEntry> stored = new HashMap<>();
        mongo.find(Query.query(Criteria.where("_id").in(batch.stream().map(TrackedEventMessage::getIdentifier).toList())),
                AuditEntry.class).forEach(entry -> stored.put(entry.eventId(), entry));
        for (TrackedEventMessage<?> event : batch) {
            AuditEntry found = stored.get(event.getIdentifier());
            long position = position(event);
            if (found == null) {
                return new Failure(position, event.getIdentifier(), Kind.MISSING, null, "the event at global position "
                        + position + " has no audit entry");
            }
            AuditEntry expected;
            try {
                expected = projection.entryOf(event);
            } catch (RuntimeException e) {
                return new Failure(position, event.getIdentifier(), Kind.UNREADABLE_EVENT, null, "the stored event at "
                        + "global position " + position + " cannot be read: " + e.getClass().getSimpleName());
            }
            String field = firstDifference(expected, found);
            if (field != null) {
                return new Failure(position, event.getIdentifier(), Kind.CHANGED, field, "the audit entry of the event "
                        + "at global position " + position + " differs from the event in " + field);
            }
            matched[0]++;
        }
        return null;
    }

    /** The first field in which the stored entry differs from the one expected; null if none. */
    private String firstDifference(AuditEntry expected, AuditEntry stored) {
        Map<String, Object[]> fields = new java.util.LinkedHashMap<>();
        if (stored.position() != null) { // entries recorded before positions get theirs on start (AuditPositions)
            fields.put("position", new Object[] {expected.position(), stored.position()});
        }
        fields.put("eventType", new Object[] {expected.eventType(), stored.eventType()});
        fields.put("revision", new Object[] {expected.revision(), stored.revision()});
        fields.put("aggregateType", new Object[] {expected.aggregateType(), stored.aggregateType()});
        fields.put("aggregateId", new Object[] {expected.aggregateId(), stored.aggregateId()});
        fields.put("sequence", new Object[] {expected.sequence(), stored.sequence()});
        fields.put("timestamp", new Object[] {expected.timestamp() == null ? null
                : expected.timestamp().truncatedTo(ChronoUnit.MILLIS), stored.timestamp()}); // dates keep milliseconds
        fields.put("actor", new Object[] {expected.actor(), stored.actor()});
        fields.put("roles", new Object[] {expected.roles(), stored.roles()});
        fields.put("requestId", new Object[] {expected.requestId(), stored.requestId()});
        fields.put("clientIp", new Object[] {expected.clientIp(), stored.clientIp()});
        fields.put("correlationId", new Object[] {expected.correlationId(), stored.correlationId()});
        fields.put("causationId", new Object[] {expected.causationId(), stored.causationId()});
        for (Map.Entry<String, Object[]> field : fields.entrySet()) {
            if (!Objects.equals(field.getValue()[0], field.getValue()[1])) {
                return field.getKey();
            }
        }
        JsonNode expectedPayload = SealedValues.opened(projection.json().valueToTree(expected.payload()), keys);
        JsonNode storedPayload = SealedValues.opened(projection.json().valueToTree(stored.payload()), keys);
        return difference(expectedPayload, storedPayload, "payload");
    }

    /** The path of the first value that differs ({@code payload.cover.amount}); null if none. */
    private static String difference(JsonNode expected, JsonNode stored, String path) {
        if (expected.isObject() && stored.isObject()) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            expected.fieldNames().forEachRemaining(names::add);
            stored.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                JsonNode a = expected.get(name);
                JsonNode b = stored.get(name);
                if (a == null || b == null) {
                    if (a == null ? !b.isNull() : !a.isNull()) {
                        return path + "." + name;
                    }
                    continue;
                }
                String found = difference(a, b, path + "." + name);
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
