package org.coverledger.command.infra;

import static org.coverledger.platform.ProblemResponses.problem;

import java.util.List;

import org.axonframework.commandhandling.CommandExecutionException;
import org.axonframework.eventsourcing.IncompatibleAggregateException;
import org.axonframework.modelling.command.AggregateNotFoundException;
import org.axonframework.modelling.command.ConcurrencyException;
import org.coverledger.command.account.AccountRegistration;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.UnknownObject;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.TooManyRequests;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * What the command side answers beyond the platform's {@link ProblemResponses}: Axon's own
 * failures, and a command's failure unwrapped to the refusal that caused it.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CommandProblems {

    private final ProblemResponses problems;

    public CommandProblems(ProblemResponses problems) {
        this.problems = problems;
    }

    @ExceptionHandler(AccountRegistration.AlreadyRegistered.class)
    public ResponseEntity<ProblemDetail> alreadyRegistered(AccountRegistration.AlreadyRegistered e) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, e.code(), e.getMessage());
        problem.setProperty("errors", List.of(new FieldProblem(e.field(), "is registered to another account")));
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem);
    }

    /** No such aggregate, or an id of another kind of aggregate (an account's id where a policy's belongs). */
    @ExceptionHandler({AggregateNotFoundException.class, IncompatibleAggregateException.class})
    public ResponseEntity<ProblemDetail> noSuchObject(RuntimeException e) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND).body(problem(HttpStatus.NOT_FOUND, "NOT_FOUND",
                "No such object."));
    }

    /** Lost a race for an aggregate: another change came first (or two commands waited on each other). */
    @ExceptionHandler({ConcurrencyException.class, org.axonframework.common.lock.LockAcquisitionFailedException.class})
    public ResponseEntity<ProblemDetail> conflict(RuntimeException e) {
        return ResponseEntity.status(HttpStatus.CONFLICT).body(problem(HttpStatus.CONFLICT, "CONCURRENT_MODIFICATION",
                "Another change to the same object was accepted first; reload and retry."));
    }

    @ExceptionHandler(CommandExecutionException.class)
    public ResponseEntity<ProblemDetail> commandFailed(CommandExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof BusinessRuleViolation v) {
            return problems.refused(v);
        }
        if (cause instanceof UnknownObject u) {
            return problems.unknown(u);
        }
        if (cause instanceof AggregateNotFoundException || cause instanceof IncompatibleAggregateException) {
            return noSuchObject((RuntimeException) cause);
        }
        if (cause instanceof ActionNotPermitted a) {
            return problems.forbidden(a);
        }
        if (cause instanceof ConcurrencyException || cause instanceof org.axonframework.common.lock.LockAcquisitionFailedException) {
            return conflict((RuntimeException) cause);
        }
        if (cause instanceof TooManyRequests t) {
            return problems.tooMany(t);
        }
        if (cause instanceof AccountRegistration.AlreadyRegistered a) {
            return alreadyRegistered(a);
        }
        return problems.unexpected(e);
    }
}
