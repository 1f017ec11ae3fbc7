package org.coverledger.command.infra;

import org.axonframework.eventhandling.TrackingToken;
import org.axonframework.eventhandling.tokenstore.UnableToClaimTokenException;
import org.axonframework.extensions.mongo.eventsourcing.tokenstore.MongoTokenStore;
import org.coverledger.command.schedule.TimedSteps;

/**
 * The command side's token store: before a batch's token is stored, the timed steps the batch
 * recorded or cancelled ({@link TimedSteps#flushCurrent}) go out, so that the timetable's token
 * never runs ahead of its steps. Axon stores the token first thing when a batch commits, ahead of
 * anything a handler registers, so this is the one place that comes before it.
 */
public class FlushingTokenStore extends MongoTokenStore {

    public FlushingTokenStore(MongoTokenStore.Builder builder) {
        super(builder);
    }

    @Override
    public void storeToken(TrackingToken token, String processorName, int segment)
            throws UnableToClaimTokenException {
        TimedSteps.flushCurrent();
        super.storeToken(token, processorName, segment);
    }
}
