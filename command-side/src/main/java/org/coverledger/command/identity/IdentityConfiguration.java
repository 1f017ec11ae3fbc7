package org.coverledger.command.identity;

import java.time.Clock;

import org.coverledger.privacy.SubjectKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.MongoDatabaseFactory;

@Configuration
public class IdentityConfiguration {

    @Bean
    public OneTimeCodes oneTimeCodes(MongoDatabaseFactory mongo, SubjectKeys keys,
                                     @Value("${coverledger.identity.pepper}") String pepper, Clock clock) {
        return new OneTimeCodes(mongo.getMongoDatabase(), keys, pepper, clock);
    }
}
