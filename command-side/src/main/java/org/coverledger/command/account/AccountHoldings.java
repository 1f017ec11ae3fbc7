package org.coverledger.command.account;

import static com.mongodb.client.model.Filters.eq;

import java.util.List;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * Which policies and claims belong to an account, so that closing or erasing it can ask each of
 * them whether it still binds the account. Only ids are kept here; the aggregates answer.
 * An id is recorded before its aggregate is created, so a policy or claim that exists is always
 * found; an id whose creation then failed finds no aggregate and is ignored.
 */
@Component
public class AccountHoldings {

    private static final String BACKFILLED = "~backfilled";

    private final MongoCollection<Document> holdings;

    @Autowired
    public AccountHoldings(MongoDatabaseFactory mongo) {
        this(mongo.getMongoDatabase());
    }

    public AccountHoldings(MongoDatabase database) {
        this.holdings = database.getCollection("account_holdings");
    }

    public void policy(String accountId, String policyId) {
        add(accountId, "policies", policyId);
    }

    public void claim(String accountId, String claimId) {
        add(accountId, "claims", claimId);
    }

    public List<String> policies(String accountId) {
        return ids(accountId, "policies");
    }

    public List<String> claims(String accountId) {
        return ids(accountId, "claims");
    }

    /** Whether the policies and claims stored before this collection existed have been recorded. */
    boolean backfilled() {
        return holdings.find(eq("_id", BACKFILLED)).first() != null;
    }

    void markBackfilled() {
        holdings.updateOne(eq("_id", BACKFILLED), Updates.set("at", new java.util.Date()), new UpdateOptions().upsert(true));
    }

    private void add(String accountId, String kind, String id) {
        holdings.updateOne(eq("_id", accountId), Updates.addToSet(kind, id), new UpdateOptions().upsert(true));
    }

    private List<String> ids(String accountId, String kind) {
        Document doc = holdings.find(eq("_id", accountId)).first();
        List<String> ids = doc == null ? null : doc.getList(kind, String.class);
        return ids == null ? List.of() : ids;
    }
}
