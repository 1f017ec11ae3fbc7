package org.coverledger.platform;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.coverledger.events.common.Role;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.coverledger.identity.AccessTokens;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.RateLimiter;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * HTTP Basic or a bearer token on every {@code /api/**} call, with the roles of the one
 * {@link Permission} table (the rows of this app's side).
 * Documentation and health stay open so that operators and load balancers can read them.
 */
@Configuration
@EnableConfigurationProperties(SecurityConfiguration.Users.class)
public class SecurityConfiguration {

    @ConfigurationProperties("coverledger.security")
    public record Users(List<UserEntry> users) {
        public Users {
            users = users == null ? List.of() : List.copyOf(users);
        }
    }

    public record UserEntry(String name, String passwordHash, List<Role> roles) {
    }

    @Bean
    public SecurityFilterChain api(HttpSecurity http, ObjectMapper json, LoginRateLimit loginRateLimit,
                                   AccessTokens tokens, CustomerCredentials customers,
                                   @Value("${coverledger.side}") Permission.Side side,
                                   @Value("${coverledger.identity.two-factor}") boolean twoFactor,
                                   @Value("${coverledger.metrics.scrape-token-sha256:}") String scrapeToken,
                                   org.springframework.beans.factory.ObjectProvider<SecuredFilter> secured)
            throws Exception {
        BearerTokens bearerTokens = new BearerTokens(tokens, customers,
                (response, code, detail) -> writeProblem(json, response, HttpStatus.UNAUTHORIZED, code, detail),
                scrapeToken);
        http.addFilterBefore(loginRateLimit, org.springframework.security.web.authentication.www.BasicAuthenticationFilter.class)
                .addFilterAfter(bearerTokens, LoginRateLimit.class)
                .addFilterAfter(new CustomersUseTokens(twoFactor, (response, code, detail) ->
                                writeProblem(json, response, HttpStatus.UNAUTHORIZED, code, detail)),
                        org.springframework.security.web.authentication.www.BasicAuthenticationFilter.class)
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> {
                    auth.requestMatchers("/actuator/health/**", "/actuator/info", "/v3/api-docs/**",
                            "/swagger-ui.html", "/swagger-ui/**", "/error").permitAll();
                    for (Permission permission : Permission.of(side)) {
                        var rule = auth.requestMatchers(HttpMethod.valueOf(permission.method()), permission.path());
                        if (permission.isPublic()) {
                            rule.permitAll();
                        } else {
                            rule.hasAnyRole(permission.roleNames());
                        }
                    }
                    auth.requestMatchers(HttpMethod.GET, BearerTokens.SCRAPE_PATH)
                            .hasAnyRole("ADMIN", BearerTokens.METRICS_ROLE);
                    auth.requestMatchers("/actuator/**").hasRole("ADMIN");
                    auth.anyRequest().denyAll();
                })
                .httpBasic(basic -> basic.authenticationEntryPoint((request, response, e) ->
                        // a locked, closed or unknown login answers exactly as a wrong password: nothing is revealed
                        writeProblem(json, response, HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED", LOG_IN)))
                .exceptionHandling(ex -> ex
                        .authenticationEntryPoint((request, response, e) ->
                                writeProblem(json, response, HttpStatus.UNAUTHORIZED, "UNAUTHENTICATED",
                                        LOG_IN))
                        .accessDeniedHandler((request, response, e) -> refuse(json, side, request, response)));
        // after authentication, around authorization: they see who asks, and what was refused
        secured.orderedStream().forEach(filter -> http.addFilterBefore(filter,
                org.springframework.security.web.access.ExceptionTranslationFilter.class));
        return http.build();
    }

    /**
     * A logged-in caller refused: 403 for an action of the table their role may not take; 405
     * (with Allow) for a method the path does not take; 404 for a path the side does not serve.
     */
    private static void refuse(ObjectMapper json, Permission.Side side, HttpServletRequest request,
                               HttpServletResponse response) throws IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        java.util.Set<String> methods = Permission.methodsAt(side, path);
        if (path.startsWith("/actuator/") || methods.contains(request.getMethod())) {
            writeProblem(json, response, HttpStatus.FORBIDDEN, "FORBIDDEN", "Your role does not permit this action.");
        } else if (methods.isEmpty()) {
            writeProblem(json, response, HttpStatus.NOT_FOUND, "NOT_FOUND", "There is nothing at this address.");
        } else {
            response.setHeader("Allow", String.join(", ", methods));
            writeProblem(json, response, HttpStatus.METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED",
                    "This address takes " + String.join(", ", methods) + ".");
        }
    }

    /** A request the firewall refuses (an encoded slash, {@code //} in the path, ...): 400, as Problem Details. */
    @Bean
    public RequestRejectedHandler requestRejectedHandler(ObjectMapper json) {
        return (request, response, e) -> writeProblem(json, response, HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST",
                "The request's address is malformed.");
    }

    private static final String LOG_IN = "Authentication is required: HTTP Basic with your login and password, "
            + "or a bearer token from POST /api/sessions.";

    static void writeProblem(ObjectMapper json, HttpServletResponse response, HttpStatus status, String code,
                             String detail) throws IOException {
        writeProblem(json, ProblemTexts.currentRequest(), response, status, code, detail);
    }

    /** A Problem Details answer written by a filter, in the caller's language ({@link ProblemTexts}). */
    static void writeProblem(ObjectMapper json, HttpServletRequest request, HttpServletResponse response,
                             HttpStatus status, String code, String detail) throws IOException {
        ProblemDetail problem = ProblemTexts.localize(ProblemResponses.problem(status, code, detail),
                ProblemTexts.localeOf(request));
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        if (status == HttpStatus.UNAUTHORIZED) {
            response.setHeader("WWW-Authenticate", "Basic realm=\"coverledger\"");
        }
        json.writeValue(response.getOutputStream(), problem);
    }

    @Bean
    public LoginRateLimit loginRateLimit(ObjectMapper json,
                                         @Value("${coverledger.rate-limit.login-failures-per-client}") int failures,
                                         @Value("${coverledger.rate-limit.login-window}") java.time.Duration window) {
        return new LoginRateLimit(new RateLimiter(failures, window, java.time.Clock.systemUTC()),
                (response, wait) -> {
                    ProblemResponses.rateLimited("TOO_MANY_LOGIN_FAILURES");
                    writeProblem(json, response, HttpStatus.TOO_MANY_REQUESTS, "TOO_MANY_LOGIN_FAILURES",
                            "Too many failed logins from this address; retry in " + wait + " seconds.");
                });
    }

    @Bean
    public org.springframework.boot.web.servlet.FilterRegistrationBean<LoginRateLimit> loginRateLimitOnlyInSecurity(
            LoginRateLimit filter) {
        // runs inside the security chain, not a second time as a plain servlet filter
        var registration = new org.springframework.boot.web.servlet.FilterRegistrationBean<>(filter);
        registration.setEnabled(false);
        return registration;
    }

    @Bean
    public CustomerCredentials customerCredentials(MongoDatabaseFactory mongo,
                                                   @Value("${coverledger.identity.pepper}") String pepper) {
        return new CustomerCredentials(mongo.getMongoDatabase(), pepper);
    }

    @Bean
    public AccessTokens accessTokens(MongoDatabaseFactory mongo,
                                     @Value("${coverledger.identity.token-ttl}") java.time.Duration timeToLive,
                                     @Value("${coverledger.identity.token-idle}") java.time.Duration idle,
                                     org.springframework.beans.factory.ObjectProvider<java.time.Clock> clock) {
        return new AccessTokens(mongo.getMongoDatabase(), timeToLive, idle, clock.getIfAvailable(java.time.Clock::systemUTC));
    }

    @Bean
    public Logins users(Users configured, CustomerCredentials customers) {
        return new Logins(configuredUsers(configured), customers);
    }

    private static UserDetailsService configuredUsers(Users configured) {
        List<UserDetails> users = new ArrayList<>();
        for (UserEntry entry : configured.users()) {
            users.add(User.withUsername(entry.name())
                    .password(entry.passwordHash())
                    .roles(entry.roles().stream().map(Enum::name).toArray(String[]::new))
                    .build());
        }
        return new InMemoryUserDetailsManager(users);
    }

    @Bean
    public PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }
}
