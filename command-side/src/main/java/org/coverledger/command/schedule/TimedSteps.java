package org.coverledger.command.schedule;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.lte;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateManyModel;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.WriteModel;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.axonframework.messaging.unitofwork.UnitOfWork;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The timed steps of policies and quotes, one document each in {@code timed_steps}: what is due
 * when, and how it went. A step is DUE until a runner claims it (RUNNING, with a lease), then
 * DONE, or DUE again later after a failure, or FAILED after too many; CANCELLED when what it was
 * for went away (a quote bought before its expiry); DONE without firing when the store already
 * holds its outcome ({@link #settle}).
 *
 * <p>Every change of state is a compare-and-set on one document (a single document's update is
 * atomic, on the embedded server too), so two runners never both hold a step; a runner that died
 * holding one loses it when its lease runs out, and another fires it again. The commands the
 * steps send do their work once however often they are sent. A step's id is its kind, target and
 * due time, so recording a step twice (an event handled again) records it once.
 *
 * <p>Recording and cancelling inside a unit of work (the timetable's batch of events) are queued
 * and sent as one ordered bulk write when the batch commits, before its token is stored
 * ({@link #flushCurrent}, called by the command side's token store): one write, and one commit on
 * the embedded server, per batch instead of one per step. A crash between the two handles the
 * batch again, which records nothing twice; the token never runs ahead of the steps. Outside a
 * unit of work they go out at once.
 */
public class TimedSteps {

    public enum State { DUE, RUNNING, DONE, FAILED, CANCELLED }

    /** A step as stored. {@code leaseUntil} is by the real clock (it guards against dead runners). */
    /**
     * A step as stored. {@code leaseUntil} is by the real clock (it guards against dead runners);
     * {@code scheduledFor} is the business moment the step is for, which a retry's later
     * {@code dueAt} does not change.
     */
    public record Step(String id, String kind, String target, Instant dueAt, State state, int attempts,
                       String lastError, String claimedBy, Instant leaseUntil, Instant doneAt, Instant scheduledFor) {
    }

    private final MongoDatabase database;
    private final MongoCollection<Document> steps;

    /**
     * The indexes every read but a listing of all steps uses: the runner's two polls, and a
     * target's steps (cancelling them, listing them). Without them each poll and each cancelled
     * quote read every step ever scheduled, a cost that grew with the book.
     */
    public TimedSteps(MongoDatabase database) {
        this.database = database;
        this.steps = database.getCollection("timed_steps");
        steps.createIndex(Indexes.ascending("state", "dueAt"));
        steps.createIndex(Indexes.ascending("state", "leaseUntil"));
        steps.createIndex(Indexes.ascending("target", "kind"));
    }

    /**
     * Records a step due at {@code dueAt}; recording the same step again changes nothing (an
     * upsert that sets fields only when it inserts, so that a batch's ordered bulk write meets no
     * duplicate key).
     */
    public void schedule(String kind, String target, Instant dueAt) {
        Document step = new Document("kind", kind).append("target", target).append("dueAt", Date.from(dueAt))
                .append("scheduledFor", Date.from(dueAt))
                .append("state", State.DUE.name()).append("attempts", 0);
        write(new UpdateOneModel<>(eq("_id", id(kind, target, dueAt)), new Document("$setOnInsert", step),
                new UpdateOptions().upsert(true)));
    }

    /** The one step of this kind for the target scheduled for {@code dueAt}, if it has not fired, will not. */
    public void cancel(String kind, String target, Instant dueAt) {
        write(new UpdateOneModel<>(and(eq("_id", id(kind, target, dueAt)), eq("state", State.DUE.name())),
                Updates.set("state", State.CANCELLED.name())));
    }

    /**
     * The one step of this kind for the target scheduled for {@code dueAt}, if it has not fired,
     * is done already: the store holds what it was to bring about (a history imported or restored
     * with its outcomes; a customer who paid before the debit). DONE at {@code at}, with no runner.
     * A runner that holds the step meanwhile records it done itself.
     */
    public void settle(String kind, String target, Instant dueAt, Instant at) {
        write(new UpdateOneModel<>(and(eq("_id", id(kind, target, dueAt)), eq("state", State.DUE.name())),
                Updates.combine(Updates.set("state", State.DONE.name()), Updates.set("doneAt", Date.from(at)))));
    }

    /** A step's id: its kind, target and due time (so the same step recorded twice is one). */
    private static String id(String kind, String target, Instant dueAt) {
        return kind + ":" + target + ":" + dueAt.toEpochMilli();
    }

    /** The target's steps of this kind that have not fired will not. */
    public void cancel(String kind, String target) {
        write(new UpdateManyModel<>(and(eq("kind", kind), eq("target", target), eq("state", State.DUE.name())),
                Updates.set("state", State.CANCELLED.name())));
    }

    /** The writes of one unit of work, in the order made. */
    private record Pending(MongoCollection<Document> steps, List<WriteModel<Document>> writes) {
        void flush() {
            if (!writes.isEmpty()) {
                steps.bulkWrite(writes, new BulkWriteOptions().ordered(true));
                writes.clear();
            }
        }
    }

    private static final String PENDING = TimedSteps.class.getName() + "/pending/";

    /** At once outside a unit of work; inside one (a command handler's too), when it commits, dropped if it rolls back. */
    private void write(WriteModel<Document> write) {
        if (!CurrentUnitOfWork.isStarted()) {
            steps.bulkWrite(List.of(write), new BulkWriteOptions().ordered(true));
            return;
        }
        UnitOfWork<?> batch = CurrentUnitOfWork.get().root();
        Pending pending = batch.getOrComputeResource(PENDING + steps.getNamespace().getFullName(), key -> {
            Pending created = new Pending(steps, new ArrayList<>());
            batch.onPrepareCommit(unitOfWork -> created.flush());
            return created;
        });
        pending.writes().add(write);
    }

    /**
     * Sends what the unit of work on this thread has queued, if anything: the token store calls
     * it before it stores a token, because Axon stores a batch's token first thing when the batch
     * commits, ahead of what its handlers register (when the processor has no transaction manager,
     * as the timetable is configured; with one it stores the token before handling the batch).
     */
    public static void flushCurrent() {
        if (!CurrentUnitOfWork.isStarted()) {
            return;
        }
        for (Map.Entry<String, Object> resource : CurrentUnitOfWork.get().root().resources().entrySet()) {
            if (resource.getKey().startsWith(PENDING) && resource.getValue() instanceof Pending pending) {
                pending.flush();
            }
        }
    }

    /**
     * Steps a runner may take now: DUE ones whose time has come by the business clock
     * ({@code now}), oldest first, and RUNNING ones whose runner's lease ran out by the real
     * clock ({@code realNow}).
     */
    public List<Step> takeable(Instant now, Instant realNow, int limit) {
        List<Step> found = new ArrayList<>();
        for (Document doc : steps.find(and(eq("state", State.DUE.name()), lte("dueAt", Date.from(now))))
                .sort(Sorts.ascending("dueAt")).limit(limit)) {
            found.add(step(doc));
        }
        for (Document doc : steps.find(and(eq("state", State.RUNNING.name()), lte("leaseUntil", Date.from(realNow))))
                .limit(limit)) {
            found.add(step(doc));
        }
        return found;
    }

    /**
     * Takes the step for {@code runner} until {@code leaseUntil}, if it is still as it was read:
     * true for exactly one of several runners that try.
     */
    public boolean claim(Step step, String runner, Instant leaseUntil) {
        Bson asRead = step.state() == State.RUNNING
                ? and(eq("_id", step.id()), eq("state", State.RUNNING.name()), eq("leaseUntil", Date.from(step.leaseUntil())))
                : and(eq("_id", step.id()), eq("state", State.DUE.name()), eq("attempts", step.attempts()));
        return steps.updateOne(asRead, Updates.combine(
                Updates.set("state", State.RUNNING.name()), Updates.set("claimedBy", runner),
                Updates.set("leaseUntil", Date.from(leaseUntil)), Updates.inc("attempts", 1))).getModifiedCount() == 1;
    }

    /** The step fired; recorded only while the runner still holds it. */
    public void done(String id, String runner, Instant at) {
        steps.updateOne(and(eq("_id", id), eq("claimedBy", runner), eq("state", State.RUNNING.name())),
                Updates.combine(Updates.set("state", State.DONE.name()), Updates.set("doneAt", Date.from(at)),
                        Updates.unset("lastError")));
    }

    /** The step failed: due again at {@code retryAt}, or FAILED for good when {@code retryAt} is null. */
    public void failed(String id, String runner, String error, Instant retryAt) {
        Bson next = retryAt == null
                ? Updates.set("state", State.FAILED.name())
                : Updates.combine(Updates.set("state", State.DUE.name()), Updates.set("dueAt", Date.from(retryAt)));
        steps.updateOne(and(eq("_id", id), eq("claimedBy", runner), eq("state", State.RUNNING.name())),
                Updates.combine(next, Updates.set("lastError", error)));
    }

    /** Steps in a state (all when null) due at or before {@code dueBefore} (any time when null), soonest first, from {@code offset}. */
    public List<Step> list(State state, Instant dueBefore, int offset, int size) {
        List<Bson> filters = new ArrayList<>();
        if (state != null) {
            filters.add(eq("state", state.name()));
        }
        if (dueBefore != null) {
            filters.add(lte("dueAt", Date.from(dueBefore)));
        }
        List<Step> found = new ArrayList<>();
        for (Document doc : steps.find(filters.isEmpty() ? new Document() : Filters.and(filters))
                .sort(Sorts.ascending("dueAt", "_id")).skip(offset).limit(size)) {
            found.add(step(doc));
        }
        return found;
    }

    /**
     * How many steps are in a state (all when null), due at or before {@code dueBefore} (any time
     * when null). The {@code count} command, which reads by the indexes on any server (the
     * embedded one reads {@code countDocuments}' aggregation by them only since its leading
     * {@code $match} is read as a query).
     */
    public long count(State state, Instant dueBefore) {
        List<Bson> filters = new ArrayList<>();
        if (state != null) {
            filters.add(eq("state", state.name()));
        }
        if (dueBefore != null) {
            filters.add(lte("dueAt", Date.from(dueBefore)));
        }
        Bson query = filters.isEmpty() ? new Document() : Filters.and(filters);
        Document counted = database.runCommand(new Document("count", steps.getNamespace().getCollectionName())
                .append("query", query.toBsonDocument()));
        return ((Number) counted.get("n")).longValue();
    }

    /** The steps of one target, soonest first. */
    public List<Step> of(String target) {
        List<Step> found = new ArrayList<>();
        for (Document doc : steps.find(eq("target", target)).sort(Sorts.ascending("dueAt"))) {
            found.add(step(doc));
        }
        return found;
    }

    private static Step step(Document doc) {
        return new Step(doc.getString("_id"), doc.getString("kind"), doc.getString("target"),
                instant(doc.getDate("dueAt")), State.valueOf(doc.getString("state")), doc.getInteger("attempts", 0),
                doc.getString("lastError"), doc.getString("claimedBy"), instant(doc.getDate("leaseUntil")),
                instant(doc.getDate("doneAt")),
                instant(doc.getDate("scheduledFor") != null ? doc.getDate("scheduledFor") : doc.getDate("dueAt")));
    }

    private static Instant instant(Date date) {
        return date == null ? null : date.toInstant();
    }
}
