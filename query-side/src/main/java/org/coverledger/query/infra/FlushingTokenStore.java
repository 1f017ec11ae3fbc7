package org.coverledger.query.infra;

import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.extensions.mongo.eventsourcing.tokenstore.MongoTokenStore;

/**
 * The token store of the projections: before a batch's token is stored, the batch's queued
 * read-model writes ({@link BatchedWrites}) go out. Axon stores the token first thing when a
 * batch commits, ahead of anything a handler registers, so this is the one place that comes
 * before it; the read model can then never lag behind its token.
 */
public class FlushingTokenStore extends MongoTokenStore {

    public FlushingTokenStore(MongoTokenStore.Builder builder) {
        super(builder);
    }

    @Override
    public void storeToken(TrackingToken token, String processorName, int segment)
            throws UnableToClaimTokenException {
        BatchedWrites.flushCurrent();
        super.storeToken(token, processorName, segment);
    }
}
