package org.coverledger.eventstore;

import java.util.function.UnaryOperator;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import org.axonframework.eventsourcing.eventstore.BatchingEventStorageEngineTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Axon's own storage-engine contract tests ({@code axon-eventsourcing} 4.13.0, classifier
 * {@code tests}: {@code BatchingEventStorageEngineTest} and its parents), unchanged, against our
 * engine on the embedded server through the real driver, wired as Axon wires its JDBC engine.
 * A fresh server for every test; one subclass per backend of the embedded server.
 */
abstract class AxonContractSuite
        extends BatchingEventStorageEngineTest<MongoCommitLogEngine, MongoCommitLogEngine.Builder> {

    private MongoServer server;
    private MongoClient client;

    protected abstract MongoServer newServer();

    @BeforeEach
    void setUp() {
        server = newServer();
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
