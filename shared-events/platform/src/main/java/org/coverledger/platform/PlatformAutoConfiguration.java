package org.coverledger.platform;

import org.apache.catalina.core.StandardHost;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.boot.autoconfigure.web.servlet.error.ErrorMvcAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * What both apps are built on, configured once: security from the {@link Permission} table of
 * the app's side ({@code coverledger.side}), logins, the login rate limit, bearer tokens, the
 * request id, Problem Details and the MongoDB health check. Each app adds only what differs.
 */
@AutoConfiguration(before = ErrorMvcAutoConfiguration.class)
@Import({SecurityConfiguration.class, RequestIdFilter.class, LogContext.class, ProblemResponses.class, ErrorProblems.class,
        RequestLimits.class, MongoHealth.class, ApiDescription.class, LocalizedProblems.class})
public class PlatformAutoConfiguration {

    /**
     * The time both apps tell by (business dates, token and code expiry); a test may bring its
     * own, moved, clock.
     */
    @Bean
    @org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean(java.time.Clock.class)
    public java.time.Clock clock() {
        return java.time.Clock.systemUTC();
    }

    /** Controllers take a {@link org.coverledger.events.common.Caller} parameter ({@link CallerArguments}). */
    @Bean
    public WebMvcConfigurer callerArguments() {
        return new WebMvcConfigurer() {
            @Override
            public void addArgumentResolvers(java.util.List<HandlerMethodArgumentResolver> resolvers) {
                resolvers.add(new CallerArguments());
            }
        };
    }

    /** Amounts are written as decimal strings ({@code "1200.00"}), as they are read: never as floating-point numbers. */
    @Bean
    public org.springframework.boot.autoconfigure.jackson.Jackson2ObjectMapperBuilderCustomizer moneyAsText() {
        return builder -> builder.serializerByType(java.math.BigDecimal.class,
                com.fasterxml.jackson.databind.ser.std.ToStringSerializer.instance);
    }

    /** Tomcat's own refusals as Problem Details ({@link ProblemReportValve}). */
    @Bean
    public WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemReportValve.class.getName());
            }
        });
    }
}
