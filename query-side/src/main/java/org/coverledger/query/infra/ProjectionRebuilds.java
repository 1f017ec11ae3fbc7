package org.coverledger.query.infra;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.config.EventProcessingConfiguration;
import org.axonframework.eventhandling.EventHandlerInvoker;
import org.axonframework.eventhandling.EventMessageHandler;
import org.axonframework.eventhandling.EventTrackerStatus;
import org.axonframework.eventhandling.MultiEventHandlerInvoker;
import org.axonframework.eventhandling.PropagatingErrorHandler;
import org.axonframework.eventhandling.SimpleEventHandlerInvoker;
import org.axonframework.eventhandling.StreamingEventProcessor;
import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.deadletter.DeadLetteringEventHandlerInvoker;
import org.axonframework.eventhandling.pooled.PooledStreamingEventProcessor;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.extensions.mongo.DefaultMongoTemplate;
import org.axonframework.messaging.unitofwork.RollbackConfigurationType;
import org.bson.Document;
import org.coverledger.eventstore.CommitLogTail;
import org.coverledger.privacy.SubjectKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Rebuilds a projection without downtime (blue/green): its handlers fold every event, from the
 * first, into the collections of a new generation ({@link Generations}) on a processor of their
 * own, while the live generation goes on serving and projecting. Once the new generation has
 * caught up with the store's head it is cut over:
 * <ol>
 * <li>the generation document notes the cut-over ({@code cutting}); the live processor stops on
 *     this instance, then the rebuild's processor;
 * <li>the live processor's tokens are fenced: claimed by no instance, and no claim can take them.
 *     A batch that began before writes the old generation; one that begins after finds its
 *     segment no longer its own and writes nothing ({@link Generations#checkClaimed}), so no
 *     instance's stale position ever reaches the new generation;
 * <li>the generation document switches to the new generation, naming the rebuild's tokens to
 *     take over ({@code tokensFrom}): from this write on, every query and every batch reads and
 *     writes the new collections (other instances' queries within {@link Generations#REFRESH_MILLIS});
 * <li>the rebuild's tokens replace the fenced ones, unclaimed, and its dead letters replace the
 *     live ones; the live processor starts again, and any instance claims from where the new
 *     generation stands;
 * <li>the old generation's collections are dropped after {@link #GRACE}, when no reader can
 *     still resolve to them.
 * </ol>
 * A crash in the middle is repaired by any instance after {@link #GRACE}: before step 3 the
 * fence is lifted and the rebuild dropped; after it, the hand-over is finished (it can be done
 * again: the rebuild's tokens are removed last, and moved dead letters are marked). A rebuild is not resumed: one whose instance stops is cleaned away as it
 * stops, one whose instance died (no heartbeat for {@code coverledger.rebuild.abandoned-after})
 * by the next start of any instance or the next rebuild.
 */
@Component
public class ProjectionRebuilds {

    /** How a rebuild stands. */
    public enum State { BUILDING, CUTTING_OVER, CUT_OVER, ABORTED, FAILED }

    /**
     * A rebuild's progress: the generation it builds, where its slowest segment stands against the
     * store's head (global indexes, -1 before the first event), its rate since the last look and,
     * once it is over, when and how it ended.
     */
    public record Status(String projection, int generation, State state, Instant startedAt, Instant finishedAt,
                         long position, long head, long behind, double eventsPerSecond, String detail) {
    }

    /** Refused: the projection is unknown, or a rebuild of it is running already (a stable code). */
    public static final class Refused extends RuntimeException {
        private final String code;

        Refused(String code, String message) {
            super(message);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    static final Duration GRACE = Duration.ofSeconds(10);
    static final String SHADOW = "~rebuild~g";
    /** The owner of fenced tokens: no instance, and a claim timestamp that never expires. */
    static final String FENCE = "~cut-over";
    /** How often what stopped instances left is looked for. */
    private static final Duration SWEEP = Duration.ofSeconds(5);
    private static final Logger log = LoggerFactory.getLogger(ProjectionRebuilds.class);

    private final EventProcessingConfiguration processing;
    private final CommitLogTail tail;
    private final TokenStore tokenStore;
    private final EventStorageEngine store;
    private final Generations generations;
    private final SubjectKeys keys;
    /** The database as it is: a generation's collections are named in full here. */
    private final MongoDatabase database;
    /** Where Axon keeps tokens and dead letters. */
    private final DefaultMongoTemplate axonCollections;
    private final String instance;
    private final int batchSize;
    private final Duration abandonedAfter;
    private final org.springframework.beans.factory.ObjectProvider<Generations.Fresh> fresh;
    private final org.springframework.core.env.Environment environment;
    private final Map<String, Rebuild> rebuilds = new ConcurrentHashMap<>();
    private final ScheduledExecutorService monitor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "projection-rebuilds");
        thread.setDaemon(true);
        return thread;
    });

    public ProjectionRebuilds(EventProcessingConfiguration processing, CommitLogTail tail, TokenStore tokenStore,
                              EventStorageEngine store, Generations generations, SubjectKeys keys,
                              SegmentBalancer.QueryInstance instance,
                              @Value("${coverledger.rebuild.batch-size:200}") int batchSize,
                              @Value("${coverledger.rebuild.abandoned-after:60s}") Duration abandonedAfter,
                              org.springframework.beans.factory.ObjectProvider<Generations.Fresh> fresh,
                              org.springframework.core.env.Environment environment) {
        this.processing = processing;
        this.tail = tail;
        this.tokenStore = tokenStore;
        this.store = store;
        this.generations = generations;
        this.keys = keys;
        this.database = generations.raw(); // collections named in full, never resolved to a generation
        this.axonCollections = DefaultMongoTemplate.builder().mongoDatabase(database).build();
        this.instance = instance.id();
        this.batchSize = batchSize;
        this.abandonedAfter = abandonedAfter;
        this.fresh = fresh;
        this.environment = environment;
    }

    /** What one rebuild holds while it runs here. */
    private final class Rebuild {
        final String projection;
        final int generation;
        final int previous;
        final Instant startedAt = Instant.now();
        final PooledStreamingEventProcessor processor;
        final List<ScheduledExecutorService> executors = new ArrayList<>();
        volatile State state = State.BUILDING;
        volatile Instant finishedAt;
        volatile String detail;
        volatile long lastPosition = -1;
        volatile long lastSampleNanos = System.nanoTime();
        volatile long lastSamplePosition = -1;
        volatile double rate;
        volatile long heartbeatNanos = System.nanoTime();

        Rebuild(String projection, int generation, int previous, int segments) {
            this.projection = projection;
            this.generation = generation;
            this.previous = previous;
            this.processor = shadowProcessor(this, segments);
        }

        String processorName() {
            return shadowName(projection, generation);
        }

        ScheduledExecutorService executor(String name, int threads) {
            AtomicInteger count = new AtomicInteger();
            ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(threads, runnable -> {
                Thread thread = new Thread(() -> {
                    generations.bindThread(projection, generation);
                    runnable.run();
                }, name + "-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
            executors.add(executor);
            return executor;
        }
    }

    static String shadowName(String projection, int generation) {
        return projection + SHADOW + generation;
    }

    /** Cleans away what a crash left (a cut-over to finish, a rebuild whose instance died), then watches. */
    @PostConstruct
    void recover() {
        repair();
        monitor.scheduleWithFixedDelay(this::watch, 200, 200, TimeUnit.MILLISECONDS);
    }

    /**
     * Repairs what an instance that died left: a cut-over begun (its fence lifted, its rebuild
     * dropped) or half done (finished), a rebuild without a heartbeat (dropped), old generations
     * not yet dropped. Never within {@link #GRACE} of a cut-over, which its own instance is doing.
     */
    private synchronized void repair() {
        for (Document state : generations.documents().find()) {
            String projection = state.getString("_id");
            if (!Generations.OWNED.containsKey(projection)) {
                continue;
            }
            Rebuild here = rebuilds.get(projection);
            boolean mine = here != null && (here.state == State.BUILDING || here.state == State.CUTTING_OVER);
            Date cuttingAt = state.getDate("cuttingAt");
            if (state.getInteger("cutting") != null && !mine && olderThan(cuttingAt, GRACE)) {
                log.warn("The cut-over of {} to generation {} stopped with its instance before the switch; the "
                        + "fence is lifted and the rebuild dropped", projection, state.getInteger("cutting"));
                unfence(projection);
                generations.documents().updateOne(Filters.eq("_id", projection),
                        Updates.combine(Updates.unset("cutting"), Updates.unset("cuttingAt")));
                cleanAway(projection, state.getInteger("cutting"));
                continue;
            }
            if (state.getString("tokensFrom") != null && !mine && olderThan(state.getDate("cutAt"), GRACE)) {
                log.warn("Finishing the cut-over of {} to generation {} that its instance left unfinished",
                        projection, state.getInteger("live"));
                finishTokenHandOver(projection, state.getString("tokensFrom"));
            }
            Integer building = state.getInteger("building");
            if (building != null && state.getInteger("cutting") == null && abandoned(state)) {
                log.warn("The rebuild of {} into generation {} stopped with its instance ({}); its collections "
                        + "are dropped", projection, building, state.getString("builder"));
                cleanAway(projection, building);
            }
            dropStale(projection);
        }
    }

    private static boolean olderThan(Date at, Duration age) {
        return at == null || at.toInstant().isBefore(Instant.now().minus(age));
    }

    /**
     * A rebuild running here is aborted when the query side stops: it would not be resumed. The
     * watching stops first, and is not waited for: with the database gone its calls would hold the
     * lock for the driver's server selection timeout.
     */
    @PreDestroy
    void stop() {
        monitor.shutdownNow();
        rebuilds.values().forEach(rebuild -> {
            if (rebuild.state == State.BUILDING) {
                stopProcessor(rebuild);
                try {
                    cleanAway(rebuild.projection, rebuild.generation);
                } catch (RuntimeException e) {
                    log.warn("The rebuild of {} could not be cleaned away as the query side stopped ({}); the "
                            + "next start does it", rebuild.projection, e.toString());
                }
                finish(rebuild, State.ABORTED, "the query side stopped");
                rebuild.executors.forEach(ScheduledExecutorService::shutdownNow);
            }
        });
    }

    /**
     * Starts a rebuild of the projection into its next generation. Refused when a rebuild of it
     * runs (here or on another live instance).
     */
    public synchronized Status start(String projection) {
        if (!Generations.OWNED.containsKey(projection)) {
            throw new Refused("NOT_REBUILDABLE", "Projection " + projection + " cannot be rebuilt.");
        }
        StreamingEventProcessor live = live(projection);
        Document state = generations.stateOf(projection);
        if (state != null && state.getInteger("building") != null) {
            if (!abandoned(state)) {
                throw new Refused("REBUILD_RUNNING", "A rebuild of " + projection + " into generation "
                        + state.getInteger("building") + " is running on " + state.getString("builder")
                        + "; wait for it or abort it.");
            }
            cleanAway(projection, state.getInteger("building"));
            state = generations.stateOf(projection);
        }
        int previous = state == null ? 0 : state.getInteger("live", 0);
        int generation = Math.max(previous, state == null ? 0 : state.getInteger("highest", 0)) + 1;
        Instant now = Instant.now();
        try {
            generations.documents().updateOne(Filters.and(Filters.eq("_id", projection), Filters.exists("building", false)),
                    Updates.combine(Updates.set("building", generation), Updates.set("builder", instance),
                            Updates.set("heartbeat", Date.from(now)), Updates.set("startedAt", Date.from(now)),
                            Updates.set("highest", generation), Updates.setOnInsert("live", previous)),
                    new UpdateOptions().upsert(true));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() == ErrorCategory.DUPLICATE_KEY) {
                throw new Refused("REBUILD_RUNNING", "A rebuild of " + projection + " has just started elsewhere.");
            }
            throw e;
        }
        int stored = tokenStore.fetchSegments(live.getName()).length;
        int segments = stored > 0 ? stored : Math.max(1, environment.getProperty(
                "axon.eventhandling.processors." + projection + ".initial-segment-count", Integer.class, 1));
        Rebuild rebuild;
        try {
            keys.forgetCachedKeys(); // the rebuild reads every erasure made anywhere until now
            dropCollections(projection, generation);
            // the handlers' reset (each drops what it keeps, id sets are counted complete), on the new generation
            generations.in(projection, generation, () -> {
                SimpleEventHandlerInvoker.builder().eventHandlers(handlers(projection)).build().performReset();
                fresh.orderedStream().filter(kept -> kept.projection().equals(projection))
                        .forEach(Generations.Fresh::started);
                return null;
            });
            copyIndexes(projection, previous, generation);
            rebuild = new Rebuild(projection, generation, previous, segments);
            rebuilds.put(projection, rebuild);
            rebuild.processor.start();
        } catch (RuntimeException e) {
            cleanAway(projection, generation);
            throw e;
        }
        log.info("Rebuilding {} into generation {} ({} segments) while generation {} serves", projection, generation,
                segments, previous);
        return status(rebuild, head());
    }

    /** The running or last rebuild of the projection on this instance, if any. */
    public Optional<Status> status(String projection) {
        Rebuild rebuild = rebuilds.get(projection);
        if (rebuild != null) {
            return Optional.of(status(rebuild, head()));
        }
        Document state = generations.stateOf(projection);
        if (state != null && state.getInteger("building") != null) { // running on another instance
            return Optional.of(new Status(projection, state.getInteger("building"), State.BUILDING,
                    state.getDate("startedAt").toInstant(), null, -1, head(), -1, 0,
                    "running on " + state.getString("builder")));
        }
        return Optional.empty();
    }

    /**
     * Aborts the projection's rebuild: its processor stops, its collections, tokens and dead
     * letters are removed; the live generation never noticed. A rebuild on another instance is
     * aborted there within a second (its monitor finds the generation document changed).
     */
    public synchronized Status abort(String projection) {
        Rebuild rebuild = rebuilds.get(projection);
        if (rebuild != null && rebuild.state == State.BUILDING) {
            stopProcessor(rebuild);
            cleanAway(projection, rebuild.generation);
            finish(rebuild, State.ABORTED, "aborted by an operator");
            return status(rebuild, head());
        }
        Document state = generations.stateOf(projection);
        if (state == null || state.getInteger("building") == null || state.getInteger("cutting") != null
                || !cleanAway(projection, state.getInteger("building"))) {
            throw new Refused("NO_REBUILD", "No rebuild of " + projection + " is running"
                    + (state != null && state.getInteger("cutting") != null ? ": it is being cut over." : "."));
        }
        int building = state.getInteger("building");
        return new Status(projection, building, State.ABORTED, state.getDate("startedAt").toInstant(), Instant.now(),
                -1, head(), -1, 0, "aborted by an operator; it ran on " + state.getString("builder"));
    }

    // ---------------------------------------------------------------- the rebuild's processor

    private PooledStreamingEventProcessor shadowProcessor(Rebuild rebuild, int segments) {
        String name = rebuild.processorName();
        List<EventMessageHandler> handlers = handlers(rebuild.projection);
        EventHandlerInvoker invoker;
        if (processing.deadLetterQueue(rebuild.projection).isPresent()) {
            invoker = DeadLetteringEventHandlerInvoker.builder()
                    .eventHandlers(handlers)
                    .sequencingPolicy(processing.sequencingPolicy(rebuild.projection))
                    .queue(AxonConfiguration.deadLetterQueue(database, name, keys))
                    .transactionManager(NoTransactionManager.INSTANCE)
                    .enableSequenceIdentifierCache()
                    .build();
        } else {
            invoker = SimpleEventHandlerInvoker.builder().eventHandlers(handlers)
                    .sequencingPolicy(processing.sequencingPolicy(rebuild.projection))
                    .listenerInvocationErrorHandler(processing.listenerInvocationErrorHandler(rebuild.projection))
                    .build();
        }
        PooledStreamingEventProcessor processor = PooledStreamingEventProcessor.builder()
                .name(name)
                .eventHandlerInvoker(invoker)
                .rollbackConfiguration(RollbackConfigurationType.ANY_THROWABLE)
                .errorHandler(PropagatingErrorHandler.instance())
                .messageSource(tail)
                .tokenStore(tokenStore)
                .transactionManager(NoTransactionManager.INSTANCE)
                .coordinatorExecutor(rebuild.executor(name + "-coordinator", 1))
                .workerExecutor(rebuild.executor(name + "-worker", Math.min(2, segments)))
                .initialSegmentCount(segments)
                .initialToken(source -> null) // from the first event
                .batchSize(batchSize)
                .build();
        processing.interceptorsFor(rebuild.projection).stream()
                .filter(interceptor -> !(interceptor instanceof Generations.PerBatch)) // bound to its own generation
                .forEach(processor::registerHandlerInterceptor);
        return processor;
    }

    /** The projection's handler beans, as the live processor invokes them. */
    private List<EventMessageHandler> handlers(String projection) {
        List<EventMessageHandler> handlers = new ArrayList<>();
        collect(((org.axonframework.eventhandling.AbstractEventProcessor) live(projection)).eventHandlerInvoker(),
                handlers);
        return handlers;
    }

    private static void collect(EventHandlerInvoker invoker, List<EventMessageHandler> into) {
        if (invoker instanceof MultiEventHandlerInvoker multi) {
            multi.delegates().forEach(delegate -> collect(delegate, into));
        } else if (invoker instanceof SimpleEventHandlerInvoker simple) {
            into.addAll(simple.eventHandlers());
        }
    }

    private StreamingEventProcessor live(String projection) {
        return processing.eventProcessor(projection, StreamingEventProcessor.class)
                .orElseThrow(() -> new Refused("NOT_REBUILDABLE", "Projection " + projection + " cannot be rebuilt."));
    }

    // ---------------------------------------------------------------- watching and cutting over

    private volatile long lastSweep = System.nanoTime();

    private void watch() {
        if (System.nanoTime() - lastSweep > SWEEP.toNanos()) {
            lastSweep = System.nanoTime();
            try {
                repair();
            } catch (RuntimeException e) {
                log.warn("Looking for what a stopped instance left failed ({}); trying again", e.toString());
            }
        }
        for (Rebuild rebuild : rebuilds.values()) {
            if (rebuild.state != State.BUILDING) {
                continue;
            }
            try {
                watch(rebuild);
            } catch (RuntimeException e) {
                log.warn("Watching the rebuild of {} failed ({}); trying again", rebuild.projection, e.toString());
            }
        }
    }

    private synchronized void watch(Rebuild rebuild) {
        if (rebuild.state != State.BUILDING) {
            return;
        }
        // a heartbeat four times within the time after which other instances call a rebuild abandoned
        if (System.nanoTime() - rebuild.heartbeatNanos > Math.min(SWEEP.toNanos(), abandonedAfter.toNanos() / 4)) {
            long beaten = generations.documents().updateOne(
                    Filters.and(Filters.eq("_id", rebuild.projection), Filters.eq("building", rebuild.generation)),
                    Updates.set("heartbeat", new Date())).getMatchedCount();
            rebuild.heartbeatNanos = System.nanoTime();
            if (beaten == 0) { // aborted from another instance
                stopProcessor(rebuild);
                finish(rebuild, State.ABORTED, "aborted from another instance");
                return;
            }
        }
        Map<Integer, EventTrackerStatus> status = rebuild.processor.processingStatus();
        int segments = tokenStore.fetchSegments(rebuild.processorName()).length;
        if (status.isEmpty() || status.size() < segments) {
            return; // not every segment claimed yet
        }
        long position = slowest(status);
        rebuild.lastPosition = position;
        Optional<Throwable> error = status.values().stream().filter(EventTrackerStatus::isErrorState)
                .map(EventTrackerStatus::getError).findFirst();
        rebuild.detail = error.map(e -> "a batch failed and is retried: " + e).orElse(null);
        if (error.isEmpty() && position >= head()) {
            cutOver(rebuild);
        }
    }

    private void cutOver(Rebuild rebuild) {
        String projection = rebuild.projection;
        Instant now = Instant.now();
        long noted = generations.documents().updateOne(
                Filters.and(Filters.eq("_id", projection), Filters.eq("building", rebuild.generation)),
                Updates.combine(Updates.set("cutting", rebuild.generation), Updates.set("cuttingAt", Date.from(now))))
                .getMatchedCount();
        if (noted == 0) { // aborted from another instance meanwhile
            stopProcessor(rebuild);
            finish(rebuild, State.ABORTED, "aborted from another instance");
            return;
        }
        rebuild.state = State.CUTTING_OVER;
        StreamingEventProcessor live = live(projection);
        boolean switched = false;
        try {
            live.shutDown();
            stopProcessor(rebuild);
            fence(projection);
            switched = generations.documents().updateOne(
                    Filters.and(Filters.eq("_id", projection), Filters.eq("cutting", rebuild.generation)),
                    Updates.combine(Updates.set("live", rebuild.generation), Updates.set("previous", rebuild.previous),
                            Updates.unset("building"), Updates.unset("builder"), Updates.unset("heartbeat"),
                            Updates.unset("cutting"), Updates.unset("cuttingAt"),
                            Updates.set("tokensFrom", rebuild.processorName()), Updates.set("cutAt", new Date()),
                            Updates.set("dropAfter", Date.from(Instant.now().plus(GRACE))))).getMatchedCount() > 0;
            if (!switched) {
                throw new IllegalStateException("the cut-over's note was taken away by another instance");
            }
            generations.refresh();
            finishTokenHandOver(projection, rebuild.processorName());
            finish(rebuild, State.CUT_OVER, null);
            log.info("{} cut over to generation {}; generation {} is dropped in {} s", projection, rebuild.generation,
                    rebuild.previous, GRACE.toSeconds());
            monitor.schedule(() -> dropStale(projection), GRACE.toMillis() + 500, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            log.error("The cut-over of {} to generation {} failed", projection, rebuild.generation, e);
            if (!switched) { // the live generation stays: lift the fence, drop the rebuild
                try {
                    unfence(projection);
                    generations.documents().updateOne(Filters.eq("_id", projection),
                            Updates.combine(Updates.unset("cutting"), Updates.unset("cuttingAt")));
                    cleanAway(projection, rebuild.generation);
                } catch (RuntimeException again) {
                    log.error("Undoing the cut-over of {} failed; another instance repairs it in {} s", projection,
                            GRACE.toSeconds(), again);
                }
            } // else: switched, the hand-over is finished by repair() on some instance
            finish(rebuild, State.FAILED, "the cut-over failed: " + e);
        } finally {
            live.start();
        }
    }

    /** No instance holds the live processor's tokens, and none can claim them until the hand-over. */
    private void fence(String projection) {
        tokens().updateMany(Filters.eq("processorName", projection),
                Updates.combine(Updates.set("owner", FENCE), // a claim time that never expires (epoch ms, as Axon's)
                        Updates.set("timestamp", Instant.now().plus(Duration.ofDays(36_500)).toEpochMilli())));
    }

    /** The fence lifted: the tokens are claimable again where they stood. */
    private void unfence(String projection) {
        tokens().updateMany(Filters.and(Filters.eq("processorName", projection), Filters.eq("owner", FENCE)),
                Updates.combine(Updates.set("owner", null), Updates.set("timestamp", 0L)));
    }

    /** The rebuild's tokens and dead letters become the live processor's; then the rebuild's are removed. */
    private void finishTokenHandOver(String projection, String from) {
        MongoCollection<Document> tokens = tokens();
        List<Document> copies = new ArrayList<>();
        for (Document token : tokens.find(Filters.eq("processorName", from))) {
            Document copy = new Document(token);
            copy.remove("_id");
            copy.put("processorName", projection);
            copy.put("owner", null);
            copies.add(copy);
        }
        if (copies.isEmpty()) {
            unfence(projection); // the hand-over was done before (a repeat): lift a fence a crash left
        } else {
            tokens.deleteMany(Filters.eq("processorName", projection));
            tokens.insertMany(copies);
        }
        // the old generation's dead letters go; the rebuild's are moved and marked, so that a repeat keeps them
        MongoCollection<Document> deadLetters = deadLetters();
        deadLetters.deleteMany(Filters.and(Filters.eq("processingGroup", projection), Filters.ne("movedFrom", from)));
        deadLetters.updateMany(Filters.eq("processingGroup", from), Updates.combine(
                Updates.set("processingGroup", projection), Updates.set("movedFrom", from)));
        generations.documents().updateOne(Filters.eq("_id", projection), Updates.unset("tokensFrom"));
        tokens.deleteMany(Filters.eq("processorName", from));
    }

    /**
     * Drops the collections of the projection's generations that are neither live nor being built
     * (nor the newest one handed out, which a rebuild starting elsewhere may be filling), once the
     * last cut-over's grace has passed. The state is read again for each collection.
     */
    private synchronized void dropStale(String projection) {
        List<String> names = collectionNames();
        for (String base : Generations.OWNED.get(projection)) {
            for (String name : names) {
                Integer generation = generationOf(base, name);
                if (generation == null) {
                    continue;
                }
                Document state = generations.stateOf(projection);
                if (state == null || state.getString("tokensFrom") != null || !olderThan(state.getDate("dropAfter"),
                        Duration.ZERO)) {
                    return;
                }
                int live = state.getInteger("live", 0);
                if (generation != live && !generation.equals(state.getInteger("building"))
                        && !generation.equals(state.getInteger("cutting"))
                        && !generation.equals(state.getInteger("highest"))) {
                    database.getCollection(name).drop();
                    log.info("Dropped {} (generation {} of {}, no longer live)", name, generation, projection);
                }
            }
        }
    }

    /** The generation the collection name is of the base collection, or null if it is not one. */
    static Integer generationOf(String base, String name) {
        if (name.equals(base)) {
            return 0;
        }
        String prefix = base + Generations.SUFFIX;
        if (name.startsWith(prefix) && name.length() > prefix.length()
                && name.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(name.substring(prefix.length()));
        }
        return null;
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Takes the rebuild into the generation away: its note, then (only if the note was still this
     * rebuild's, so never a generation that has just gone live) its collections, tokens and dead letters.
     */
    private boolean cleanAway(String projection, int generation) {
        long taken = generations.documents().updateOne(Filters.and(Filters.eq("_id", projection),
                        Filters.or(Filters.eq("building", generation), Filters.eq("cutting", generation))),
                Updates.combine(Updates.unset("building"), Updates.unset("builder"), Updates.unset("heartbeat"),
                        Updates.unset("cutting"), Updates.unset("cuttingAt"))).getMatchedCount();
        Document state = generations.stateOf(projection);
        if (taken == 0 && state != null && Integer.valueOf(generation).equals(state.getInteger("live"))) {
            return false;
        }
        dropCollections(projection, generation);
        removeShadowState(projection, generation);
        return taken > 0;
    }

    private void dropCollections(String projection, int generation) {
        for (String collection : Generations.OWNED.get(projection)) {
            database.getCollection(Generations.name(collection, generation)).drop();
        }
    }

    private void removeShadowState(String projection, int generation) {
        tokens().deleteMany(Filters.eq("processorName", shadowName(projection, generation)));
        deadLetters().deleteMany(Filters.eq("processingGroup", shadowName(projection, generation)));
    }

    /** The live generation's indexes, made on the new generation's (empty) collections. */
    private void copyIndexes(String projection, int from, int to) {
        List<String> names = collectionNames();
        for (String collection : Generations.OWNED.get(projection)) {
            List<Document> indexes = new ArrayList<>();
            String source = Generations.name(collection, from);
            if (!names.contains(source)) {
                continue; // nothing written there yet: the handlers make their own indexes as they write
            }
            for (Document index : database.getCollection(source).listIndexes()) {
                if (!"_id_".equals(index.getString("name"))) {
                    Document spec = new Document(index);
                    spec.remove("v");
                    spec.remove("ns");
                    indexes.add(spec);
                }
            }
            if (!indexes.isEmpty()) {
                database.runCommand(new Document("createIndexes", Generations.name(collection, to))
                        .append("indexes", indexes));
            }
        }
    }

    private List<String> collectionNames() {
        List<String> names = new ArrayList<>();
        database.listCollectionNames().forEach(names::add);
        return names;
    }

    private boolean abandoned(Document state) {
        Date heartbeat = state.getDate("heartbeat");
        Rebuild here = rebuilds.get(state.getString("_id"));
        if (here != null && here.state == State.BUILDING) {
            return false;
        }
        return instance.equals(state.getString("builder")) // this instance does not run it: it stopped
                || heartbeat == null || heartbeat.toInstant().isBefore(Instant.now().minus(abandonedAfter));
    }

    private void stopProcessor(Rebuild rebuild) {
        try {
            rebuild.processor.shutDown();
        } catch (RuntimeException e) {
            log.warn("Stopping the rebuild of {} failed: {}", rebuild.projection, e.toString());
        }
    }

    private void finish(Rebuild rebuild, State state, String detail) {
        rebuild.state = state;
        rebuild.detail = detail;
        rebuild.finishedAt = Instant.now();
        rebuild.executors.forEach(ScheduledExecutorService::shutdown);
    }

    private Status status(Rebuild rebuild, long head) {
        long position = rebuild.lastPosition;
        if (rebuild.state == State.BUILDING) {
            position = slowest(rebuild.processor.processingStatus());
            long now = System.nanoTime();
            double seconds = (now - rebuild.lastSampleNanos) / 1e9;
            if (seconds > 0.5 && position >= rebuild.lastSamplePosition) {
                rebuild.rate = (position - Math.max(-1, rebuild.lastSamplePosition)) / seconds;
                rebuild.lastSampleNanos = now;
                rebuild.lastSamplePosition = position;
            }
        } else if (rebuild.state == State.CUT_OVER) {
            position = Math.max(position, head);
        }
        return new Status(rebuild.projection, rebuild.generation, rebuild.state, rebuild.startedAt,
                rebuild.finishedAt, position, head, Math.max(0, head - position),
                Math.round(rebuild.rate * 10) / 10.0, rebuild.detail);
    }

    private long head() {
        return positionOf(store.createHeadToken());
    }

    /** The global position of a token: -1 for none ("before the first event") or one without a position. */
    public static long positionOf(TrackingToken token) {
        if (token == null) {
            return -1;
        }
        OptionalLong position = token.position();
        return position.orElse(-1);
    }

    /** Where the least advanced of the segments stands (-1 before the first event, or with none). */
    public static long slowest(Map<Integer, EventTrackerStatus> segments) {
        return segments.values().stream().mapToLong(s -> s.getCurrentPosition().orElse(-1)).min().orElse(-1);
    }

    private MongoCollection<Document> tokens() {
        return axonCollections.trackingTokensCollection();
    }

    private MongoCollection<Document> deadLetters() {
        return axonCollections.deadLetterCollection();
    }
}
