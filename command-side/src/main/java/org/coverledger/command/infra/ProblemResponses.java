package org.coverledger.command.infra;

import java.net.URI;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.coverledger.command.account.AccountRegistration;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.UnknownObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.lang.Nullable;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error is an RFC 9457 Problem Details document with a stable {@code code}; validation
 * failures list one entry per bad field. Nothing is appended when a request is refused.
 */
@RestControllerAdvice
public class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    public record FieldProblem(String field, String reason) {
    }

    public static ProblemDetail problem(HttpStatus status, String code, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://coverledger.org/problems/" + code.toLowerCase().replace('_', '-')));
        problem.setProperty("code", code);
        return problem;
    }

    public static ProblemDetail invalid(List<FieldProblem> errors) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "VALIDATION_FAILED",
                "The request has " + errors.size() + " invalid field(s).");
        problem.setProperty("errors", errors);
        return problem;
    }

    /**
     * Request bodies are read as JSON trees and checked field by field ({@link RequestValidation}),
     * so what fails here is a body that is not JSON at all.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        String detail = ex.getCause() instanceof JsonProcessingException ? "The body is not well-formed JSON."
                : "The body is missing or unreadable.";
        return ResponseEntity.badRequest().body(problem(HttpStatus.BAD_REQUEST, "MALFORMED_REQUEST", detail));
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        if (body instanceof ProblemDetail detail && detail.getProperties() == null) {
            HttpStatus status = HttpStatus.resolve(statusCode.value());
            detail.setProperty("code", status == null ? "HTTP_" + statusCode.value() : status.name());
        }
        return super.handleExceptionInternal(ex, body, headers, statusCode, request);
    }

    @ExceptionHandler(InvalidRequest.class)
    public ResponseEntity<ProblemDetail> invalidRequest(InvalidRequest e) {
        return ResponseEntity.badRequest().body(invalid(e.problems()));
    }

    @ExceptionHandler(AccountRegistration.AlreadyRegistered.class)
    public ResponseEntity<ProblemDetail> alreadyRegistered(AccountRegistration.AlreadyRegistered e) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, e.code(), e.getMessage());
        problem.setProperty("errors", List.of(new FieldProblem(e.field(), "is registered to another account")));
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }

    @ExceptionHandler(BusinessRuleViolation.class)
    public ResponseEntity<ProblemDetail> refused(BusinessRuleViolation e) {
        return ResponseEntity.unprocessableEntity().body(problem(HttpStatus.UNPROCESSABLE_ENTITY, e.code(), e.getMessage()));
    }

    @ExceptionHandler({UnknownObject.class, AggregateNotFoundException.class})
    public ResponseEntity<ProblemDetail> unknown(RuntimeException e) {
        String detail = e instanceof UnknownObject ? e.getMessage() : "No such object.";
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem(HttpStatus.NOT_FOUND, "NOT_FOUND", detail));
    }

    @ExceptionHandler(ActionNotPermitted.class)
    public ResponseEntity<ProblemDetail> forbidden(ActionNotPermitted e) {
        return ResponseEntity.status(HttpStatus.FORBIDDEN).body(problem(HttpStatus.FORBIDDEN, "FORBIDDEN", e.getMessage()));
    }

    @ExceptionHandler(ConcurrencyException.class)
    public ResponseEntity<ProblemDetail> conflict(ConcurrencyException e) {
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem(HttpStatus.CONFLICT, "CONCURRENT_MODIFICATION",
                "Another change to the same object was accepted first; reload and retry."));
    }

    @ExceptionHandler(TooManyRequests.class)
    public ResponseEntity<ProblemDetail> tooMany(TooManyRequests e) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header("Retry-After", String.valueOf(e.retryAfterSeconds()))
                .body(problem(HttpStatus.TOO_MANY_REQUESTS, e.code(), e.getMessage()));
    }

    @ExceptionHandler(CommandExecutionException.class)
    public ResponseEntity<ProblemDetail> commandFailed(CommandExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof BusinessRuleViolation v) {
            return refused(v);
        }
        if (cause instanceof UnknownObject || cause instanceof AggregateNotFoundException) {
            return unknown((RuntimeException) cause);
        }
        if (cause instanceof ActionNotPermitted a) {
            return forbidden(a);
        }
        if (cause instanceof ConcurrencyException c) {
            return conflict(c);
        }
        if (cause instanceof TooManyRequests t) {
            return tooMany(t);
        }
        if (cause instanceof AccountRegistration.AlreadyRegistered a) {
            return alreadyRegistered(a);
        }
        return unexpected(e);
    }

    @ExceptionHandler(Exception.class)
    public ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("Unexpected failure", e);
        return ResponseEntity.internalServerError().body(problem(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR",
                "The request could not be completed. Quote the X-Request-Id when reporting it."));
    }
}
