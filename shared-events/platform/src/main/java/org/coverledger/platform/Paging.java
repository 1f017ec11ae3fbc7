package org.coverledger.platform;

import org.coverledger.platform.ProblemResponses;
import java.util.ArrayList;
import java.util.List;

import org.coverledger.platform.ProblemResponses.FieldProblem;

/** Page and size parameters, checked together with the other query parameters. */
public record Paging(int page, int size) {

    public static final int MAX_SIZE = 200;

    public static Paging of(Integer page, Integer size, List<FieldProblem> problems) {
        int p = page == null ? 0 : page;
        int s = size == null ? 20 : size;
        if (p < 0) {
            problems.add(new FieldProblem("page", "must be 0 or more"));
        }
        if (s < 1 || s > MAX_SIZE) {
            problems.add(new FieldProblem("size", "must be between 1 and " + MAX_SIZE));
        } else if (p >= 0 && (long) p * s > Integer.MAX_VALUE) {
            // MongoDB skips by a 32-bit count: a larger offset would wrap around to real items
            problems.add(new FieldProblem("page", "is too far: page × size must stay below " + Integer.MAX_VALUE));
        }
        return new Paging(p, s);
    }

    /** How many items come before this page (checked to fit MongoDB's 32-bit skip). */
    public int offset() {
        return Math.multiplyExact(page, size);
    }

    /**
     * A whole-number parameter from {@code min} to {@code max}, as sent (text); {@code min} and a
     * problem for the field when it is not one.
     */
    public static long number(String field, String value, long min, long max, List<FieldProblem> problems) {
        try {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.add(new FieldProblem(field, "must be a whole number from " + min + " to " + max));
        return min;
    }

    public static List<FieldProblem> problems() {
        return new ArrayList<>();
    }

    /** A page of results with the total count across all pages. */
    public record Page<T>(List<T> items, int page, int size, long total) {
    }
}
