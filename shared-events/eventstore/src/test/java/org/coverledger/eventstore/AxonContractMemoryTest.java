package org.coverledger.eventstore;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/** Axon's storage-engine contract tests on the embedded server's memory backend. */
class AxonContractMemoryTest extends AxonContractSuite {

    @Override
    protected MongoServer newServer() {
        return new MongoServer(new MemoryBackend());
    }
}
