package org.coverledger.command.infra;

import java.time.Clock;
import java.time.ZoneId;

import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.messaging.correlation.CorrelationDataProvider;
import org.axonframework.messaging.correlation.SimpleCorrelationDataProvider;
import org.axonframework.serialization.Serializer;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.eventstore.CausationCorrelationProvider;
import org.coverledger.eventstore.EventSerialization;
import org.coverledger.eventstore.MongoEventStore;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

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

    @Bean
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    public BusinessCalendar businessCalendar(Clock clock, @Value("${coverledger.business-zone}") ZoneId zone) {
        return new BusinessCalendar(clock, zone);
    }
}
