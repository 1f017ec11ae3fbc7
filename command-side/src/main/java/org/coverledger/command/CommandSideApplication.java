package org.coverledger.command;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The command side: aggregates decide, events record. Listens on 8080 by default. */
@SpringBootApplication
@EnableScheduling
public class CommandSideApplication {

    static {
        // Axon's usage reporting phones home; this product never does.
        System.setProperty("axoniq.update-checker.disabled", "true");
    }

    public static void main(String[] args) {
        builder().run(args);
    }

    /** Both apps can share one JVM in tests; each reads only its own configuration file. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(CommandSideApplication.class)
                .properties("spring.config.name=command-side");
    }
}
