package org.coverledger.query.analytics;

import java.time.ZoneId;

import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.query.claim.FirstActionSla;
import org.coverledger.query.infra.AxonConfiguration;
import org.coverledger.query.infra.Generations;
import org.coverledger.query.infra.ProjectionPositions;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.core.MongoTemplate;

@Configuration
public class AnalyticsConfiguration {

    @Bean
    AnalyticsFold analyticsFold(FirstActionSla sla, @Value("${coverledger.business-zone}") String zone) {
        return new AnalyticsFold(ZoneId.of(zone), sla);
    }

    @Bean
    AnalyticsReports analyticsReports(MongoTemplate mongo, MongoCommitLogEngine engine, AnalyticsFold fold,
                                      @Value("${coverledger.business-zone}") String zone,
                                      ProjectionPositions positions, Generations generations) {
        return new AnalyticsReports(mongo, engine, fold, ZoneId.of(zone),
                () -> positions.passed(AxonConfiguration.ANALYTICS), generations::cutOverLately);
    }

}
