package org.coverledger.query.infra;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.binder.MeterBinder;

import org.axonframework.common.transaction.NoTransactionManager;
import org.axonframework.config.ConfigurerModule;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.extensions.mongo.DefaultMongoTemplate;
import org.axonframework.extensions.mongo.eventhandling.deadletter.MongoSequencedDeadLetterQueue;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.serialization.Serializer;
import org.coverledger.eventstore.CommitLogTail;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.data.mongodb.MongoDatabaseFactory;

@Configuration
public class AxonConfiguration {

    /** The processing groups of the query side, one per projection. */
    public static final List<String> PROJECTIONS = List.of("policies", "claims", "accounts", "audit", "analytics");
    /** The analysts' figures: no dead-letter queue (see deadLetterQueues). */
    public static final String ANALYTICS = "analytics";

    /** Which generation of each read model is live (blue/green rebuilds); see {@link Generations}. */
    @Bean
    public Generations generations(com.mongodb.client.MongoClient client,
                                   org.springframework.boot.autoconfigure.mongo.MongoProperties properties) {
        return new Generations(client.getDatabase(properties.getMongoClientDatabase()));
    }

    /**
     * The query side's database: each projection's collections resolved to the generation in
     * force on the calling thread (Spring Boot's factory, wrapped).
     */
    @Bean
    public static org.springframework.beans.factory.config.BeanPostProcessor generationalDatabase(
            org.springframework.beans.factory.ObjectProvider<Generations> generations) {
        return new org.springframework.beans.factory.config.BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof MongoDatabaseFactory factory ? Generations.wrap(factory, generations::getObject)
                        : bean;
            }
        };
    }

    /**
     * A live processor's batch writes the generations read at its start: a batch begun after a
     * rebuild's cut-over (on any instance) writes the new collections, never the dropped ones (and
     * only if its segment is still this instance's, see {@link Generations.PerBatch}).
     */
    @Bean
    public ConfigurerModule generationPerBatch(Generations generations, SegmentBalancer.QueryInstance instance) {
        return configurer -> configurer.eventProcessing(processing -> processing.registerDefaultHandlerInterceptor(
                (config, name) -> new Generations.PerBatch(generations, name, instance.id(),
                        config.eventProcessingConfiguration().sequencingPolicy(name))));
    }

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
    public MongoCommitLogEngine eventStorageEngine(MongoDatabaseFactory mongo, SubjectKeys keys,
                                                   @Value("${coverledger.eventstore.gap-timeout}") Duration gapTimeout) {
        return MongoEventStore.engine(mongo.getMongoDatabase(), keys, gapTimeout);
    }

    /** The event store for what is not a projection (the admin's head position); projections read the tail. */
    @Bean
    public EmbeddedEventStore eventStore(EventStorageEngine engine) {
        return EmbeddedEventStore.builder().storageEngine(engine).build();
    }

    /**
     * The source every projection reads (each processor's {@code source} in query-side.properties):
     * it wakes the processors within {@code coverledger.eventstore.tail-interval} of a commit.
     */
    @Bean(destroyMethod = "close")
    public CommitLogTail commitLogTail(MongoCommitLogEngine engine,
                                       @Value("${coverledger.eventstore.tail-interval}") Duration interval) {
        return new CommitLogTail(engine, interval);
    }

    /**
     * A projection that fails on an event parks that aggregate's sequence in a dead-letter
     * queue in MongoDB and carries on with the others; see the admin dead-letter endpoints. The
     * analytics are the exception: a failure is retried until it goes through.
     */
    @Bean
    public ConfigurerModule deadLetterQueues(MongoDatabaseFactory mongo, SubjectKeys keys) {
        return configurer -> configurer.eventProcessing(processing -> {
            // the analytics count each event once by global position: an event parked and retried
            // later would come behind positions already counted and be passed over, so a failure
            // there stops the batch, which is read again from its token until it goes through
            processing.registerListenerInvocationErrorHandler(ANALYTICS,
                    config -> org.axonframework.eventhandling.PropagatingErrorHandler.instance());
            for (String projection : PROJECTIONS) {
                if (projection.equals(ANALYTICS)) {
                    continue;
                }
                processing.registerDeadLetterQueue(projection,
                        config -> deadLetterQueue(mongo.getMongoDatabase(), projection, keys));
            }
        });
    }

    /** The dead-letter queue of a processing group, in MongoDB (a live projection's, or a rebuild's). */
    static MongoSequencedDeadLetterQueue<org.axonframework.eventhandling.EventMessage<?>> deadLetterQueue(
            com.mongodb.client.MongoDatabase database, String processingGroup, SubjectKeys keys) {
        return MongoSequencedDeadLetterQueue.builder()
                .processingGroup(processingGroup)
                .mongoTemplate(DefaultMongoTemplate.builder().mongoDatabase(database).build())
                .serializer(EventSerialization.serializer(keys))
                .transactionManager(NoTransactionManager.INSTANCE)
                .build();
    }

    /** Log lines name the request, correlation and actor of the event being projected. */
    @Bean
    public ConfigurerModule eventLogContext() {
        return configurer -> configurer.eventProcessing(processing -> processing.registerDefaultHandlerInterceptor(
                (config, name) -> new org.coverledger.platform.MessageLogContext()));
    }

    @Bean
    public MeterBinder eventStoreMetrics(MongoCommitLogEngine engine) {
        return org.coverledger.eventstore.EventStoreMetrics.of(engine);
    }

    /**
     * Claims on processor segments name this instance (process and a random part, since two
     * instances may share a process in tests), so that another takes over when it dies.
     */
    @Bean
    public SegmentBalancer.QueryInstance queryInstance() {
        return new SegmentBalancer.QueryInstance(
                ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8));
    }

    /** Tokens in MongoDB; a batch's read-model writes go out before its token (see BatchedWrites). */
    @Bean
    public TokenStore tokenStore(MongoDatabaseFactory mongo, SegmentBalancer.QueryInstance instance) {
        return new org.coverledger.eventstore.FlushingTokenStore(
                MongoEventStore.tokenStoreBuilder(mongo.getMongoDatabase(), instance.id()), BatchedWrites::flushCurrent);
    }
}
