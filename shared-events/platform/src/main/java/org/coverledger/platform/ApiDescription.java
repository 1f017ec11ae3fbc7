package org.coverledger.platform;

import java.util.LinkedHashMap;
import java.util.Map;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import io.swagger.v3.oas.models.parameters.QueryParameter;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import org.springdoc.core.customizers.OpenApiCustomizer;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.info.License;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.coverledger.events.common.Caller;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description's own parts: a real title and version, and both ways to log in (HTTP
 * Basic and a bearer token from {@code POST /api/sessions}), so that Swagger UI offers
 * "Authorize". The {@link Caller} a controller takes is the login, not a parameter.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(SpringDocUtils.class)
public class ApiDescription {

    static {
        SpringDocUtils.getConfig().addRequestWrapperToIgnore(Caller.class);
        // money travels as a decimal string, both ways ({@link PlatformAutoConfiguration#moneyAsText})
        SpringDocUtils.getConfig().replaceWithSchema(java.math.BigDecimal.class, new StringSchema()
                .pattern("^" + org.coverledger.events.common.Money.DECIMAL_TEXT + "$").example("1200.00").description("an amount in CNY, as a decimal string"));
    }

    @Bean
    public OpenAPI coverLedgerApi(@Value("${coverledger.side}") Permission.Side side,
                                 @Value("${coverledger.api-version:0.1.0}") String version) {
        String title = side == Permission.Side.COMMAND ? "CoverLedger command API" : "CoverLedger query API";
        String description = side == Permission.Side.COMMAND
                ? "Buy, change and cancel policies, submit claims, manage accounts. Every command answers with "
                        + "X-Event-Position, the global position of its commit."
                : "Policies, claim progress, accounts and the audit trail, as the projections hold them. "
                        + "X-Min-Position (or ?minPosition=) waits, bounded, until the views have the caller's writes.";
        return new OpenAPI()
                .info(new Info().title(title).version(version).description(description)
                        .license(new License().name("Apache-2.0")))
                .components(new Components()
                        .addSecuritySchemes("basic", new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("basic")
                                .description("Staff and demo users by name; customers by mobile number or email."))
                        .addSecuritySchemes("bearer", new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("A token from POST /api/sessions (command side).")))
                .addSecurityItem(new SecurityRequirement().addList("basic"))
                .addSecurityItem(new SecurityRequirement().addList("bearer"));
    }

    /**
     * The refusals every operation may answer, as Problem Details: a bad request, not logged in,
     * not permitted, no such object, a conflict, a body too large or of the wrong type, a business
     * rule, too many requests, an unexpected failure.
     */
    @Bean
    public OpenApiCustomizer problemResponses(@Value("${coverledger.side}") Permission.Side side) {
        Map<String, String> refusals = new LinkedHashMap<>();
        refusals.put("400", "VALIDATION_FAILED (every bad field in `errors`) or MALFORMED_REQUEST");
        refusals.put("401", "UNAUTHENTICATED or INVALID_TOKEN");
        refusals.put("403", "FORBIDDEN: the caller's role or ownership does not permit it");
        refusals.put("404", "NOT_FOUND: no such object (or one the caller may not see)");
        refusals.put("405", "METHOD_NOT_ALLOWED");
        refusals.put("409", "CONCURRENT_MODIFICATION, ALREADY_REGISTERED, or a conflicting state");
        refusals.put("413", "PAYLOAD_TOO_LARGE");
        refusals.put("415", "UNSUPPORTED_MEDIA_TYPE");
        refusals.put("422", "a business rule's code, such as INCIDENT_OUTSIDE_COVER");
        refusals.put("429", "a rate limit's code, with Retry-After");
        refusals.put("500", "INTERNAL_ERROR: quote the X-Request-Id");
        Schema<?> fieldProblem = new ObjectSchema()
                .addProperty("field", new StringSchema()).addProperty("reason", new StringSchema());
        Schema<?> problem = new ObjectSchema().description("RFC 9457 Problem Details; `code` is stable, `detail` is for people")
                .addProperty("type", new StringSchema().format("uri"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema())
                .addProperty("code", new StringSchema().example("VALIDATION_FAILED"))
                .addProperty("errors", new ArraySchema().items(fieldProblem)
                        .description("every bad field (400 VALIDATION_FAILED; 409 ALREADY_REGISTERED)"));
        problem.setRequired(java.util.List.of("status", "code"));
        return api -> {
            api.getComponents().addSchemas("Problem", problem);
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                ApiResponses responses = operation.getResponses();
                if (!path.startsWith("/api/")) {
                    return;
                }
                operation.addParametersItem(new HeaderParameter().name("X-Request-Id").required(false)
                        .description("the caller's id for the request (1-64 of A-Z a-z 0-9 . _ : -); answered back, "
                                + "recorded on every event it causes").schema(new StringSchema().maxLength(64)));
                // read-your-writes serves the read models, not the admin endpoints (ReadYourWrites)
                if (side == Permission.Side.QUERY && method == PathItem.HttpMethod.GET && !path.startsWith("/api/admin/")) {
                    operation.addParametersItem(new HeaderParameter().name("X-Min-Position").required(false)
                            .description("wait (at most 2 s) until the views have every event up to this global "
                                    + "position, such as a command's X-Event-Position; past the bound the answer "
                                    + "carries X-Stale").schema(new IntegerSchema().format("int64").minimum(
                                    java.math.BigDecimal.ZERO)));
                    operation.addParametersItem(new QueryParameter().name("minPosition").required(false)
                            .description("as X-Min-Position").schema(new IntegerSchema().format("int64")
                                    .minimum(java.math.BigDecimal.ZERO)));
                }
                if (side == Permission.Side.COMMAND && method == PathItem.HttpMethod.POST) {
                    operation.addParametersItem(new HeaderParameter().name("Idempotency-Key").required(false)
                            .description("the same key with the same request answers the first answer again, "
                                    + "and does nothing twice; 1-128 visible ASCII characters").schema(new StringSchema().maxLength(128)));
                }
                refusals.forEach((status, description) -> {
                    if (!responses.containsKey(status)) {
                        responses.addApiResponse(status, new ApiResponse().description(description)
                                .content(new Content().addMediaType("application/problem+json",
                                        new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem")))));
                    }
                });
            }));
        };
    }
}
