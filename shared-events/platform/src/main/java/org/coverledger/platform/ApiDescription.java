package org.coverledger.platform;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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
import org.coverledger.events.common.Role;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.util.AntPathMatcher;
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

    /** Where the description keeps an operation's {@link Refuses} codes until the responses are built. */
    static final String REFUSAL_CODES = "x-refusal-codes";

    /** Copies each handler's {@link Refuses} codes onto its operation. */
    @Bean
    public OperationCustomizer refusalCodes() {
        return (operation, handler) -> {
            Refuses refuses = handler.getMethodAnnotation(Refuses.class);
            if (refuses != null) {
                operation.addExtension(REFUSAL_CODES, List.of(refuses.value()));
            }
            return operation;
        };
    }

    /**
     * The refusals each operation may answer, as Problem Details, by what the operation is: every
     * one may meet a bad login (401), a login rate limit (429), an Accept it cannot serve (406)
     * and an unexpected failure (500); one with parameters or a body a bad request (400); one
     * not open to every role 403; one naming an object in its path 404; a body may be too large
     * (413) or of the wrong type (415); a command may conflict (409) and break a business rule
     * (422, with the codes its handler names in {@link Refuses}, and no others).
     */
    @Bean
    public OpenApiCustomizer problemResponses(@Value("${coverledger.side}") Permission.Side side) {
        Schema<?> problem = problemSchema(null);
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
                boolean command = side == Permission.Side.COMMAND && method != PathItem.HttpMethod.GET;
                boolean hasBody = operation.getRequestBody() != null;
                boolean hasParameters = operation.getParameters().stream()
                        .anyMatch(parameter -> !"X-Request-Id".equals(parameter.getName()));
                Optional<Permission> permission = permissionOf(side, method, path);
                boolean everyRole = permission.map(p -> p.isPublic() || p.roles().size() == Role.values().length)
                        .orElse(false);
                Map<String, String> refusals = new LinkedHashMap<>();
                if (hasParameters || hasBody) {
                    refusals.put("400", "VALIDATION_FAILED (every bad field in `errors`), MALFORMED_REQUEST, "
                            + "INVALID_IDEMPOTENCY_KEY");
                }
                refusals.put("401", "UNAUTHENTICATED (no login, a wrong one, a locked or closed account) or an "
                        + "expired or revoked token");
                if (!everyRole) {
                    refusals.put("403", "FORBIDDEN: the caller's role does not permit it");
                }
                if (path.contains("{") || path.endsWith("/lookup")) {
                    refusals.put("404", "NOT_FOUND: no such object, or one the caller may not see");
                }
                if (command) {
                    refusals.put("409", "CONCURRENT_MODIFICATION (retry), IDEMPOTENT_REQUEST_IN_FLIGHT, "
                            + "ALREADY_REGISTERED (the field in `errors`)");
                }
                if (side == Permission.Side.QUERY
                        && path.matches("/api/audit/(digest|proofs/.*|verifications.*|export|checkpoints.*|access.*|retention)")) {
                    refusals.put("409", "AUDIT_TREE_DAMAGED (the stored Merkle tree is malformed: changed in the "
                            + "database), AUDIT_COMMIT_CHANGED (a commit is not what the tree recorded), "
                            + "AUDIT_ACCESS_DAMAGED (the access log's documents are malformed), AUDIT_DATA_DAMAGED "
                            + "(a recorded checkpoint or verification job is malformed)");
                }
                if (side == Permission.Side.QUERY && path.equals("/api/admin/projections/{name}/rebuild")) {
                    if (method == PathItem.HttpMethod.POST) {
                        refusals.put("409", "REBUILD_RUNNING (one rebuild of a projection at a time, across "
                                + "instances), NOT_REBUILDABLE");
                    } else if (method == PathItem.HttpMethod.DELETE) {
                        refusals.put("409", "NO_REBUILD: none is running (or it is being cut over)");
                    } else {
                        refusals.put("404", "NOT_FOUND: no such projection; NO_REBUILD: none has run on this instance");
                    }
                }
                if (hasBody) {
                    refusals.put("413", "PAYLOAD_TOO_LARGE");
                    refusals.put("415", "UNSUPPORTED_MEDIA_TYPE");
                }
                @SuppressWarnings("unchecked")
                List<String> codes = operation.getExtensions() == null ? null
                        : (List<String>) operation.getExtensions().remove(REFUSAL_CODES);
                if (command && (codes != null || method == PathItem.HttpMethod.POST)) {
                    List<String> all = new ArrayList<>(codes == null ? List.of() : codes);
                    if (method == PathItem.HttpMethod.POST) {
                        all.add("IDEMPOTENCY_KEY_REUSED");
                    }
                    refusals.put("422", "a business rule refused it: " + String.join(", ", all));
                    addProblem(responses, "422", refusals.get("422"), problemSchema(all));
                }
                refusals.put("429", "TOO_MANY_LOGIN_FAILURES or a code request limit, with Retry-After");
                refusals.put("500", "INTERNAL_ERROR: quote the X-Request-Id");
                refusals.forEach((status, description) ->
                        addProblem(responses, status, description, new Schema<>().$ref("#/components/schemas/Problem")));
                if (!responses.containsKey("406")) {
                    responses.addApiResponse("406", new ApiResponse().description(
                            "the Accept header allows none of the answer's media types (no body)"));
                }
            }));
        };
    }

    /** RFC 9457 Problem Details with our stable {@code code}: any code, or one of those given. */
    private static Schema<?> problemSchema(List<String> codes) {
        Schema<?> fieldProblem = new ObjectSchema()
                .addProperty("field", new StringSchema()).addProperty("reason", new StringSchema());
        StringSchema code = new StringSchema();
        if (codes == null) {
            code.example("VALIDATION_FAILED");
        } else {
            code._enum(codes);
        }
        Schema<?> problem = new ObjectSchema().description("RFC 9457 Problem Details; `code` is stable, `detail` is for people")
                .addProperty("type", new StringSchema().format("uri"))
                .addProperty("title", new StringSchema())
                .addProperty("status", new IntegerSchema())
                .addProperty("detail", new StringSchema())
                .addProperty("instance", new StringSchema())
                .addProperty("code", code)
                .addProperty("errors", new ArraySchema().items(fieldProblem)
                        .description("every bad field (400 VALIDATION_FAILED; 409 ALREADY_REGISTERED)"));
        problem.setRequired(List.of("status", "code"));
        return problem;
    }

    private static void addProblem(ApiResponses responses, String status, String description, Schema<?> schema) {
        if (!responses.containsKey(status)) {
            responses.addApiResponse(status, new ApiResponse().description(description)
                    .content(new Content().addMediaType("application/problem+json", new MediaType().schema(schema))));
        }
    }

    /** The permission table's entry for an operation of the description. */
    static Optional<Permission> permissionOf(Permission.Side side, PathItem.HttpMethod method, String path) {
        AntPathMatcher matcher = new AntPathMatcher();
        String concrete = path.replaceAll("\\{[^}]+}", "x");
        return Permission.of(side).stream()
                .filter(p -> p.method().equals(method.name()) && matcher.match(p.path(), concrete))
                .findFirst();
    }
}
