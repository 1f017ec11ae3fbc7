package org.coverledger.eventstore;

import java.util.function.UnaryOperator;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import org.axonframework.eventsourcing.eventstore.BatchingEventStorageEngineTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Axon's storage-engine contract tests, unchanged, on the embedded server's H2 backend (the
 * one {@code ops/run} uses), whose index code differs from the memory backend's.
 */
class AxonContractH2Test
        extends BatchingEventStorageEngineTest<MongoCommitLogEngine, MongoCommitLogEngine.Builder> {

    private MongoServer server;
    private MongoClient client;

    @BeforeEach
    void setUp() {
        server = new MongoServer(H2Backend.inMemory());
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
