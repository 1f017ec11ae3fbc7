package org.coverledger.ops;

import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

/**
 * The H2 backend commits once a second on its own, so an acknowledged write could be lost to a
 * kill. This backend commits before a write is acknowledged. Concurrent writers share one
 * commit (group commit): a writer whose change a later commit already covered does not commit
 * again.
 */
public class DurableH2Backend extends H2Backend {

    private static final Set<String> WRITES = Set.of("insert", "update", "delete", "findandmodify", "createindexes",
            "dropindexes", "drop", "dropdatabase", "create", "renamecollection");

    private final Object commitLock = new Object();
    private final AtomicLong writesFinished = new AtomicLong();
    private long writesCommitted;

    public DurableH2Backend(String fileName) {
        super(fileName);
    }

    @Override
    public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
        Document response = super.handleCommand(channel, databaseName, command, query);
        if (WRITES.contains(command.toLowerCase())) {
            commitThrough(writesFinished.incrementAndGet());
        }
        return response;
    }

    private void commitThrough(long write) {
        synchronized (commitLock) {
            if (writesCommitted >= write) {
                return;
            }
            long upTo = writesFinished.get();
            commit();
            writesCommitted = upTo;
        }
    }
}
