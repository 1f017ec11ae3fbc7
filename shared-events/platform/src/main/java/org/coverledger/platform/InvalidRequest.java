package org.coverledger.platform;

import java.util.List;

import org.coverledger.platform.ProblemResponses.FieldProblem;

/** A request with bad fields, refused before any command is sent. */
public class InvalidRequest extends RuntimeException {

    private final List<FieldProblem> problems;

    public InvalidRequest(List<FieldProblem> problems) {
        super("invalid request: " + problems);
        this.problems = List.copyOf(problems);
    }

    public List<FieldProblem> problems() {
        return problems;
    }
}
