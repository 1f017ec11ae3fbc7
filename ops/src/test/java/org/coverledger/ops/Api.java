package org.coverledger.ops;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A real HTTP client of the system, as a customer's app or a staff tool would be. */
public final class Api {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final String baseUrl;
    private final String user;
    private final String password;

    private Api(String baseUrl, String user, String password) {
        this.baseUrl = baseUrl;
        this.user = user;
        this.password = password;
    }

    /** A demo user, whose password is the name followed by -pass (or nobody, for null). */
    public static Api at(String baseUrl, String user) {
        return new Api(baseUrl, user, user + "-pass");
    }

    /** A customer logging in with their mobile number or email and their password. */
    public static Api as(String baseUrl, String login, String password) {
        return new Api(baseUrl, login, password);
    }

    public String baseUrl() {
        return baseUrl;
    }

    public Reply post(String path, String json) {
        return post(path, json, null);
    }

    public Reply post(String path, String json, String requestId) {
        return post(path, json, requestId, null);
    }

    public Reply post(String path, String json, String requestId, String idempotencyKey) {
        HttpRequest.Builder request = request(path)
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        if (!json.isEmpty()) {
            request.header("Content-Type", "application/json");
        }
        if (requestId != null) {
            request.header("X-Request-Id", requestId);
        }
        return send(request.build(), json);
    }

    /**
     * A claim's material uploaded as {@code multipart/form-data}: the {@code file} part (its name,
     * declared type and bytes) and the {@code category} part; either left out for null.
     */
    public Reply upload(String path, String category, String fileName, String contentType, byte[] bytes) {
        String boundary = "----coverledger" + java.util.UUID.randomUUID().toString().replace("-", "");
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        if (category != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\n"
                    + category + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        if (bytes != null) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
                    + fileName + "\"\r\nContent-Type: " + contentType + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(bytes);
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        byte[] sent = body.toByteArray();
        HttpRequest request = request(path).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(sent)).build();
        // the description's check reads the body as text: byte for byte, whatever the file holds
        return send(request, new String(sent, StandardCharsets.ISO_8859_1));
    }

    public Reply put(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build(), json);
    }

    public Reply delete(String path) {
        return send(request(path).DELETE().build());
    }

    public Reply get(String path) {
        return send(request(path).GET().build());
    }

    /** A GET with extra headers, given as name, value, name, value, ... */
    public Reply get(String path, String... headers) {
        return send(request(path).headers(headers).GET().build());
    }

    /** Any method, any body (none for null), extra headers given as name, value, name, value, ... */
    public Reply send(String method, String path, String body, String... headers) {
        HttpRequest.Builder request = request(path).method(method,
                body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return send(request.build(), body);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(30));
        if (user != null) {
            String token = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            builder.header("Authorization", "Basic " + token);
        }
        return builder;
    }

    private Reply send(HttpRequest request) {
        return send(request, null);
    }

    /**
     * Sends the request and checks the exchange against the app's OpenAPI description
     * ({@link ApiContract}): every answer, and every request the app accepted (one it refused may
     * be outside the description on purpose).
     */
    private Reply send(HttpRequest request, String body) {
        try {
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            ApiContract.check(baseUrl, request, body, response, response.statusCode() >= 400);
            return new Reply(response.statusCode(), response.body(), response.headers());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Reply(int status, String body, java.net.http.HttpHeaders headers) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
