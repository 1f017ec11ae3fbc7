package org.coverledger.query.infra;

import java.lang.management.ManagementFactory;

import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.serialization.Serializer;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MongoEventStore;
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
    public EventStorageEngine eventStorageEngine(MongoDatabaseFactory mongo) {
        return MongoEventStore.engine(mongo.getMongoDatabase());
    }

    /** Claims on processor segments name this instance, so that another takes over when it dies. */
    @Bean
    public TokenStore tokenStore(MongoDatabaseFactory mongo) {
        return MongoEventStore.tokenStore(mongo.getMongoDatabase(), ManagementFactory.getRuntimeMXBean().getName());
    }
}
