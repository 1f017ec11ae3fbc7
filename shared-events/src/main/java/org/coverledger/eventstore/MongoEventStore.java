package org.coverledger.eventstore;

import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.eventsourcing.eventstore.EventStorageEngine;
import org.axonframework.extensions.mongo.DefaultMongoTemplate;
import org.axonframework.extensions.mongo.eventsourcing.eventstore.MongoEventStorageEngine;
import org.axonframework.extensions.mongo.eventsourcing.tokenstore.MongoTokenStore;
import org.axonframework.serialization.Serializer;

/**
 * The event store and token store both sides use, on one MongoDB database. Both sides must
 * build them here so that they agree on collections and serialization.
 */
public final class MongoEventStore {

    private MongoEventStore() {
    }

    public static EventStorageEngine engine(MongoDatabase database) {
        Serializer serializer = EventSerialization.serializer();
        return MongoEventStorageEngine.builder()
                .mongoTemplate(DefaultMongoTemplate.builder().mongoDatabase(database).build())
                .eventSerializer(serializer)
                .snapshotSerializer(serializer)
                .build();
    }

    public static TokenStore tokenStore(MongoDatabase database, String nodeId) {
        return MongoTokenStore.builder()
                .mongoTemplate(DefaultMongoTemplate.builder().mongoDatabase(database).build())
                .serializer(EventSerialization.serializer())
                .nodeId(nodeId)
                .build();
    }
}
