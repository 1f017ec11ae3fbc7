package org.coverledger.query.infra;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventsourcing.eventstore.EmbeddedEventStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.serialization.Serializer;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.eventstore.MongoEventStore;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.data.mongodb.MongoDatabaseFactory;

@Configuration
public class AxonConfiguration {

    @Bean
    @Primary
    public Serializer serializer() {
        return EventSerialization.serializer();
    }

    @Bean
    @Qualifier("eventSerializer")
    public Serializer eventSerializer() {
        return EventSerialization.serializer();
    }

    @Bean
    @Qualifier("messageSerializer")
    public Serializer messageSerializer() {
        return EventSerialization.serializer();
    }

    @Bean
    public MongoCommitLogEngine eventStorageEngine(MongoDatabaseFactory mongo,
                                                   @Value("${coverledger.eventstore.gap-timeout}") Duration gapTimeout) {
        return MongoEventStore.engine(mongo.getMongoDatabase(), gapTimeout);
    }

    /** The query side is another process than the writers: it polls the store, every 100 ms when idle. */
    @Bean
    public EmbeddedEventStore eventStore(EventStorageEngine engine) {
        return EmbeddedEventStore.builder().storageEngine(engine).fetchDelay(100).build();
    }

    @Bean
    public MeterBinder eventStoreMetrics(MongoCommitLogEngine engine) {
        return registry -> {
            FunctionCounter.builder("coverledger.eventstore.gaps.fenced", engine, MongoCommitLogEngine::gapsFenced)
                    .description("Reserved global indexes never written (a writer died) that readers fenced off")
                    .register(registry);
        };
    }

    /** Claims on processor segments name this instance, so that another takes over when it dies. */
    @Bean
    public TokenStore tokenStore(MongoDatabaseFactory mongo) {
        return MongoEventStore.tokenStore(mongo.getMongoDatabase(), ManagementFactory.getRuntimeMXBean().getName());
    }
}
