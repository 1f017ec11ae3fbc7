package org.coverledger.command.infra;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.time.ZoneId;

import java.util.List;

import org.axonframework.commandhandling.CommandBus;
import org.axonframework.common.caching.Cache;
import org.axonframework.common.caching.EhCache3Adapter;
import org.axonframework.common.caching.NoCache;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.commandhandling.gateway.DefaultCommandGateway;
import org.axonframework.commandhandling.gateway.IntervalRetryScheduler;
import org.axonframework.eventsourcing.EventCountSnapshotTriggerDefinition;
import org.axonframework.eventsourcing.SnapshotTriggerDefinition;
import org.axonframework.eventsourcing.Snapshotter;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.modelling.command.ConcurrencyException;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.axonframework.serialization.Serializer;
import org.axonframework.spring.eventsourcing.SpringAggregateSnapshotterFactoryBean;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.eventstore.CausationCorrelationProvider;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.coverledger.command.schedule.TimedSteps;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

@Configuration
public class AxonConfiguration {

    /** The data subjects' keys that seal personal data in events and snapshots (see README, data protection). */
    @Bean
    public SubjectKeys subjectKeys(MongoDatabaseFactory mongo, @Value("${coverledger.privacy.master-key}") String masterKey,
                                   @Value("${coverledger.privacy.key-cache}") Duration cacheFor) {
        return new SubjectKeys(mongo.getMongoDatabase(), masterKey, cacheFor, java.time.Clock.systemUTC());
    }

    @Bean
    @Primary
    public Serializer serializer(SubjectKeys keys) {
        return EventSerialization.serializer(keys);
    }

    @Bean
    @Qualifier("eventSerializer")
    public Serializer eventSerializer(SubjectKeys keys) {
        return EventSerialization.serializer(keys);
    }

    @Bean
    @Qualifier("messageSerializer")
    public Serializer messageSerializer(SubjectKeys keys) {
        return EventSerialization.serializer(keys);
    }

    @Bean
    public EventStorageEngine eventStorageEngine(MongoDatabaseFactory mongo, SubjectKeys keys,
                                                 @Value("${coverledger.eventstore.gap-timeout}") Duration gapTimeout) {
        return MongoEventStore.engine(mongo.getMongoDatabase(), keys, gapTimeout);
    }

    /** Log lines name the request, correlation and actor of the command or event being handled. */
    @Bean
    public org.coverledger.platform.MessageLogContext commandLogContext(org.axonframework.commandhandling.CommandBus commandBus) {
        org.coverledger.platform.MessageLogContext context = new org.coverledger.platform.MessageLogContext();
        commandBus.registerHandlerInterceptor(context);
        return context;
    }

    @Bean
    public org.axonframework.config.ConfigurerModule eventLogContext() {
        return configurer -> configurer.eventProcessing(processing -> processing.registerDefaultHandlerInterceptor(
                (config, name) -> new org.coverledger.platform.MessageLogContext()));
    }

    @Bean
    public io.micrometer.core.instrument.binder.MeterBinder eventStoreMetrics(EventStorageEngine engine) {
        return engine instanceof org.coverledger.eventstore.MongoCommitLogEngine ours
                ? org.coverledger.eventstore.EventStoreMetrics.of(ours) : registry -> { };
    }

    /**
     * Commands that lost an optimistic-concurrency race are retried against the new state a
     * few times before the caller gets a 409; business refusals are final and never retried.
     */
    @Bean(destroyMethod = "")
    public CommandGateway commandGateway(CommandBus commandBus) {
        ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "command-retry");
            thread.setDaemon(true);
            return thread;
        });
        return DefaultCommandGateway.builder()
                .commandBus(commandBus)
                .retryScheduler(IntervalRetryScheduler.builder()
                        .retryExecutor(retries)
                        .retryInterval(20)
                        .maxRetryCount(3)
                        .nonTransientFailurePredicate(failure -> !retryable(failure))
                        .build())
                .build();
    }

    static boolean retryable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            // lost a race, or two commands waited on each other's aggregates (a deadlock Axon broke)
            if (t instanceof ConcurrencyException || t instanceof org.axonframework.common.lock.LockAcquisitionFailedException) {
                return true;
            }
        }
        return false;
    }

    /**
     * With one command-side instance, aggregates may stay in memory between commands, so a
     * command costs no reads of the store ({@code coverledger.aggregate-cache.entries} per type;
     * 0, the default, turns it off). With several instances it must stay off: an aggregate another
     * instance changed would be decided on stale, and only decisions that append events are
     * caught by the store's unique keys (a command that does nothing or is refused is not). One
     * cache per aggregate type, so an id of another type never finds an aggregate of the wrong class.
     */
    @Bean(destroyMethod = "close")
    public org.ehcache.CacheManager aggregateCaches(@Value("${coverledger.aggregate-cache.entries}") long entries) {
        var builder = org.ehcache.config.builders.CacheManagerBuilder.newCacheManagerBuilder();
        for (String name : List.of("policyCache", "claimCache", "accountCache")) {
            builder = builder.withCache(name, org.ehcache.config.builders.CacheConfigurationBuilder
                    .newCacheConfigurationBuilder(Object.class, Object.class,
                            org.ehcache.config.builders.ResourcePoolsBuilder.heap(Math.max(1, entries))));
        }
        return builder.build(true);
    }

    @Bean
    public Cache policyCache(org.ehcache.CacheManager caches, @Value("${coverledger.aggregate-cache.entries}") long entries) {
        return cache(caches, "policyCache", entries);
    }

    @Bean
    public Cache claimCache(org.ehcache.CacheManager caches, @Value("${coverledger.aggregate-cache.entries}") long entries) {
        return cache(caches, "claimCache", entries);
    }

    @Bean
    public Cache accountCache(org.ehcache.CacheManager caches, @Value("${coverledger.aggregate-cache.entries}") long entries) {
        return cache(caches, "accountCache", entries);
    }

    private static Cache cache(org.ehcache.CacheManager caches, String name, long entries) {
        if (entries <= 0) {
            return NoCache.INSTANCE;
        }
        return new EhCache3Adapter((org.ehcache.core.Ehcache<Object, Object>) caches.getCache(name, Object.class, Object.class));
    }

    /**
     * Snapshots are taken on a thread of their own after the command that triggered one has
     * answered, not inside it (Axon's default), where rereading the events since the last snapshot
     * added a few hundred milliseconds to every fiftieth change of a policy. One thread, a bounded
     * queue: a snapshot request that finds the queue full is dropped, and the next trigger asks
     * again; a snapshot is an optimisation, never the record.
     */
    @Bean
    public SpringAggregateSnapshotterFactoryBean snapshotter() {
        return new BackgroundSnapshotter();
    }

    static final class BackgroundSnapshotter extends SpringAggregateSnapshotterFactoryBean implements DisposableBean {

        private final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(256), runnable -> {
                    Thread thread = new Thread(runnable, "aggregate-snapshotter");
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.DiscardPolicy());

        BackgroundSnapshotter() {
            setExecutor(executor);
        }

        @Override
        public void destroy() {
            executor.shutdownNow();
        }
    }

    /** Policies live for decades of changes: load them from a snapshot, not from the first event. */
    @Bean
    public SnapshotTriggerDefinition policySnapshotTrigger(Snapshotter snapshotter,
                                                           @Value("${coverledger.snapshot.policy-every}") int every) {
        return new EventCountSnapshotTriggerDefinition(snapshotter, every);
    }

    /** Every event inherits who asked, from where, and which message caused it. */
    @Bean
    public CorrelationDataProvider callerCorrelationProvider() {
        return new SimpleCorrelationDataProvider(CommandMetadata.ACTOR, CommandMetadata.ROLES,
                CommandMetadata.REQUEST_ID, CommandMetadata.CLIENT_IP);
    }

    @Bean
    public CorrelationDataProvider causationCorrelationProvider() {
        return new CausationCorrelationProvider();
    }

    /**
     * The command side's own tracking processor (the {@code timetable} that records timed steps)
     * keeps its token in MongoDB beside the query side's, so that it resumes where it stopped and
     * one instance of several holds it. The timetable's steps go out before its token
     * ({@link org.coverledger.eventstore.FlushingTokenStore}).
     */
    @Bean
    public TokenStore tokenStore(MongoDatabaseFactory mongo) {
        return new org.coverledger.eventstore.FlushingTokenStore(MongoEventStore.tokenStoreBuilder(mongo.getMongoDatabase(),
                "command-side/" + java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "/"
                        + java.util.UUID.randomUUID().toString().substring(0, 8)),
                org.coverledger.command.schedule.TimedSteps::flushCurrent);
    }

    /**
     * A timed step that could not be recorded (MongoDB unavailable) must not be skipped: the
     * timetable's errors stop its processor, which tries the same events again, instead of being
     * logged and passed over (Axon's default).
     * <p>
     * And no transaction manager for it, whatever else the application gains: with one, Axon's
     * tracking processor stores a batch's token before handling the batch, ahead of the steps the
     * batch queues ({@link org.coverledger.eventstore.FlushingTokenStore}), and a crash in between would skip them for good.
     */
    @Bean
    public org.axonframework.config.ConfigurerModule timetableErrorsPropagate() {
        return configurer -> configurer.eventProcessing(processing -> processing
                .registerListenerInvocationErrorHandler(org.coverledger.command.schedule.Timetable.PROCESSOR,
                        c -> org.axonframework.eventhandling.PropagatingErrorHandler.instance())
                .registerTransactionManager(org.coverledger.command.schedule.Timetable.PROCESSOR,
                        c -> org.axonframework.common.transaction.NoTransactionManager.INSTANCE));
    }

    /**
     * The claims' settlement sagas ({@link org.coverledger.command.claim.ClaimSettlement}) in
     * MongoDB ({@code claim_sagas}), with axon-mongo's saga store (DESIGN.md: fine on both servers).
     */
    @Bean
    public org.axonframework.modelling.saga.repository.SagaStore<Object> claimSagaStore(MongoDatabaseFactory mongo,
                                                                                       Serializer serializer) {
        return org.axonframework.extensions.mongo.eventhandling.saga.repository.MongoSagaStore.builder()
                .mongoTemplate(org.axonframework.extensions.mongo.DefaultMongoTemplate.builder()
                        .mongoDatabase(mongo.getMongoDatabase()).sagasCollectionName("claim_sagas").build())
                .serializer(serializer)
                .build();
    }

    /**
     * A payout asked for by the settlement saga, a notice put in the outbox, a claim counted in
     * its adjuster's workload: none may be passed over when it fails (MongoDB unavailable, a
     * command that lost a race too often), so these processors' errors stop them and they try
     * the same events again.
     */
    @Bean
    public org.axonframework.config.ConfigurerModule claimProcessorsErrorsPropagate() {
        return configurer -> configurer.eventProcessing(processing -> {
            for (String processor : java.util.List.of(org.coverledger.command.claim.ClaimSettlement.PROCESSOR,
                    org.coverledger.command.claim.ClaimWorkloads.PROCESSOR,
                    org.coverledger.command.notification.NoticeDispatch.PROCESSOR)) {
                processing.registerListenerInvocationErrorHandler(processor,
                        c -> org.axonframework.eventhandling.PropagatingErrorHandler.instance());
            }
        });
    }

    /** Claims' materials, sealed under the customer's key, in GridFS beside the events. */
    @Bean
    public org.coverledger.materials.MaterialStore materialStore(MongoDatabaseFactory mongo, SubjectKeys keys) {
        return new org.coverledger.materials.MaterialStore(mongo.getMongoDatabase(), keys);
    }

    @Bean
    public TimedSteps timedSteps(MongoDatabaseFactory mongo) {
        return new TimedSteps(mongo.getMongoDatabase());
    }

    @Bean
    public BusinessCalendar businessCalendar(Clock clock, @Value("${coverledger.business-zone}") ZoneId zone) {
        return new BusinessCalendar(clock, zone);
    }
}
