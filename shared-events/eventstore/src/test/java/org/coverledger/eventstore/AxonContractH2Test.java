package org.coverledger.eventstore;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;

/** Axon's storage-engine contract tests on the H2 backend (the one ops/run uses), whose indexes differ. */
class AxonContractH2Test extends AxonContractSuite {

    @Override
    protected MongoServer newServer() {
        return new MongoServer(H2Backend.inMemory());
    }
}
