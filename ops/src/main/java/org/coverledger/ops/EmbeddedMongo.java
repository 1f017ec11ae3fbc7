package org.coverledger.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import de.bwaldvogel.mongo.MongoServer;

/**
 * The embedded default MongoDB: a wire-protocol server (mongo-java-server) on an H2 file that
 * commits every write before acknowledging it. Production points the apps at a real MongoDB
 * through {@code MONGODB_URI} instead, and this never starts.
 */
public final class EmbeddedMongo implements AutoCloseable {

    public static final String DATA_FILE = "mongo.mv.db";
    private static final String READY = "embedded MongoDB ready";
    /** Below this much dead space, a stop to compact is not worth a word. */
    private static final long ADVISE_FROM_BYTES = 256L << 20;
    /**
     * Threads that serve connections. Each connection stays on one thread, and a write holds its
     * thread until its commit is on disk, so with Netty's default (twice the cores) every
     * connection behind a committing one waited for that commit too.
     */
    private static final int WORKER_THREADS = Integer.getInteger("coverledger.embedded-mongo.threads", 32);

    private final MongoServer server;
    private final InetSocketAddress address;
    private final DurableH2Backend backend;
    private final Path file;

    private EmbeddedMongo(MongoServer server, InetSocketAddress address, DurableH2Backend backend, Path file) {
        this.server = server;
        this.address = address;
        this.backend = backend;
        this.file = file;
    }

    /** Starts on the given loopback port (0 for any free port) with its data in the directory. */
    public static EmbeddedMongo start(String host, int port, Path dataDirectory) throws IOException {
        Files.createDirectories(dataDirectory);
        Path file = dataDirectory.resolve(DATA_FILE);
        DurableH2Backend backend = new DurableH2Backend(file.toString());
        MongoServer server = new MongoServer(backend);
        try {
            // on failure it has already shut the server and its store down
            server.bind(new InetSocketAddress(host, port), 1, WORKER_THREADS);
        } catch (Exception e) { // Netty rethrows the checked BindException undeclared
            if (e instanceof BindException || e.getCause() instanceof BindException) {
                throw new IOException("Port " + port + " on " + host + " is already in use", e);
            }
            throw e;
        }
        return new EmbeddedMongo(server, server.getLocalAddress(), backend, file);
    }

    /**
     * How the store's file stands (its size, H2's chunks and their share of live data), and when
     * most of it is dead space, what {@code ops/compact} would give back: printed at start and
     * every hour into the server's log, and by {@code ops/run} on the terminal at start.
     */
    List<String> storeReport() throws IOException {
        CompactStore.Figures figures = CompactStore.Figures.of(backend.getMvStore(), file);
        List<String> report = new ArrayList<>(List.of("embedded MongoDB store: " + figures));
        if (figures.chunksFillPercent() < CompactStore.WORTH_IT && figures.deadBytes() >= ADVISE_FROM_BYTES) {
            report.add(String.format(Locale.ROOT, "embedded MongoDB store: mostly dead space; stop the system and "
                    + "run ops/compact to give back about %,.0f MB (README \"Compacting the embedded store\")",
                    figures.deadBytes() / 1e6));
        }
        return report;
    }

    /**
     * Starts the embedded MongoDB as a child process of this JVM (with this JVM's classpath, or
     * the self-contained ops jar) and returns once it is ready: for tests and the benchmark that
     * kill it, or measure it, as a separate process.
     */
    public static Process launch(int port, Path dataDirectory) throws IOException {
        return launch(port, dataDirectory, "512m");
    }

    /** As above, with that much heap for the server (a million commits want more than the default). */
    public static Process launch(int port, Path dataDirectory, String heap) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
        command.addAll(classpath.endsWith("-exec.jar") ? List.of("-jar", classpath)
                : List.of("-cp", classpath, EmbeddedMongo.class.getName()));
        command.addAll(List.of("--port", String.valueOf(port), "--data", dataDirectory.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.contains(READY)) {
                Thread drain = new Thread(() -> out.lines().forEach(ignored -> { }), "embedded-mongo-output");
                drain.setDaemon(true);
                drain.start();
                return process;
            }
        }
        throw new IOException("the embedded MongoDB process ended before it was ready");
    }

    /** One thread for timed work that must not keep the JVM alive (the hourly store report, ops/compact's progress). */
    static ScheduledExecutorService daemonScheduler(String name) {
        return Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    public int port() {
        return address.getPort();
    }

    public String connectionString(String database) {
        return "mongodb://" + address.getHostString() + ":" + address.getPort() + "/" + database;
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    /** {@code EmbeddedMongo [--host 127.0.0.1] [--port 27017] [--data ./data]} */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 27017;
        Path data = Path.of("data");
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--host" -> host = args[i + 1];
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--data" -> data = Path.of(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        EmbeddedMongo mongo;
        try {
            mongo = start(host, port, data);
        } catch (IOException e) {
            System.err.println("embedded MongoDB: " + e.getMessage());
            System.exit(2);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(mongo::close, "embedded-mongo-shutdown"));
        mongo.storeReport().forEach(System.out::println);
        daemonScheduler("embedded-mongo-store-report").scheduleAtFixedRate(() -> {
            try {
                Instant now = Instant.now();
                mongo.storeReport().forEach(line -> System.out.println(now + " " + line));
            } catch (IOException | RuntimeException e) {
                System.out.println("embedded MongoDB store: no figures (" + e + ")");
            }
        }, 1, 1, TimeUnit.HOURS);
        System.out.println(READY + " on " + host + ":" + mongo.port() + ", data in "
                + data.toAbsolutePath().normalize());
        Thread.currentThread().join();
    }
}
