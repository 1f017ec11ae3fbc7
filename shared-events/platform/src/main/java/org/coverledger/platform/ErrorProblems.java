package org.coverledger.platform;

import java.util.Set;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the servlet container answers on its own (a malformed request, a body refused before it
 * reached a controller, an error in a filter) is Problem Details too, with a stable code, in
 * place of Spring Boot's own error document.
 */
@RestController
public class ErrorProblems implements ErrorController {

    private static final Logger log = LoggerFactory.getLogger(ErrorProblems.class);
    private static final Set<HttpStatus> EXPLAINED = Set.of(HttpStatus.BAD_REQUEST, HttpStatus.NOT_FOUND,
            HttpStatus.METHOD_NOT_ALLOWED, HttpStatus.NOT_ACCEPTABLE, HttpStatus.PAYLOAD_TOO_LARGE,
            HttpStatus.UNSUPPORTED_MEDIA_TYPE, HttpStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, HttpStatus.URI_TOO_LONG);

    @RequestMapping(value = "/error", produces = {MediaType.APPLICATION_PROBLEM_JSON_VALUE, MediaType.ALL_VALUE})
    public ResponseEntity<ProblemDetail> error(HttpServletRequest request, HttpServletResponse response) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer value && HttpStatus.resolve(value) != null
                ? HttpStatus.valueOf(value) : HttpStatus.INTERNAL_SERVER_ERROR;
        Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        String detail;
        if (status.is5xxServerError()) {
            log.error("Unexpected failure before any controller", failure instanceof Throwable t ? t : null);
            detail = "The request could not be completed. Quote the X-Request-Id when reporting it.";
        } else if (EXPLAINED.contains(status)) {
            detail = switch (status) {
                case NOT_FOUND -> "There is nothing at this address.";
                case METHOD_NOT_ALLOWED -> "This address does not take this method.";
                case PAYLOAD_TOO_LARGE -> "The request body is larger than this address accepts.";
                case UNSUPPORTED_MEDIA_TYPE -> "The body's Content-Type is not one this address reads.";
                case NOT_ACCEPTABLE -> "No representation matches the Accept header.";
                case REQUEST_HEADER_FIELDS_TOO_LARGE, URI_TOO_LONG -> "The request line or its headers are too large.";
                default -> "The request is malformed.";
            };
        } else {
            detail = status.getReasonPhrase() + ".";
        }
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemResponses.problem(status, status.name(), detail));
    }
}
