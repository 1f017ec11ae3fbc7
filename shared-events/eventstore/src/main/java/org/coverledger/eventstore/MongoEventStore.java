package org.coverledger.eventstore;

import java.time.Duration;

import com.mongodb.client.MongoDatabase;
import org.axonframework.eventhandling.tokenstore.TokenStore;
import org.axonframework.extensions.mongo.DefaultMongoTemplate;
import org.axonframework.extensions.mongo.eventsourcing.tokenstore.MongoTokenStore;
import org.axonframework.serialization.upcasting.event.EventUpcasterChain;
import org.coverledger.events.account.AccountApi.AccountRegistered;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.MaterialsRequestedItemsUpcaster;
import org.coverledger.events.claim.MaterialsRequestedUpcaster;
import org.coverledger.events.common.FieldAddedUpcaster;
import org.coverledger.events.policy.PolicyApi.PolicyChanged;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.QuoteApi.QuoteIssued;
import org.coverledger.privacy.SubjectKeys;

/**
 * The event store and token store both sides use, on one MongoDB database. Both sides build
 * them here so that they agree on collections, serialization and upcasters.
 */
public final class MongoEventStore {

    private MongoEventStore() {
    }

    /** Every upcaster of the event contract, oldest revision first. */
    public static EventUpcasterChain upcasters() {
        return new EventUpcasterChain(
                new MaterialsRequestedUpcaster(),
                new FieldAddedUpcaster(MaterialsRequested.class, "2", "3", "accountId"),
                new MaterialsRequestedItemsUpcaster(),
                new FieldAddedUpcaster(AccountRegistered.class, "1", "2", "email"),
                new FieldAddedUpcaster(PolicyChanged.class, "1", "2", "accountId"),
                new FieldAddedUpcaster(PolicyChanged.class, "2", "3", "contactMobile"),
                new FieldAddedUpcaster(PolicyIssued.class, "1", "2", "paymentPlan", "quoteId", "termsVersion",
                        "firstPremium", "paymentReference", "beneficiaries"),
                new FieldAddedUpcaster(QuoteIssued.class, null, "2", "beneficiaries"),
                new FieldAddedUpcaster(ClaimSubmitted.class, "1", "2", "accountId"),
                new FieldAddedUpcaster(ClaimSubmitted.class, "2", "3", "incidentType", "payoutCardId", "product",
                        "policyNumber"));
    }

    public static MongoCommitLogEngine engine(MongoDatabase database, SubjectKeys keys, Duration gapTimeout) {
        return MongoCommitLogEngine.builder()
                .database(database)
                .eventSerializer(EventSerialization.serializer(keys))
                .snapshotSerializer(EventSerialization.snapshotSerializer(keys))
                .upcasterChain(upcasters())
                .gapTimeout(gapTimeout)
                .build();
    }

    public static TokenStore tokenStore(MongoDatabase database, String nodeId) {
        return tokenStoreBuilder(database, nodeId).build();
    }

    /** The token store's configuration, for a process that extends the token store. */
    public static MongoTokenStore.Builder tokenStoreBuilder(MongoDatabase database, String nodeId) {
        return MongoTokenStore.builder()
                .mongoTemplate(DefaultMongoTemplate.builder().mongoDatabase(database).build())
                .serializer(EventSerialization.serializer())
                .nodeId(nodeId);
    }
}
