package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every write the embedded MongoDB acknowledges survives {@code kill -9} of its process: the
 * server runs as a child process, concurrent writers insert, the process is killed mid-load,
 * and every acknowledged document is there when the data is opened again.
 */
class EmbeddedMongoDurabilityIT {

    @TempDir
    Path data;

    @Test
    void acknowledged_writes_survive_kill_9_of_the_server() throws Exception {
        int port = freePort();
        Process server = EmbeddedMongo.launch(port, data);
        List<Integer> acknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
        AtomicInteger next = new AtomicInteger();
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + port
                + "/?serverSelectionTimeoutMS=2000&connectTimeoutMS=2000&socketTimeoutMS=5000")) {
            MongoCollection<Document> docs = client.getDatabase("durability").getCollection("docs");
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                running.add(writers.submit(() -> {
                    // bounded: at most 5,000 inserts in all, ending at the kill
                    while (next.get() < 5_000) {
                        int n = next.getAndIncrement();
                        try {
                            docs.insertOne(new Document("_id", n));
                            acknowledged.add(n);
                        } catch (MongoException e) {
                            return;
                        }
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (acknowledged.size() < 300 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            server.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no final commit
            assertThat(server.waitFor(10, TimeUnit.SECONDS)).isTrue();
            for (Future<?> f : running) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            writers.shutdownNow();
            server.destroyForcibly();
        }
        assertThat(acknowledged).hasSizeGreaterThanOrEqualTo(300);

        try (EmbeddedMongo reopened = EmbeddedMongo.start("127.0.0.1", 0, data);
             MongoClient client = MongoClients.create(reopened.connectionString("durability"))) {
            MongoCollection<Document> docs = client.getDatabase("durability").getCollection("docs");
            List<Integer> missing = new ArrayList<>();
            for (int n : acknowledged) {
                if (docs.find(new Document("_id", n)).first() == null) {
                    missing.add(n);
                }
            }
            assertThat(missing).as("acknowledged but lost").isEmpty();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
