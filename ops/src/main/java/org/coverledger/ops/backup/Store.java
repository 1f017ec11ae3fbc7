package org.coverledger.ops.backup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import com.mongodb.ConnectionString;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.coverledger.ops.EmbeddedMongo;

/**
 * The database a backup reads or a restore writes, found the way {@code ops/run} finds it:
 * {@code --uri} or {@code MONGODB_URI} (a real MongoDB); else the embedded MongoDB while it runs
 * (on {@code COVERLEDGER_MONGO_PORT}, 27017); else the data directory of a stopped one
 * ({@code --data} or {@code COVERLEDGER_DATA_DIR}, ./data), opened here on a free loopback port.
 */
final class Store implements AutoCloseable {

    static final String DEFAULT_DATABASE = "coverledger";

    private final MongoClient client;
    private final MongoDatabase database;
    private final EmbeddedMongo opened;
    private final String description;

    private Store(MongoClient client, String database, EmbeddedMongo opened, String description) {
        this.client = client;
        this.database = client.getDatabase(database);
        this.opened = opened;
        this.description = description;
    }

    /** Where the options and the environment point. */
    record Location(String uri, Path dataDirectory, int embeddedPort) {

        static Location of(String uriOption, String dataOption, Map<String, String> env) {
            String uri = uriOption != null ? uriOption : dataOption == null ? env.get("MONGODB_URI") : null;
            Path data = Path.of(dataOption != null ? dataOption : env.getOrDefault("COVERLEDGER_DATA_DIR", "data"));
            int port;
            try {
                port = Integer.parseInt(env.getOrDefault("COVERLEDGER_MONGO_PORT", "27017").trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("COVERLEDGER_MONGO_PORT is not a port number: "
                        + env.get("COVERLEDGER_MONGO_PORT"));
            }
            return new Location(uri == null || uri.isBlank() ? null : uri, data, dataOption != null ? -1 : port);
        }

        /** Whether it points at a running MongoDB: the URI's, or the embedded one answering on its port. */
        boolean live() {
            return uri != null || (embeddedPort > 0 && listening(embeddedPort));
        }
    }

    /** As below; with {@code existing}, a data directory must already hold a database (a backup reads one). */
    static Store open(Location location, boolean existing) throws IOException {
        if (existing && !location.live() && !hasData(location.dataDirectory())) {
            throw new IOException("there is no database to back up: no MongoDB answers on 127.0.0.1:"
                    + location.embeddedPort() + " (COVERLEDGER_MONGO_PORT) and " + location.dataDirectory().toAbsolutePath()
                    .normalize() + " holds no " + EmbeddedMongo.DATA_FILE + " (COVERLEDGER_DATA_DIR, --data); "
                    + "or set MONGODB_URI");
        }
        return open(location);
    }

    static Store open(Location location) throws IOException {
        if (location.uri() != null) {
            ConnectionString connection = new ConnectionString(location.uri());
            String database = connection.getDatabase() == null ? DEFAULT_DATABASE : connection.getDatabase();
            return new Store(MongoClients.create(connection), database, null,
                    "MongoDB at " + String.join(",", connection.getHosts()) + ", database " + database);
        }
        if (location.live()) {
            return new Store(MongoClients.create("mongodb://127.0.0.1:" + location.embeddedPort()), DEFAULT_DATABASE, null,
                    "the running embedded MongoDB on 127.0.0.1:" + location.embeddedPort());
        }
        return openDirectory(location.dataDirectory());
    }

    /** The embedded MongoDB's data directory, opened in this process (it must not be in use). */
    static Store openDirectory(Path directory) throws IOException {
        EmbeddedMongo mongo;
        try {
            mongo = EmbeddedMongo.start("127.0.0.1", 0, directory);
        } catch (RuntimeException e) {
            throw new IOException("the data directory " + directory + " could not be opened (is an embedded MongoDB "
                    + "using it? then set COVERLEDGER_MONGO_PORT to its port): " + e.getMessage(), e);
        }
        return new Store(MongoClients.create(mongo.connectionString(DEFAULT_DATABASE)), DEFAULT_DATABASE, mongo,
                "the embedded MongoDB's data directory " + directory.toAbsolutePath().normalize());
    }

    static boolean hasData(Path directory) {
        return Files.exists(directory.resolve(EmbeddedMongo.DATA_FILE));
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    MongoDatabase database() {
        return database;
    }

    boolean openedHere() {
        return opened != null;
    }

    String description() {
        return description;
    }

    @Override
    public void close() {
        client.close();
        if (opened != null) {
            opened.close();
        }
    }
}
