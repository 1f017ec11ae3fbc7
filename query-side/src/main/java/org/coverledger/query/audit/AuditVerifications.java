package org.coverledger.query.audit;

import static com.mongodb.client.model.Filters.eq;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Date;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoCollection;
import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.annotation.PreDestroy;
import org.bson.Document;
import org.coverledger.platform.TooManyRequests;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.stereotype.Component;

/**
 * Verifications run in the background (asked with {@code Prefer: respond-async}), their progress
 * kept in {@value #COLLECTION} so that any query-side instance answers where one stands. One runs
 * at a time per process, a few wait; a running job's heartbeat (every 5 s) stops with its process,
 * and the job is then reported abandoned once that is older than {@link #ABANDONED_AFTER}.
 */
@Component
public class AuditVerifications {

    static final String COLLECTION = "audit_verifications";
    private static final Logger log = LoggerFactory.getLogger(AuditVerifications.class);
    private static final Duration WRITE_EVERY = Duration.ofMillis(500);
    static final Duration ABANDONED_AFTER = Duration.ofSeconds(30);
    private static final int WAITING = 4;

    private final MongoCollection<Document> jobs;
    private final ObjectMapper json;
    private final Clock clock;
    private final ThreadPoolExecutor runner = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(WAITING), runnable -> {
                Thread thread = new Thread(runnable, "audit-verification");
                thread.setDaemon(true);
                return thread;
            });

    private final java.util.concurrent.ScheduledExecutorService heartbeats =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "audit-verification-heartbeat");
                thread.setDaemon(true);
                return thread;
            });

    /** The jobs this process has queued or is running: their heartbeat. */
    private final java.util.Set<String> mine = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public AuditVerifications(MongoTemplate mongo, ObjectMapper json, Clock clock) {
        this.jobs = mongo.getCollection(COLLECTION);
        this.json = json;
        this.clock = clock;
        heartbeats.scheduleWithFixedDelay(this::beat, 5, 5, TimeUnit.SECONDS);
    }

    /** Tells that this process still holds its queued and running jobs; a failed beat is tried again next time. */
    private void beat() {
        try {
            if (!mine.isEmpty()) {
                jobs.updateMany(com.mongodb.client.model.Filters.in("_id", List.copyOf(mine)),
                        new Document("$set", new Document("updatedAt", Date.from(clock.instant()))));
            }
        } catch (RuntimeException e) {
            log.warn("The audit verifications' heartbeat failed; trying again in 5 s", e);
        }
    }

    /** What a running verification tells of itself: which part it is in, and how far it has got. */
    public interface Progress {
        void phase(Phase phase, long total);

        void done(long done);

        Progress NONE = new Progress() {
            @Override
            public void phase(Phase phase, long total) {
            }

            @Override
            public void done(long done) {
            }
        };
    }

    /** The parts of a verification, in order. */
    public enum Phase {
        /** Recomputing the hash chain: commits' global positions. */
        CHAIN,
        /** Hashing the commits a saved checkpoint covers again: leaves. */
        DIGEST,
        /** Comparing the audit entries with the events: global positions. */
        ENTRIES
    }

    public enum State {
        QUEUED, RUNNING, DONE, FAILED, ABANDONED
    }

    @Schema(name = "AuditVerificationJob")
    public record Job(String id, State state,
                      @Schema(description = "the part running (CHAIN, DIGEST, ENTRIES)") Phase phase,
                      @Schema(description = "how far that part has got") long done,
                      @Schema(description = "how far it goes") long total,
                      @Schema(description = "the request's login") String requestedBy,
                      Instant queuedAt, Instant updatedAt, Instant finishedAt,
                      @Schema(description = "the answer a synchronous verification gives, once DONE")
                      AuditVerificationController.VerificationDone result,
                      @Schema(description = "why it FAILED") String error) {
    }

    /** Queues {@code work}; 429 when too many wait. */
    public Job start(String requestedBy, Function<Progress, AuditVerificationController.VerificationDone> work) {
        String id = UUID.randomUUID().toString();
        Date now = Date.from(clock.instant());
        jobs.insertOne(new Document("_id", id).append("state", State.QUEUED.name()).append("requestedBy", requestedBy)
                .append("queuedAt", now).append("updatedAt", now).append("done", 0L).append("total", 0L));
        mine.add(id);
        try {
            runner.execute(() -> run(id, work));
        } catch (RejectedExecutionException e) {
            mine.remove(id);
            jobs.deleteOne(eq("_id", id));
            throw new TooManyRequests("TOO_MANY_VERIFICATIONS", "A verification is running and " + WAITING
                    + " wait already; ask again later.", 60);
        }
        return find(id);
    }

    private void run(String id, Function<Progress, AuditVerificationController.VerificationDone> work) {
        Recorder recorder = new Recorder(id);
        set(id, new Document("state", State.RUNNING.name()));
        try {
            AuditVerificationController.VerificationDone result = work.apply(recorder);
            set(id, new Document("state", State.DONE.name()).append("finishedAt", Date.from(clock.instant()))
                    .append("done", recorder.done).append("result", Document.parse(json.writeValueAsString(result))));
        } catch (RuntimeException | JsonProcessingException e) {
            log.error("Audit verification {} failed", id, e);
            set(id, new Document("state", State.FAILED.name()).append("finishedAt", Date.from(clock.instant()))
                    .append("error", e.getClass().getSimpleName() + ": " + e.getMessage()));
        } finally {
            mine.remove(id);
        }
    }

    private void set(String id, Document fields) {
        jobs.updateOne(eq("_id", id), new Document("$set", fields.append("updatedAt", Date.from(clock.instant()))));
    }

    /** Writes the progress to the job, at most every {@link #WRITE_EVERY} (also the heartbeat). */
    private final class Recorder implements Progress {
        private final String id;
        private Instant written = Instant.MIN;
        private long done;
        private long total;

        Recorder(String id) {
            this.id = id;
        }

        @Override
        public void phase(Phase phase, long total) {
            done = 0;
            this.total = total;
            written = clock.instant();
            set(id, new Document("phase", phase.name()).append("total", total).append("done", 0L));
        }

        @Override
        public void done(long reached) {
            done = reached;
            Instant now = clock.instant();
            if (reached > total) {
                // the store grew past the head the phase was sized by (the tree follows it within a second)
                total = reached;
                written = now;
                set(id, new Document("done", reached).append("total", total));
            } else if (Duration.between(written, now).compareTo(WRITE_EVERY) >= 0) {
                written = now;
                set(id, new Document("done", reached));
            }
        }
    }

    /** The job, or null. */
    public Job find(String id) {
        Document found = jobs.find(eq("_id", id)).first();
        if (found == null) {
            return null;
        }
        try {
            return job(id, found);
        } catch (RuntimeException e) {
            throw new AuditProblems.Conflict("AUDIT_DATA_DAMAGED", "The verification job " + id + " is malformed "
                    + "(changed in the database): " + e.getClass().getSimpleName() + "; ask for a new verification");
        }
    }

    private Job job(String id, Document found) {
        State state = State.valueOf(found.getString("state"));
        Instant updated = found.getDate("updatedAt").toInstant();
        if ((state == State.RUNNING || state == State.QUEUED)
                && Duration.between(updated, clock.instant()).compareTo(ABANDONED_AFTER) > 0) {
            state = State.ABANDONED; // its process stopped: ask again
        }
        Document result = found.get("result", Document.class);
        AuditVerificationController.VerificationDone done;
        try {
            done = result == null ? null : json.treeToValue(json.readTree(result.toJson()),
                    AuditVerificationController.VerificationDone.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("verification " + id + " holds no readable result", e);
        }
        String phase = found.getString("phase");
        Date finished = found.getDate("finishedAt");
        return new Job(id, state, phase == null ? null : Phase.valueOf(phase), found.get("done", Number.class).longValue(),
                found.get("total", Number.class).longValue(), found.getString("requestedBy"), found.getDate("queuedAt").toInstant(), updated,
                finished == null ? null : finished.toInstant(), done, found.getString("error"));
    }

    @PreDestroy
    void stop() {
        runner.shutdownNow();
        heartbeats.shutdownNow();
    }
}
