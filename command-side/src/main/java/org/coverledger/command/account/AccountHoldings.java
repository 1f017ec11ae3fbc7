package org.coverledger.command.account;

import static com.mongodb.client.model.Filters.and;
import static com.mongodb.client.model.Filters.eq;
import static com.mongodb.client.model.Filters.exists;
import static com.mongodb.client.model.Filters.lt;
import static com.mongodb.client.model.Filters.or;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import org.axonframework.messaging.unitofwork.CurrentUnitOfWork;
import org.bson.Document;
import org.coverledger.events.common.BusinessRuleViolation;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * Which policies and claims belong to an account, so that closing or erasing it can ask each of
 * them whether it still binds the account. Only ids are kept here; the aggregates answer.
 *
 * <p>Closing races new business, and the two meet in this one document per account (a single
 * document's update is atomic): a closure first marks the account closing, and from then on no
 * policy or claim is added; an id is recorded before its aggregate is created, so a closure that
 * finds an id whose aggregate does not exist yet knows a policy or claim is on its way. An id
 * whose creation failed finds no aggregate and, after {@link #IN_FLIGHT}, is ignored; a closing
 * mark left by a process that died lapses after the same time.
 */
@Component
public class AccountHoldings {

    /** How long a recorded id without its aggregate, or a closing mark, counts as in progress. */
    static final Duration IN_FLIGHT = Duration.ofMinutes(1);

    /**
     * The command side's own collection. It once shared {@code account_holdings} with the query
     * side's overview, whose rebuild drops that collection (and with it closing marks and the
     * backfill's mark); a database of that time is backfilled here again from the event store.
     */
    static final String COLLECTION = "account_bindings";

    private static final String BACKFILLED = "~backfilled";

    private final MongoCollection<Document> holdings;
    private final Clock clock;

    @Autowired
    public AccountHoldings(MongoDatabaseFactory mongo, Clock clock) {
        this(mongo.getMongoDatabase(), clock);
    }

    public AccountHoldings(MongoDatabase database, Clock clock) {
        this.holdings = database.getCollection(COLLECTION);
        this.clock = clock;
    }

    public AccountHoldings(MongoDatabase database) {
        this(database, Clock.systemUTC());
    }

    /** Records a policy about to be issued; refused while the account is being closed, or once closed. */
    public void policy(String accountId, String policyId) {
        add(accountId, "policies", policyId);
    }

    /** Records a claim about to be submitted; refused while the account is being closed, or once closed. */
    public void claim(String accountId, String claimId) {
        add(accountId, "claims", claimId);
    }

    public List<String> policies(String accountId) {
        return ids(accountId, "policies");
    }

    public List<String> claims(String accountId) {
        return ids(accountId, "claims");
    }

    /** Whether the id was recorded so recently that its aggregate may still be on its way. */
    boolean inFlight(String accountId, String id) {
        Document doc = holdings.find(eq("_id", accountId)).first();
        Document recorded = doc == null ? null : doc.get("recordedAt", Document.class);
        Date at = recorded == null ? null : recorded.getDate(id);
        return at != null && at.toInstant().isAfter(clock.instant().minus(IN_FLIGHT));
    }

    /** From now on no policy or claim is added, so that what is read next is all there is. */
    void beginClosing(String accountId) {
        holdings.updateOne(eq("_id", accountId), Updates.set("closingSince", Date.from(clock.instant())),
                new UpdateOptions().upsert(true));
    }

    /** The closure was refused: new business is welcome again. */
    void endClosing(String accountId) {
        holdings.updateOne(eq("_id", accountId), Updates.unset("closingSince"));
    }

    /** The account is closed for good. */
    void closed(String accountId) {
        holdings.updateOne(eq("_id", accountId), Updates.combine(Updates.set("closed", true), Updates.unset("closingSince")),
                new UpdateOptions().upsert(true));
    }

    /** Whether the policies and claims stored before this collection existed have been recorded. */
    boolean backfilled() {
        return holdings.find(eq("_id", BACKFILLED)).first() != null;
    }

    void markBackfilled() {
        holdings.updateOne(eq("_id", BACKFILLED), Updates.set("at", new Date()), new UpdateOptions().upsert(true));
    }

    private void add(String accountId, String kind, String id) {
        record(accountId, kind, id);
        // a policy or claim whose creation fails is not left to look like one on its way
        if (CurrentUnitOfWork.isStarted()) {
            CurrentUnitOfWork.get().onRollback(u -> holdings.updateOne(eq("_id", accountId),
                    Updates.combine(Updates.pull(kind, id), Updates.unset("recordedAt." + id))));
        }
    }

    private void record(String accountId, String kind, String id) {
        Instant now = clock.instant();
        var open = and(eq("_id", accountId), exists("closed", false),
                or(exists("closingSince", false), lt("closingSince", Date.from(now.minus(IN_FLIGHT)))));
        try {
            // an upsert that matches nothing because the account is closing tries to insert its _id again
            holdings.updateOne(open, Updates.combine(Updates.addToSet(kind, id),
                    Updates.set("recordedAt." + id, Date.from(now))), new UpdateOptions().upsert(true));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            throw new BusinessRuleViolation("ACCOUNT_CLOSING", "The account is being closed or is closed.");
        }
    }

    private List<String> ids(String accountId, String kind) {
        Document doc = holdings.find(eq("_id", accountId)).first();
        List<String> ids = doc == null ? null : doc.getList(kind, String.class);
        return ids == null ? List.of() : ids;
    }
}
