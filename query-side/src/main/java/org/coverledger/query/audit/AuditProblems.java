package org.coverledger.query.audit;

import org.coverledger.eventstore.CommitTree;
import org.coverledger.platform.ProblemResponses;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * What the audit endpoints answer when what is stored is not what was written: a 409 Problem with
 * a stable code that says what was found, never a 500 (tampering is what they exist to show).
 */
@RestControllerAdvice(basePackageClasses = AuditProblems.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
public class AuditProblems {

    /** A stored state the request cannot be answered from; {@code code} is stable. */
    public static class Conflict extends RuntimeException {
        private final String code;

        public Conflict(String code, String detail) {
            super(detail);
            this.code = code;
        }
    }

    @ExceptionHandler(CommitTree.Damaged.class)
    ResponseEntity<ProblemDetail> damaged(CommitTree.Damaged e) {
        return conflict("AUDIT_TREE_DAMAGED", e.getMessage());
    }

    @ExceptionHandler(AuditAccessLog.Damaged.class)
    ResponseEntity<ProblemDetail> accessDamaged(AuditAccessLog.Damaged e) {
        return conflict("AUDIT_ACCESS_DAMAGED", e.getMessage());
    }

    @ExceptionHandler(Conflict.class)
    ResponseEntity<ProblemDetail> conflict(Conflict e) {
        return conflict(e.code, e.getMessage());
    }

    private static ResponseEntity<ProblemDetail> conflict(String code, String detail) {
        return ResponseEntity.status(HttpStatus.CONFLICT).body(ProblemResponses.problem(HttpStatus.CONFLICT, code, detail));
    }
}
