package org.coverledger.query.claim;

import java.time.Clock;
import java.time.ZoneId;

import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.materials.MaterialStore;
import org.coverledger.privacy.SubjectKeys;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.MongoDatabaseFactory;

/** What the claim queries need beyond the read model: business time, the SLA, and the files. */
@Configuration
public class ClaimConfiguration {

    @Bean
    @ConditionalOnMissingBean
    public BusinessCalendar businessCalendar(Clock clock, @Value("${coverledger.business-zone}") String zone) {
        return new BusinessCalendar(clock, ZoneId.of(zone));
    }

    @Bean
    public FirstActionSla firstActionSla(BusinessCalendar calendar,
                                         @Value("${coverledger.claims.first-action-working-days:3}") int workingDays) {
        return new FirstActionSla(workingDays, calendar);
    }

    /** The claims' files, read from the event store's database with the customers' keys (sealed at rest). */
    @Bean
    public MaterialStore materialStore(MongoDatabaseFactory mongo, SubjectKeys keys) {
        return new MaterialStore(mongo.getMongoDatabase(), keys);
    }
}
