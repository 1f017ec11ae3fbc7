package org.coverledger.platform;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.UnknownObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of both APIs is an RFC 9457 Problem Details document with a stable {@code code};
 * validation failures list one entry per bad field. Nothing is appended when a request is
 * refused. An app adds handlers of its own in an advice ordered before this one, which answers
 * what that one leaves.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    public record FieldProblem(String field, String reason) {
    }

    /** The object does not exist or the caller may not see it. */
    public static class NotFound extends RuntimeException {
        public NotFound(String kind, String id) {
            super(kind + " " + id + " not found");
        }
    }

    public static ProblemDetail problem(HttpStatusCode status, String code, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://coverledger.org/problems/" + code.toLowerCase().replace('_', '-')));
        problem.setProperty("code", code);
        return problem;
    }

    /**
     * The problem for a status the servlet container or Spring answered on its own, before or
     * outside any handler: its code from the status, its text from coverledger-problems.properties.
     */
    static ProblemDetail ofStatus(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        String code = codeOf(status);
        ProblemDetail problem = problem(HttpStatusCode.valueOf(status), code, ProblemTexts.english(code,
                known == null ? "The request could not be served." : known.getReasonPhrase() + "."));
        if (problem.getTitle() == null) {
            problem.setTitle("Error");
        }
        return problem;
    }

    /** The stable code of a status answered outside our handlers. */
    static String codeOf(int status) {
        HttpStatus known = HttpStatus.resolve(status);
        return status >= 500 ? "INTERNAL_ERROR" : status == 400 ? "MALFORMED_REQUEST"
                : known == null ? "HTTP_" + status : known.name();
    }

    public static ProblemDetail invalid(List<FieldProblem> errors) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED",
                "The request has " + errors.size() + " invalid field(s).");
        problem.setProperty("errors", errors);
        return problem;
    }

    /** Refuses the request with every problem found, if there is any. */
    public static void throwIfAny(List<FieldProblem> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidRequest(problems);
        }
    }

    /**
     * Request bodies are read as JSON trees and checked field by field, so what fails here is a
     * body that is not JSON at all.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof RequestLimits.BodyTooLarge tooLarge) {
                return ResponseEntity.status(HttpStatus.PAYLOAD_TOO_LARGE)
                        .body(problem(HttpStatus.PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "The " + tooLarge.getMessage() + "."));
            }
        }
        String detail = ex.getCause() instanceof JsonProcessingException ? "The body is not well-formed JSON."
                : "The body is missing or unreadable.";
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST", detail));
    }

    /** A missing parameter is a bad field like any other. */
    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException ex,
                                                                          HttpHeaders headers, HttpStatusCode status,
                                                                          WebRequest request) {
        return ResponseEntity.badRequest().body(invalid(List.of(new FieldProblem(ex.getParameterName(), "is required"))));
    }

    /** What Spring MVC answers itself (415, 406, 405, ...) gets our type and a stable code: the status's name. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        ResponseEntity<Object> entity = super.handleExceptionInternal(ex, body, headers, statusCode, request);
        if (entity != null && entity.getBody() instanceof ProblemDetail detail
                && (detail.getProperties() == null || !detail.getProperties().containsKey("code"))) {
            String code = codeOf(statusCode.value());
            if (statusCode.value() == 404) {
                // Spring's words name its static resources ("No static resource api/x."); ours name nothing
                detail.setDetail(ProblemTexts.english("NO_SUCH_ADDRESS", "There is nothing at this address."));
            }
            detail.setType(URI.create("https://coverledger.org/problems/" + code.toLowerCase().replace('_', '-')));
            detail.setProperty("code", code);
        }
        return entity;
    }

    @ExceptionHandler(InvalidRequest.class)
    public ResponseEntity<ProblemDetail> invalidRequest(InvalidRequest e) {
        return ResponseEntity.badRequest().body(invalid(e.problems()));
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    public ResponseEntity<ProblemDetail> mismatch(MethodArgumentTypeMismatchException e) {
        return invalidRequest(new InvalidRequest(List.of(new FieldProblem(e.getName(), "has the wrong format"))));
    }

    @ExceptionHandler(BusinessRuleViolation.class)
    public ResponseEntity<ProblemDetail> refused(BusinessRuleViolation e) {
        return ResponseEntity.unprocessableEntity().body(problem(HttpStatus.UNPROCESSABLE_ENTITY, e.code(), e.getMessage()));
    }

    @ExceptionHandler({UnknownObject.class, NotFound.class})
    public ResponseEntity<ProblemDetail> unknown(RuntimeException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem(HttpStatus.NOT_FOUND, "NOT_FOUND", e.getMessage()));
    }

    @ExceptionHandler(ActionNotPermitted.class)
    public ResponseEntity<ProblemDetail> forbidden(ActionNotPermitted e) {
        return ResponseEntity.status(HttpStatus.FORBIDDEN).body(problem(HttpStatus.FORBIDDEN, "FORBIDDEN", e.getMessage()));
    }

    @ExceptionHandler(TooManyRequests.class)
    public ResponseEntity<ProblemDetail> tooMany(TooManyRequests e) {
        rateLimited(e.code());
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header("Retry-After", String.valueOf(e.retryAfterSeconds()))
                .body(problem(HttpStatus.TOO_MANY_REQUESTS, e.code(), e.getMessage()));
    }

    /** Counts a request refused by a rate limit, by its code (README "Watching it"). */
    static void rateLimited(String code) {
        io.micrometer.core.instrument.Metrics.counter("coverledger.rate_limit.refusals", "code", code).increment();
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("Unexpected failure", e);
        return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                "The request could not be completed. Quote the X-Request-Id when reporting it."));
    }
}
