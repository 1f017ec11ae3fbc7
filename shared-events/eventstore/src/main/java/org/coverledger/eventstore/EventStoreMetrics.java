package org.coverledger.eventstore;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The event store's meters, the same in both applications (README "Watching it"): what this
 * process appended (inserts, each one disk commit, and the commits and events they carried, so
 * that {@code commits / inserts} is the mean batch size, and the distribution of commits per
 * insert), the appends refused by a concurrency
 * conflict, and the global indexes readers fenced off.
 */
public final class EventStoreMetrics {

    private EventStoreMetrics() {
    }

    public static MeterBinder of(MongoCommitLogEngine engine) {
        return registry -> {
            FunctionCounter.builder("coverledger.eventstore.append.inserts", engine, MongoCommitLogEngine::appendBatches)
                    .description("Inserts the appender sent: each stores a batch of commits in one disk commit")
                    .register(registry);
            FunctionCounter.builder("coverledger.eventstore.append.commits", engine, MongoCommitLogEngine::appendedCommits)
                    .description("Commits stored (one per unit of work that appended events)").register(registry);
            FunctionCounter.builder("coverledger.eventstore.append.events", engine, MongoCommitLogEngine::appendedEvents)
                    .description("Events stored").register(registry);
            io.micrometer.core.instrument.DistributionSummary batch = io.micrometer.core.instrument.DistributionSummary
                    .builder("coverledger.eventstore.append.batch")
                    .description("Commits per insert the appender sent (concurrent appends share one disk commit)")
                    .baseUnit("commits").serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
            engine.onAppendBatch(batch::record);
            FunctionCounter.builder("coverledger.eventstore.conflicts", engine, MongoCommitLogEngine::concurrencyConflicts)
                    .description("Appends refused because another writer continued the same aggregate first")
                    .register(registry);
            FunctionCounter.builder("coverledger.eventstore.gaps.fenced", engine, MongoCommitLogEngine::gapsFenced)
                    .description("Reserved global indexes never written (a writer died) that readers fenced off")
                    .register(registry);
        };
    }
}
