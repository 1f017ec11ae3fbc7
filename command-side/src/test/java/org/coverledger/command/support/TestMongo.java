package org.coverledger.command.support;

import java.util.UUID;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/** A real MongoDB wire-protocol server in memory, one per test JVM; each caller gets its own database. */
public final class TestMongo {

    private static final MongoServer SERVER = new MongoServer(new MemoryBackend());
    private static final MongoClient CLIENT = MongoClients.create(SERVER.bindAndGetConnectionString());

    private TestMongo() {
    }

    public static MongoDatabase freshDatabase() {
        return CLIENT.getDatabase("test-" + UUID.randomUUID().toString().substring(0, 8));
    }
}
