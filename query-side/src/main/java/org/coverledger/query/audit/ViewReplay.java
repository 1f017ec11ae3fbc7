package org.coverledger.query.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import com.mongodb.client.MongoClient;
import org.axonframework.eventhandling.AnnotationEventHandlerAdapter;
import org.axonframework.eventhandling.DomainEventMessage;
import org.axonframework.eventsourcing.eventstore.DomainEventStream;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.query.account.AccountProjection;
import org.coverledger.query.account.AccountView;
import org.coverledger.query.claim.ClaimProgressProjection;
import org.coverledger.query.claim.ClaimProgressView;
import org.coverledger.query.policy.PolicyProjection;
import org.coverledger.query.policy.PolicyView;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.SimpleMongoClientDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * A read model as it stood at a past moment, folded from the events by the projection's own code:
 * a fresh instance of the projection writes into a scratch database of its own on the same server
 * (with the application's mapping), fed the object's events in order, and the view is read back
 * after each one; the scratch database is dropped afterwards. Only the object's own events are
 * fed, so what other objects' events change in a view (an erasure of the customer, for one) is not
 * replayed.
 */
@Component
public class ViewReplay {

    /** The objects that can be replayed: the aggregate type, its projection and its view. */
    public enum Kind {
        POLICY("Policy", PolicyProjection::new, PolicyView.class),
        CLAIM("Claim", ClaimProgressProjection::new, ClaimProgressView.class),
        ACCOUNT("Account", AccountProjection::new, AccountView.class);

        private final String aggregateType;
        private final Function<MongoTemplate, Object> projection;
        private final Class<?> view;

        Kind(String aggregateType, Function<MongoTemplate, Object> projection, Class<?> view) {
            this.aggregateType = aggregateType;
            this.projection = projection;
            this.view = view;
        }

        public String aggregateType() {
            return aggregateType;
        }

        public static Optional<Kind> of(String aggregateType) {
            for (Kind kind : values()) {
                if (kind.aggregateType.equalsIgnoreCase(aggregateType)) {
                    return Optional.of(kind);
                }
            }
            return Optional.empty();
        }
    }

    /** One step: the event and the view right after it (null while the object does not exist yet). */
    public record Step<V>(DomainEventMessage<?> event, V view) {
    }

    private final MongoCommitLogEngine engine;
    private final MongoClient client;
    private final MongoTemplate mongo;

    public ViewReplay(MongoCommitLogEngine engine, MongoClient client, MongoTemplate mongo) {
        this.engine = engine;
        this.client = client;
        this.mongo = mongo;
    }

    /**
     * The view after each of the object's events up to sequence {@code upTo} (inclusive) and up to the
     * instant {@code asOf} (inclusive); either may be null. Empty if the object has no such events.
     */
    @SuppressWarnings("unchecked")
    public <V> List<Step<V>> steps(Kind kind, String id, Long upTo, Instant asOf) {
        List<DomainEventMessage<?>> events = new ArrayList<>();
        DomainEventStream stream = engine.readEvents(id);
        while (stream.hasNext()) {
            DomainEventMessage<?> event = stream.next();
            if (!kind.aggregateType.equals(event.getType()) || upTo != null && event.getSequenceNumber() > upTo
                    || asOf != null && event.getTimestamp().isAfter(asOf)) {
                break;
            }
            events.add(event);
        }
        List<Step<V>> steps = new ArrayList<>(events.size());
        if (events.isEmpty()) {
            return steps;
        }
        String scratch = "coverledger_replay_" + UUID.randomUUID().toString().replace("-", "");
        MongoTemplate template = new MongoTemplate(new SimpleMongoClientDatabaseFactory(client, scratch),
                mongo.getConverter());
        try {
            AnnotationEventHandlerAdapter handlers = new AnnotationEventHandlerAdapter(kind.projection.apply(template));
            for (DomainEventMessage<?> event : events) {
                if (handlers.canHandle(event)) {
                    handlers.handle(event);
                }
                steps.add(new Step<>(event, (V) template.findById(id, kind.view)));
            }
        } catch (Exception e) {
            throw new IllegalStateException("could not replay " + kind.aggregateType + " " + id, e);
        } finally {
            template.getDb().drop();
        }
        return steps;
    }

    /** The instant a query parameter holds (null if absent); 400 with the field if it is no ISO-8601 instant. */
    public static Instant instant(String field, String value) {
        java.util.List<org.coverledger.platform.ProblemResponses.FieldProblem> problems = new ArrayList<>();
        Instant instant = AuditQueryController.instant(field, value, problems);
        org.coverledger.platform.ProblemResponses.throwIfAny(problems);
        return instant;
    }

    /** The view as it stood at the instant; empty if the object did not exist then. */
    public <V> Optional<V> asOf(Kind kind, String id, Instant asOf) {
        List<Step<V>> steps = steps(kind, id, null, asOf);
        return steps.isEmpty() ? Optional.empty() : Optional.ofNullable(steps.get(steps.size() - 1).view());
    }
}
