package org.coverledger.ops;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;

/**
 * Every request an integration test makes, and every answer it gets, checked against the OpenAPI
 * description the app itself serves ({@code /v3/api-docs}), with Atlassian's
 * swagger-request-validator: the description and the API cannot drift apart unseen.
 *
 * <p>Requests the tests make on purpose outside the description (a hostile client's) are checked
 * for their answer only.
 */
final class ApiContract {

    private static final Map<String, OpenApiInteractionValidator> STRICT = new ConcurrentHashMap<>();
    private static final Map<String, OpenApiInteractionValidator> REFUSED = new ConcurrentHashMap<>();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ApiContract() {
    }

    /** Fails (AssertionError) with every mismatch between the exchange and the description. */
    static void check(String baseUrl, HttpRequest request, String requestBody, HttpResponse<String> response,
                      boolean requestOnPurposeOutside) {
        String path = request.uri().getRawPath();
        if (!path.startsWith("/api/")) {
            return; // documentation, health and error pages are not part of the API
        }
        if (requestOnPurposeOutside && path.length() > "/api/".length() && path.endsWith("/")) {
            // the validator takes /x/ for /x, the API does not: a path outside the API, its answer a Problem
            if (!response.body().contains("\"code\"")) {
                throw new AssertionError("a refusal without a Problem code: " + request.method() + " " + request.uri()
                        + " -> " + response.statusCode() + " " + response.body());
            }
            return;
        }
        Map<String, OpenApiInteractionValidator> validators = requestOnPurposeOutside ? REFUSED : STRICT;
        OpenApiInteractionValidator validator = validators.computeIfAbsent(baseUrl,
                url -> load(url, requestOnPurposeOutside));
        Request.Method method = Request.Method.valueOf(request.method());
        SimpleRequest.Builder built = new SimpleRequest.Builder(method, path);
        if (request.uri().getRawQuery() != null) {
            for (String pair : request.uri().getRawQuery().split("&")) {
                String[] parts = pair.split("=", 2);
                built.withQueryParam(decode(parts[0]), parts.length > 1 ? decode(parts[1]) : "");
            }
        }
        request.headers().map().forEach((name, values) -> built.withHeader(name, values));
        if (requestBody != null && !requestBody.isEmpty()) {
            built.withBody(requestBody);
        }
        SimpleResponse.Builder answer = SimpleResponse.Builder.status(response.statusCode());
        response.headers().map().forEach((name, values) -> answer.withHeader(name, values));
        if (response.body() != null && !response.body().isEmpty()) {
            answer.withBody(response.body());
        }
        ValidationReport report = requestOnPurposeOutside
                ? validator.validateResponse(path, method, answer.build())
                : validator.validate(built.build(), answer.build());
        if (report.hasErrors()) {
            // a system started anew may serve the other app at an address one of an earlier system's had:
            // the description is read again from the address before the exchange is judged against it
            validator = load(baseUrl, requestOnPurposeOutside);
            validators.put(baseUrl, validator);
            report = requestOnPurposeOutside
                    ? validator.validateResponse(path, method, answer.build())
                    : validator.validate(built.build(), answer.build());
        }
        if (report.hasErrors()) {
            throw new AssertionError("not as the OpenAPI description says: " + request.method() + " " + request.uri()
                    + " -> " + response.statusCode() + " " + response.body() + "\n" + report);
        }
    }

    private static String decode(String value) {
        return java.net.URLDecoder.decode(value, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static OpenApiInteractionValidator load(String baseUrl, boolean refused) {
        try {
            String description = CLIENT.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v3/api-docs")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            LevelResolver.Builder levels = LevelResolver.create()
                    // Basic and bearer are checked by the apps themselves; the validator cannot log in
                    .withLevel("validation.request.security", ValidationReport.Level.IGNORE)
                    // an operation without a body ignores one sent anyway (AccessControlIT sends {} everywhere)
                    .withLevel("validation.request.body.unexpected", ValidationReport.Level.IGNORE);
            if (refused) {
                // a refused request to a path or with a method the API does not have: its answer cannot be described there
                levels.withLevel("validation.request.path.missing", ValidationReport.Level.IGNORE)
                        .withLevel("validation.request.operation.notAllowed", ValidationReport.Level.IGNORE);
            }
            return OpenApiInteractionValidator.createForInlineApiSpecification(description)
                    .withLevelResolver(levels.build()).build();
        } catch (Exception e) {
            throw new IllegalStateException("the OpenAPI description of " + baseUrl + " could not be read", e);
        }
    }
}
