package org.coverledger.ops;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import org.bson.Document;
import org.coverledger.command.CommandSideApplication;
import org.coverledger.query.QuerySideApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole system in one test JVM: the embedded MongoDB on a free loopback port with its data
 * in a directory, and both applications on random ports against it.
 */
public final class RunningSystem implements AutoCloseable {

    private final Path dataDirectory;
    private EmbeddedMongo mongo;
    private ConfigurableApplicationContext commandSide;
    private ConfigurableApplicationContext querySide;
    private final Class<?>[] extraQuerySources;
    private final List<String> extraArgs = new java.util.ArrayList<>();
    private String[] args;
    private java.time.Clock clock;

    private RunningSystem(Path dataDirectory, Class<?>... extraQuerySources) {
        this.dataDirectory = dataDirectory;
        this.extraQuerySources = extraQuerySources;
    }

    /** Starts the system; extra sources are added to the query side (test-only projections). */
    private static RunningSystem shared;

    /**
     * One system for the integration tests that need nothing of their own (no settings, no
     * restarts, no demo customer closed): started by the first of them, kept for the rest of the
     * test run, stopped when the JVM ends. Each test works on objects it creates. All of them
     * call from one address, so the per-client login-failure limit is raised here (RateLimitIT
     * tests it on a system of its own).
     */
    public static synchronized RunningSystem shared() throws IOException {
        if (shared == null) {
            Path data = java.nio.file.Files.createTempDirectory("coverledger-shared-it");
            shared = startWith(data, List.of("--coverledger.rate-limit.login-failures-per-client=100000"));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                shared.close();
                org.springframework.util.FileSystemUtils.deleteRecursively(data.toFile());
            }, "shared-system-stop"));
        }
        return shared;
    }

    public static RunningSystem start(Path dataDirectory, Class<?>... extraQuerySources) throws IOException {
        RunningSystem system = new RunningSystem(dataDirectory, extraQuerySources);
        system.startAll();
        return system;
    }

    /** Starts the system with extra settings ({@code --name=value}) and extra query-side beans. */
    public static RunningSystem start(Path dataDirectory, List<String> settings, Class<?>... extraQuerySources)
            throws IOException {
        RunningSystem system = new RunningSystem(dataDirectory, extraQuerySources);
        system.extraArgs.addAll(settings);
        system.startAll();
        return system;
    }

    /** Starts the system with extra settings for both applications ({@code --name=value}). */
    public static RunningSystem startWith(Path dataDirectory, List<String> settings) throws IOException {
        RunningSystem system = new RunningSystem(dataDirectory);
        system.extraArgs.addAll(settings);
        system.startAll();
        return system;
    }

    /** Starts the system with extra settings, both applications telling time by the clock given (a test moves it). */
    public static RunningSystem startWith(Path dataDirectory, List<String> settings, java.time.Clock clock) throws IOException {
        RunningSystem system = new RunningSystem(dataDirectory);
        system.extraArgs.addAll(settings);
        system.clock = clock;
        system.startAll();
        return system;
    }

    /** Another command-side instance on the same store, as a scaled-out deployment runs it. */
    public ConfigurableApplicationContext startAnotherCommandSide() {
        return withClock(CommandSideApplication.builder()).run(args);
    }

    /** Another query-side instance on the same store, as a scaled-out deployment runs it. */
    public ConfigurableApplicationContext startAnotherQuerySide() {
        return withClock(QuerySideApplication.builder().sources(extraQuerySources)).run(args);
    }

    public static String urlOf(ConfigurableApplicationContext app) {
        return "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
    }

    public void startAll() throws IOException {
        mongo = EmbeddedMongo.start("127.0.0.1", 0, dataDirectory);
        args = new String[] {
                "--server.port=0",
                "--spring.data.mongodb.uri=" + mongo.connectionString("coverledger"),
                "--spring.data.mongodb.database=coverledger",
                "--coverledger.query-side-url=http://127.0.0.1:0",
                "--spring.profiles.active=embedded",
                // small, so that the end-to-end tests load policies from snapshots too
                "--coverledger.snapshot.policy-every=3"
        };
        // an extra setting replaces the default of the same name (Spring would join both values)
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.removeIf(arg -> extraArgs.stream().anyMatch(extra -> extra.split("=")[0].equals(arg.split("=")[0])));
        all.addAll(extraArgs);
        args = all.toArray(String[]::new);
        commandSide = withClock(CommandSideApplication.builder()).run(args);
        querySide = withClock(QuerySideApplication.builder().sources(extraQuerySources)).run(args);
    }

    private org.springframework.boot.builder.SpringApplicationBuilder withClock(
            org.springframework.boot.builder.SpringApplicationBuilder builder) {
        if (clock != null) {
            builder.initializers(context -> context.getBeanFactory().registerSingleton("clock", clock));
        }
        return builder;
    }

    /** Stops both applications and then the database, as an operator's Ctrl-C would. */
    public void stopAll() {
        if (querySide != null) {
            querySide.close();
        }
        if (commandSide != null) {
            commandSide.close();
        }
        if (mongo != null) {
            mongo.close();
        }
        querySide = null;
        commandSide = null;
        mongo = null;
    }

    public String commandUrl() {
        return "http://127.0.0.1:" + commandSide.getEnvironment().getProperty("local.server.port");
    }

    public String queryUrl() {
        return "http://127.0.0.1:" + querySide.getEnvironment().getProperty("local.server.port");
    }

    public ConfigurableApplicationContext commandSide() {
        return commandSide;
    }

    public ConfigurableApplicationContext querySide() {
        return querySide;
    }

    public String mongoConnectionString() {
        return mongo.connectionString("coverledger");
    }

    /** The stored snapshot of an aggregate, straight from MongoDB, or null. */
    public Document snapshotOf(String aggregateId) {
        try (MongoClient client = MongoClients.create(mongo.connectionString("coverledger"))) {
            return client.getDatabase("coverledger").getCollection("event_snapshots")
                    .find(new Document("_id", aggregateId)).first();
        }
    }

    /** Events in the store, counted straight from MongoDB with the real driver. */
    public long storedEvents() {
        try (MongoClient client = MongoClients.create(mongo.connectionString("coverledger"))) {
            long events = 0;
            for (Document commit : client.getDatabase("coverledger").getCollection("event_commits").find()) {
                List<?> entries = commit.getList("events", Document.class);
                events += entries == null ? 0 : entries.size();
            }
            return events;
        }
    }

    @Override
    public void close() {
        stopAll();
    }
}
