package org.coverledger.query.analytics;

import java.time.ZoneId;

import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.query.claim.FirstActionSla;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

@Configuration
public class AnalyticsConfiguration implements WebMvcConfigurer {

    /** The charting library of the dashboard, from its WebJar (no CDN at run time). */
    static final String ECHARTS = "classpath:/META-INF/resources/webjars/echarts/5.3.1/dist/";

    @Bean
    AnalyticsFold analyticsFold(FirstActionSla sla, @Value("${coverledger.business-zone}") String zone) {
        return new AnalyticsFold(ZoneId.of(zone), sla);
    }

    @Bean
    AnalyticsReports analyticsReports(MongoTemplate mongo, MongoCommitLogEngine engine, AnalyticsFold fold,
                                      @Value("${coverledger.business-zone}") String zone) {
        return new AnalyticsReports(mongo, engine, fold, ZoneId.of(zone));
    }

    @Override
    public void addResourceHandlers(ResourceHandlerRegistry registry) {
        registry.addResourceHandler("/dashboard/lib/*").addResourceLocations(ECHARTS);
    }
}
