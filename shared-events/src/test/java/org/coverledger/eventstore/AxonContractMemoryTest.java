package org.coverledger.eventstore;

import java.util.function.UnaryOperator;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.axonframework.eventsourcing.eventstore.BatchingEventStorageEngineTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Axon's own storage-engine contract tests ({@code axon-eventsourcing} 4.13.0, classifier
 * {@code tests}), unchanged, against our engine on the embedded server's memory backend through
 * the real driver; wired as Axon wires its JDBC engine. A fresh server for every test.
 */
class AxonContractMemoryTest
        extends BatchingEventStorageEngineTest<MongoCommitLogEngine, MongoCommitLogEngine.Builder> {

    private MongoServer server;
    private MongoClient client;

    @BeforeEach
    void setUp() {
        server = new MongoServer(new MemoryBackend());
        client = MongoClients.create(server.bindAndGetConnectionString());
        setTestSubject(createEngine());
    }

    @AfterEach
    void stopServer() {
        client.close();
        server.shutdownNow();
    }

    @Override
    protected MongoCommitLogEngine createEngine(UnaryOperator<MongoCommitLogEngine.Builder> customization) {
        MongoCommitLogEngine.Builder builder = MongoCommitLogEngine.builder()
                .database(client.getDatabase("contract"))
                .eventSerializer(EventSerialization.serializer())
                .snapshotSerializer(EventSerialization.serializer());
        return customization.apply(builder).build();
    }
}
