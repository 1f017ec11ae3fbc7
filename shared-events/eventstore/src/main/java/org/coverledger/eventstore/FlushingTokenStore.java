package org.coverledger.eventstore;

import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.extensions.mongo.eventsourcing.tokenstore.MongoTokenStore;

/**
 * A token store that sends a batch's queued writes before the batch's token is stored: the
 * projections' read-model writes on the query side, the timetable's steps on the command side.
 * Axon's tracking processor, with no transaction manager, stores the token first thing when a
 * batch commits, ahead of anything a handler registers, so this is the one place that comes
 * before it; what a batch wrote can then never lag behind its token, and a crash in between
 * handles the batch again.
 */
public class FlushingTokenStore extends MongoTokenStore {

    private final Runnable flush;

    /** {@code flush} sends what the unit of work on the calling thread has queued, if anything. */
    public FlushingTokenStore(MongoTokenStore.Builder builder, Runnable flush) {
        super(builder);
        this.flush = flush;
    }

    @Override
    public void storeToken(TrackingToken token, String processorName, int segment)
            throws UnableToClaimTokenException {
        flush.run();
        super.storeToken(token, processorName, segment);
    }
}
