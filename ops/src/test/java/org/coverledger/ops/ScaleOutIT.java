package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out, as production runs it, with real processes: one embedded MongoDB, two command-side
 * and two query-side processes (the runnable jars the build makes). Clients register customers
 * through both command sides and read through both query sides while one command side and then
 * one query side is killed with SIGKILL. Afterwards, read over the real driver: every
 * acknowledged registration is in the store; the accounts read model holds exactly the accounts
 * the store holds and the audit trail exactly the events it holds (none skipped, none twice),
 * and the surviving query side has claimed every segment of every projection.
 */
class ScaleOutIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Integer> SEGMENTS = Map.of("policies", 4, "claims", 4, "accounts", 4, "audit", 1,
            "analytics", 1);

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    record App(String name, Process process, String url) {
    }

    @Test
    void two_of_each_side_lose_nothing_when_one_of_each_is_killed_under_load() throws Exception {
        int mongoPort = freePort();
        Process mongo = EmbeddedMongo.launch(mongoPort, Files.createDirectories(data.resolve("db")), "1g");
        List<App> apps = new ArrayList<>();
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:" + mongoPort)) {
            for (String name : List.of("command-1", "command-2", "query-1", "query-2")) {
                apps.add(start(name, mongoPort));
            }
            for (App app : apps) {
                awaitHealthy(app);
            }
            App command1 = apps.get(0);
            App command2 = apps.get(1);
            App query1 = apps.get(2);
            App query2 = apps.get(3);

            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger reads = new AtomicInteger();
            AtomicBoolean running = new AtomicBoolean(true);
            ExecutorService clients = Executors.newFixedThreadPool(4);
            for (int c = 0; c < 4; c++) {
                int client0 = c;
                clients.submit(() -> {
                    int i = 0;
                    while (running.get()) {
                        App command = (i + client0) % 2 == 0 ? command1 : command2;
                        App query = (i + client0) % 2 == 0 ? query1 : query2;
                        i++;
                        try {
                            HttpResponse<String> reply = post(command.url() + "/api/accounts", Customers.registration(
                                    "Scale Out", Customers.nationalId(), "137" + String.format("%08d",
                                            java.util.concurrent.ThreadLocalRandom.current().nextInt(100_000_000)),
                                    "s" + java.util.UUID.randomUUID().toString().substring(0, 12) + "@example.com",
                                    "Ledger#2026x"));
                            if (reply.statusCode() == 201) {
                                acknowledged.add(JSON.readTree(reply.body()).get("accountId").asText());
                            } else {
                                refused.incrementAndGet(); // a taken national ID or mobile (409), not acknowledged
                            }
                            if (get(query.url() + "/api/accounts?size=5", "root").statusCode() == 200) {
                                reads.incrementAndGet();
                            }
                        } catch (IOException e) {
                            // the instance was killed under this request: not acknowledged, try the next
                            Thread.sleep(50);
                        }
                    }
                    return null;
                });
            }
            Thread.sleep(8_000);
            command1.process().toHandle().destroyForcibly(); // kill -9
            int atFirstKill = acknowledged.size();
            Thread.sleep(8_000);
            query1.process().toHandle().destroyForcibly();
            Thread.sleep(8_000);
            running.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(atFirstKill).as("load before the first kill").isPositive();
            assertThat(acknowledged.size()).as("load went on through the other command side").isGreaterThan(atFirstKill);
            assertThat(reads.get()).isPositive();

            MongoDatabase db = client.getDatabase("coverledger");
            // every acknowledged registration is stored
            Set<String> registered = new HashSet<>();
            Set<String> eventIds = new HashSet<>();
            for (Document commit : db.getCollection("event_commits").find()) {
                for (Document event : commit.getList("events", Document.class, List.of())) {
                    eventIds.add(event.getString("id"));
                    if (String.valueOf(event.getString("payloadType")).endsWith("AccountRegistered")) {
                        registered.add(event.getString("agg") != null ? event.getString("agg")
                                : commit.getString("aggregateId"));
                    }
                }
            }
            assertThat(registered).as("no acknowledged command lost").containsAll(acknowledged);

            // the surviving query side claims every segment, and its read models equal the store
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                for (Map.Entry<String, Integer> projection : SEGMENTS.entrySet()) {
                    JsonNode progress = JSON.readTree(get(query2.url() + "/api/admin/projections/"
                            + projection.getKey(), "root").body());
                    assertThat(progress.get("segmentsClaimedHere").asInt()).as(projection.getKey())
                            .isEqualTo(projection.getValue());
                    assertThat(progress.get("caughtUp").asBoolean()).as(projection.getKey()).isTrue();
                }
                Set<String> views = new HashSet<>();
                db.getCollection("account_views").find().projection(new Document("_id", 1))
                        .forEach(d -> views.add(d.getString("_id")));
                assertThat(views).as("the accounts read model: every account the store holds, no other")
                        .isEqualTo(registered);
                Set<String> audited = new HashSet<>();
                db.getCollection("audit_trail").find().projection(new Document("_id", 1))
                        .forEach(d -> audited.add(d.getString("_id")));
                assertThat(audited).as("the audit trail: every stored event once, no other").isEqualTo(eventIds);
            });
            assertThat(db.getCollection("audit_trail").countDocuments()).isEqualTo(eventIds.size());
        } finally {
            for (App app : apps) {
                app.process().destroy();
                app.process().waitFor(30, TimeUnit.SECONDS);
                app.process().destroyForcibly();
            }
            mongo.destroy();
            mongo.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private App start(String name, int mongoPort) throws IOException {
        boolean command = name.startsWith("command");
        String module = command ? "command-side" : "query-side";
        File[] jars = ROOT.resolve(module).resolve("target").toFile()
                .listFiles((dir, file) -> file.startsWith(module + "-") && file.endsWith("-exec.jar"));
        assertThat(jars).as("the runnable jar of " + module + " (mvn package)").isNotEmpty();
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-jar", jars[0].getAbsolutePath())
                .redirectErrorStream(true).redirectOutput(data.resolve(name + ".log").toFile());
        builder.environment().put(command ? "COMMAND_PORT" : "QUERY_PORT", Integer.toString(port));
        builder.environment().put("COVERLEDGER_MONGO_PORT", Integer.toString(mongoPort));
        builder.environment().put("SPRING_PROFILES_ACTIVE", "embedded");
        builder.environment().put("AXONIQ_UPDATE_CHECKER_DISABLED", "true");
        // several command sides: no aggregate may stay in memory between commands
        builder.environment().put("COVERLEDGER_AGGREGATE_CACHE_ENTRIES", "0");
        builder.environment().remove("MONGODB_URI");
        return new App(name, builder.start(), "http://127.0.0.1:" + port);
    }

    private void awaitHealthy(App app) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            if (!app.process().isAlive()) {
                throw new AssertionError(app.name() + " exited:\n" + Files.readString(data.resolve(app.name() + ".log")));
            }
            try {
                if (get(app.url() + "/actuator/health", null).body().startsWith("{\"status\":\"UP\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError(app.name() + " did not start:\n" + Files.readString(data.resolve(app.name() + ".log")));
    }

    private HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String url, String user) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (user != null) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (user + ":" + user + "-pass").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
