package org.coverledger.platform;

import org.bson.Document;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.stereotype.Component;

/**
 * MongoDB reachability by {@code ping}, which every server answers; Spring Boot's own indicator
 * asks {@code hello}, which the embedded server does not know. Enabled in place of it.
 */
@Component("mongoHealthIndicator")
public class MongoHealth implements HealthIndicator {

    private final MongoDatabaseFactory mongo;

    public MongoHealth(MongoDatabaseFactory mongo) {
        this.mongo = mongo;
    }

    @Override
    public Health health() {
        try {
            Document reply = mongo.getMongoDatabase().runCommand(new Document("ping", 1));
            return Health.up().withDetail("database", mongo.getMongoDatabase().getName())
                    .withDetail("ok", reply.get("ok")).build();
        } catch (RuntimeException e) {
            return Health.down().withDetail("error", e.getClass().getSimpleName()).build();
        }
    }
}
