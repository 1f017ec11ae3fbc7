package org.coverledger.query;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import org.springframework.data.mongodb.core.MongoTemplate;

/** A wire-protocol MongoDB for a projection's test, reached by the real driver. */
public final class ProjectionTestMongo implements AutoCloseable {

    private final MongoServer server = new MongoServer(new MemoryBackend());
    private final MongoClient client = MongoClients.create(server.bindAndGetConnectionString());
    private final MongoTemplate template = new MongoTemplate(client, "projection-test");

    public MongoTemplate template() {
        return template;
    }

    /**
     * Batched writes again, whatever an earlier test's failed flush left behind: {@code BatchedWrites}
     * writes event by event for a while after one, for every projection in the JVM.
     */
    public static void batchedWritesAsNew() throws ReflectiveOperationException {
        java.lang.reflect.Field lastFailedFlush = org.coverledger.query.infra.BatchedWrites.class
                .getDeclaredField("lastFailedFlush");
        lastFailedFlush.setAccessible(true);
        ((java.util.concurrent.atomic.AtomicLong) lastFailedFlush.get(null)).set(System.nanoTime()
                - java.time.Duration.ofHours(1).toNanos());
    }

    /** Where the server listens, for a second client (one that counts its commands, say). */
    public String connectionString() {
        return server.getConnectionString();
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
