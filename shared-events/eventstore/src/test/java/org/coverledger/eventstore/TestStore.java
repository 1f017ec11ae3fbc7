package org.coverledger.eventstore;

import java.time.Duration;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.bson.Document;

/** A wire-protocol MongoDB in memory, reached by the real driver, with the event store's commits. */
final class TestStore implements AutoCloseable {

    private final MongoServer server = new MongoServer(new MemoryBackend());
    private final MongoClient client = MongoClients.create(server.bindAndGetConnectionString());
    final MongoDatabase database;
    final MongoCollection<Document> commits;

    TestStore(String name) {
        database = client.getDatabase(name);
        commits = database.getCollection(MongoCommitLogEngine.COMMITS);
    }

    /** A new engine on the store (a process starting). */
    MongoCommitLogEngine engine() {
        return MongoCommitLogEngine.builder().database(database).eventSerializer(EventSerialization.serializer())
                .snapshotSerializer(EventSerialization.serializer()).gapTimeout(Duration.ofSeconds(5)).build();
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
