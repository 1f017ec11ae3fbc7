package org.coverledger.query.infra;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import org.bson.Document;

/**
 * Which generation of each projection's read model is live, and the collection names a
 * generation writes to: a projection is rebuilt into new collections (its next generation) while
 * the live ones keep serving, then cut over by switching the generation (see
 * {@link ProjectionRebuilds}). Generation 0 is the collections' plain names, generation
 * {@code n} their names with {@code __g<n>}.
 *
 * <p>Every collection access of the query side goes through {@link #database}, which resolves
 * a projection's collection to the generation in force on the calling thread:
 * <ul>
 * <li>a rebuild's own threads are bound to the generation they build ({@link #bindThread});
 * <li>a live processor's batch is bound to the generations read from MongoDB at its start
 *     ({@link #bindFresh}), so that no batch begun after a cut-over writes the old generation;
 * <li>everything else (queries) uses the live generations, read again at most once a
 *     {@link #REFRESH} ({@value #REFRESH_MILLIS} ms), so another instance's cut-over reaches
 *     its readers within that time; old collections are dropped only well after it.
 * </ul>
 * Collections that no projection owns (the event store, tokens, dead letters, keys) are never
 * renamed.
 */
public final class Generations {

    /** The collections each projection's handlers write, by projection (processing group). */
    public static final Map<String, List<String>> OWNED = ownedCollections();
    static final String COLLECTION = "projection_generations";
    static final String SUFFIX = "__g";
    static final long REFRESH_MILLIS = 1000;

    private static final Map<String, String> OWNER = new HashMap<>();

    static {
        OWNED.forEach((projection, names) -> names.forEach(name -> OWNER.put(name, projection)));
    }

    private static Map<String, List<String>> ownedCollections() {
        Map<String, List<String>> owned = new LinkedHashMap<>();
        owned.put("policies", List.of("policy_views", "quote_views", "policy_holders"));
        owned.put("claims", List.of("claim_progress"));
        owned.put("accounts", List.of("account_views", "notice_inbox", "account_holdings", "account_lookup"));
        owned.put("audit", List.of("audit_trail", "audit_keys"));
        owned.put("analytics", List.of("analytics_days", "analytics_facts"));
        return java.util.Collections.unmodifiableMap(owned);
    }

    /**
     * A component that keeps state per generation of a projection's read model (id sets counted
     * complete): told when a rebuild starts a new generation, on a thread bound to it.
     */
    public interface Fresh {
        String projection();

        void started();
    }

    private final MongoDatabase raw;
    private final ThreadLocal<Map<String, Integer>> fixed = new ThreadLocal<>();
    private final ThreadLocal<Map<String, Integer>> batch = new ThreadLocal<>();
    private volatile Map<String, Integer> live = Map.of();
    private volatile boolean read;
    private volatile boolean lately;
    private volatile long readAt;

    public Generations(MongoDatabase raw) {
        this.raw = raw;
    }

    /** The collection's name in a generation. */
    public static String name(String collection, int generation) {
        return generation == 0 ? collection : collection + SUFFIX + generation;
    }

    /** The projection that owns the collection, or null. */
    public static String owner(String collection) {
        return OWNER.get(collection);
    }

    /** The generation of the projection in force on this thread. */
    public int current(String projection) {
        Map<String, Integer> bound = fixed.get();
        if (bound != null && bound.containsKey(projection)) {
            return bound.get(projection);
        }
        bound = batch.get();
        if (bound != null) {
            return bound.getOrDefault(projection, 0);
        }
        return live().getOrDefault(projection, 0);
    }

    /** The name the collection has in the generation in force on this thread. */
    public String resolve(String collection) {
        String projection = OWNER.get(collection);
        return projection == null ? collection : name(collection, current(projection));
    }

    /** The live generations, read again when the last read is older than {@value #REFRESH_MILLIS} ms. */
    public Map<String, Integer> live() {
        if (!read || System.nanoTime() - readAt > REFRESH_MILLIS * 1_000_000) {
            refresh();
        }
        return live;
    }

    /** Reads the live generations now. */
    public Map<String, Integer> refresh() {
        Map<String, Integer> found = new HashMap<>();
        boolean cutting = false;
        long since = System.currentTimeMillis() - 60_000;
        for (Document document : raw.getCollection(COLLECTION).find()) {
            found.put(document.getString("_id"), document.getInteger("live", 0));
            java.util.Date cutAt = document.getDate("cutAt");
            cutting |= document.get("cutting") != null || document.get("tokensFrom") != null
                    || cutAt != null && cutAt.getTime() > since;
        }
        lately = cutting;
        live = Map.copyOf(found);
        readAt = System.nanoTime();
        this.read = true;
        return live;
    }

    /** Binds this thread (a rebuild's) to a generation of one projection for as long as it lives. */
    public void bindThread(String projection, int generation) {
        fixed.set(Map.of(projection, generation));
    }

    /** Binds this thread to the live generations read from MongoDB now, until {@link #unbindBatch}. */
    public void bindFresh() {
        batch.set(refresh());
    }

    /**
     * Whether, at the last {@link #refresh}, a cut-over was under way or had ended within the last
     * minute (see {@link PerBatch}).
     */
    public boolean cutOverLately() {
        return lately;
    }

    /**
     * The handler interceptor of every live processor: a batch writes the generations read at its
     * start, and, while a cut-over is under way or recent, only if this instance still holds the
     * segment the batch is of. A work package that holds a segment in memory after the cut-over
     * fenced its token (ProjectionRebuilds) would otherwise apply events past the rebuild's
     * position to the new generation before its token store fails, and those events would then
     * be passed over when the segment is claimed again from the rebuild's position.
     */
    public static final class PerBatch implements org.axonframework.messaging.MessageHandlerInterceptor<
            org.axonframework.eventhandling.EventMessage<?>> {

        private final Generations generations;
        private final String processor;
        private final String instance;
        private final org.axonframework.eventhandling.async.SequencingPolicy<
                ? super org.axonframework.eventhandling.EventMessage<?>> sequencing;

        public PerBatch(Generations generations, String processor, String instance,
                        org.axonframework.eventhandling.async.SequencingPolicy<
                                ? super org.axonframework.eventhandling.EventMessage<?>> sequencing) {
            this.generations = generations;
            this.processor = processor;
            this.instance = instance;
            this.sequencing = sequencing;
        }

        @Override
        public Object handle(org.axonframework.messaging.unitofwork.UnitOfWork<
                ? extends org.axonframework.eventhandling.EventMessage<?>> unitOfWork,
                             org.axonframework.messaging.InterceptorChain chain) throws Exception {
            org.axonframework.messaging.unitofwork.UnitOfWork<?> root = unitOfWork.root();
            root.getOrComputeResource(Generations.class.getName(), key -> {
                generations.bindFresh();
                root.onCleanup(done -> generations.unbindBatch());
                if (generations.cutOverLately()) {
                    // the segment the batch is of: Axon's own rule (the sequence's hash, the message id if none)
                    org.axonframework.eventhandling.EventMessage<?> event = unitOfWork.getMessage();
                    Object sequence = sequencing.getSequenceIdentifierFor(event);
                    generations.checkClaimed(processor, instance, sequence == null ? event.getIdentifier() : sequence);
                }
                return Boolean.TRUE;
            });
            return chain.proceed();
        }
    }

    /**
     * Refuses (as Axon's token store does) when the segment the sequence belongs to is not claimed
     * by this instance in the token store: the batch then writes nothing, its work package lets the
     * segment go, and it is claimed again from the stored token.
     */
    void checkClaimed(String processor, String instance, Object sequenceIdentifier) {
        List<Document> tokens = new java.util.ArrayList<>();
        raw.getCollection("trackingtokens").find(Filters.eq("processorName", processor)).forEach(tokens::add);
        int[] ids = tokens.stream().mapToInt(token -> token.getInteger("segment")).toArray();
        int hash = java.util.Objects.hashCode(sequenceIdentifier);
        for (org.axonframework.eventhandling.Segment segment : org.axonframework.eventhandling.Segment.computeSegments(ids)) {
            if (segment.matches(hash)) {
                for (Document token : tokens) {
                    if (token.getInteger("segment") == segment.getSegmentId()
                            && !instance.equals(token.getString("owner"))) {
                        throw new org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException(
                                "Segment " + segment.getSegmentId() + " of " + processor + " is no longer claimed by "
                                        + instance + " (a projection was cut over); the batch is left to its next claim");
                    }
                }
                return;
            }
        }
    }

    public void unbindBatch() {
        batch.remove();
    }

    /** The database with every collection under its own name (a generation's collections named in full). */
    MongoDatabase raw() {
        return raw;
    }

    /** The generations' own documents, unresolved. */
    MongoCollection<Document> documents() {
        return raw.getCollection(COLLECTION);
    }

    /** The stored state of one projection's generations, or null. */
    Document stateOf(String projection) {
        return documents().find(Filters.eq("_id", projection)).first();
    }

    /**
     * The database as the query side's code sees it: each collection a projection owns resolved
     * to the generation in force on the calling thread (see the class comment), everything else
     * as it is.
     */
    public MongoDatabase database(MongoDatabase database) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (args != null) {
                switch (method.getName()) {
                    case "getCollection", "createCollection", "createView" -> {
                        for (int i = 0; i < args.length; i++) {
                            if (args[i] instanceof String name) {
                                args[i] = resolve(name);
                                break; // the first string is the collection's name
                            }
                        }
                    }
                    default -> {
                    }
                }
            }
            try {
                Object result = method.invoke(database, args);
                return result instanceof MongoDatabase other && method.getName().startsWith("with")
                        ? database(other) : result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (MongoDatabase) Proxy.newProxyInstance(MongoDatabase.class.getClassLoader(),
                new Class<?>[] {MongoDatabase.class}, handler);
    }

    /** The factory, its databases seen through {@link #database} (the generations taken when first needed). */
    static org.springframework.data.mongodb.MongoDatabaseFactory wrap(
            org.springframework.data.mongodb.MongoDatabaseFactory factory, Supplier<Generations> generations) {
        InvocationHandler handler = (proxy, method, args) -> {
            try {
                Object result = method.invoke(factory, args);
                return result instanceof MongoDatabase database && method.getName().equals("getMongoDatabase")
                        ? generations.get().database(database) : result;
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        return (org.springframework.data.mongodb.MongoDatabaseFactory) Proxy.newProxyInstance(
                Generations.class.getClassLoader(),
                new Class<?>[] {org.springframework.data.mongodb.MongoDatabaseFactory.class}, handler);
    }

    /** Runs the work with this thread bound to the generation of the projection, then unbinds it. */
    public <T> T in(String projection, int generation, Supplier<T> work) {
        Map<String, Integer> before = fixed.get();
        fixed.set(Map.of(projection, generation));
        try {
            return work.get();
        } finally {
            if (before == null) {
                fixed.remove();
            } else {
                fixed.set(before);
            }
        }
    }
}
