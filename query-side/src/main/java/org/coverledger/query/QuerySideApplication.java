package org.coverledger.query;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The query side: projections fold events into read models. Listens on 8081 by default. */
@SpringBootApplication
@EnableScheduling
public class QuerySideApplication {

    static {
        // Axon's usage reporting phones home; this product never does.
        System.setProperty("axoniq.update-checker.disabled", "true");
    }

    public static void main(String[] args) {
        builder().run(args);
    }

    /** Both apps can share one JVM in tests; each reads only its own configuration file. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(QuerySideApplication.class)
                .properties("spring.config.name=query-side");
    }
}
