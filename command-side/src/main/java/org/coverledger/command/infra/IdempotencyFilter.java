package org.coverledger.command.infra;

import org.coverledger.platform.ProblemResponses;
import static com.mongodb.client.model.Filters.eq;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.ErrorCategory;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.bson.Document;
import org.bson.types.Binary;
import org.coverledger.identity.Digests;
import org.springframework.core.annotation.Order;
import org.springframework.data.mongodb.MongoDatabaseFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.util.StreamUtils;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * {@code Idempotency-Key} on every command POST: a retry with the same key and body gets the
 * first response and appends nothing; the same key with another body answers 422; a
 * duplicate while the first is still running answers 409. Keys are scoped to the caller and
 * kept for at least 24 hours in MongoDB; the unique {@code _id} makes the first request win.
 * Server errors are not remembered, so a retry after one runs again.
 */
@Component
@Order(0) // after Spring Security, which knows the caller
public class IdempotencyFilter extends OncePerRequestFilter {

    public static final String HEADER = "Idempotency-Key";
    static final String COLLECTION = "idempotency_keys";
    static final Duration KEPT = Duration.ofHours(24);
    static final Duration ABANDONED = Duration.ofMinutes(5);
    private static final Pattern WELL_FORMED = Pattern.compile("[\\x21-\\x7E]{1,128}");

    private final MongoCollection<Document> keys;
    private final ObjectMapper json;
    private final Clock clock;

    public IdempotencyFilter(MongoDatabaseFactory mongo, ObjectMapper json, Clock clock) {
        this.keys = mongo.getMongoDatabase().getCollection(COLLECTION);
        this.json = json;
        this.clock = clock;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // a login's answer is a bearer token: never kept, never answered again from a key
        return !"POST".equals(request.getMethod()) || !request.getRequestURI().startsWith("/api/")
                || request.getRequestURI().startsWith("/api/sessions") || request.getHeader(HEADER) == null
                // an upload is not buffered to be fingerprinted: the same bytes again answer the same material anyway
                || (request.getContentType() != null && request.getContentType().startsWith("multipart/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String key = request.getHeader(HEADER);
        if (!WELL_FORMED.matcher(key).matches()) {
            problem(response, HttpStatus.BAD_REQUEST, "INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1 to 128 visible ASCII characters.");
            return;
        }
        CachedBodyRequest cached = new CachedBodyRequest(request);
        String id = keyId(caller(), key);
        String fingerprint = fingerprint(request.getMethod(), request.getRequestURI(), cached.body());
        Instant now = clock.instant();
        try {
            keys.insertOne(new Document("_id", id).append("fingerprint", fingerprint).append("state", "IN_FLIGHT")
                    .append("createdAt", Date.from(now)).append("expiresAt", Date.from(now.plus(KEPT))));
        } catch (MongoWriteException e) {
            if (e.getError().getCategory() != ErrorCategory.DUPLICATE_KEY) {
                throw e;
            }
            if (!takeOverAbandoned(id, fingerprint, now)) {
                answerRepeat(id, fingerprint, response);
                return;
            }
        }
        ContentCachingResponseWrapper recorded = new ContentCachingResponseWrapper(response);
        boolean remembered = false;
        try {
            chain.doFilter(cached, recorded);
            if (recorded.getStatus() < 500) {
                keys.updateOne(eq("_id", id), Updates.combine(
                        Updates.set("state", "DONE"),
                        Updates.set("status", recorded.getStatus()),
                        Updates.set("contentType", recorded.getContentType()),
                        Updates.set("location", recorded.getHeader("Location")),
                        Updates.set("eventPosition", recorded.getHeader(EventPositions.HEADER)),
                        Updates.set("body", new Binary(recorded.getContentAsByteArray()))));
                remembered = true;
            }
        } finally {
            if (!remembered) {
                keys.deleteOne(eq("_id", id));
            }
            recorded.copyBodyToResponse();
        }
    }

    /**
     * A first attempt still "in flight" after {@link #ABANDONED} died with its process; the
     * same request may then run again (whether the first one's command was applied is unknown,
     * which is why the wait is long).
     */
    private boolean takeOverAbandoned(String id, String fingerprint, Instant now) {
        return keys.updateOne(Filters.and(eq("_id", id), eq("fingerprint", fingerprint), eq("state", "IN_FLIGHT"),
                        Filters.lt("createdAt", Date.from(now.minus(ABANDONED)))),
                Updates.set("createdAt", Date.from(now))).getModifiedCount() == 1;
    }

    private void answerRepeat(String id, String fingerprint, HttpServletResponse response) throws IOException {
        Document first = keys.find(eq("_id", id)).first();
        if (first == null) {
            problem(response, HttpStatus.CONFLICT, "IDEMPOTENT_REQUEST_IN_FLIGHT",
                    "A request with this Idempotency-Key is being processed; retry shortly.");
        } else if (!fingerprint.equals(first.getString("fingerprint"))) {
            problem(response, HttpStatus.UNPROCESSABLE_ENTITY, "IDEMPOTENCY_KEY_REUSED",
                    "This Idempotency-Key was used for a different request.");
        } else if (!"DONE".equals(first.getString("state"))) {
            problem(response, HttpStatus.CONFLICT, "IDEMPOTENT_REQUEST_IN_FLIGHT",
                    "A request with this Idempotency-Key is being processed; retry shortly.");
        } else {
            response.setStatus(first.getInteger("status"));
            if (first.getString("contentType") != null) {
                response.setContentType(first.getString("contentType"));
            }
            if (first.getString("location") != null) {
                response.setHeader("Location", first.getString("location"));
            }
            if (first.getString("eventPosition") != null) {
                response.setHeader(EventPositions.HEADER, first.getString("eventPosition"));
            }
            response.setHeader("Idempotent-Replayed", "true");
            response.getOutputStream().write(first.get("body", Binary.class).getData());
        }
    }

    /** Keys older than the retention are forgotten (the embedded server has no TTL indexes). */
    @Scheduled(fixedDelayString = "PT1H", initialDelayString = "PT1M")
    public void forgetExpired() {
        keys.deleteMany(Filters.lt("expiresAt", Date.from(clock.instant())));
    }

    private static String caller() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return auth == null || !auth.isAuthenticated() ? "anonymous" : auth.getName();
    }

    /** The stored id of a caller's key: a digest, so no key or login is stored in the clear. */
    public static String keyId(String caller, String key) {
        return Digests.sha256Hex(caller + "\n" + key);
    }

    /** What makes two requests the same: method, path and body. */
    public static String fingerprint(String method, String path, byte[] body) {
        return Digests.sha256Hex(method + " " + path + "\n" + new String(body, StandardCharsets.UTF_8));
    }

    private void problem(HttpServletResponse response, HttpStatus status, String code, String detail)
            throws IOException {
        ProblemDetail problem = ProblemResponses.problem(status, code, detail);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    /** The request body read once, for the fingerprint, and served again to the controller. */
    static final class CachedBodyRequest extends jakarta.servlet.http.HttpServletRequestWrapper {
        private final byte[] body;

        CachedBodyRequest(HttpServletRequest request) throws IOException {
            super(request);
            this.body = StreamUtils.copyToByteArray(request.getInputStream());
        }

        byte[] body() {
            return body;
        }

        @Override
        public jakarta.servlet.ServletInputStream getInputStream() {
            java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(body);
            return new jakarta.servlet.ServletInputStream() {
                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(jakarta.servlet.ReadListener listener) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public java.io.BufferedReader getReader() {
            return new java.io.BufferedReader(new java.io.InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }
    }
}
