package org.coverledger.command.schedule;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** What the scheduler has to do and what it did: for administrators. */
@RestController
@RequestMapping("/api/admin/timed-steps")
@Tag(name = "Admin: timed steps", description = "Policy starts and ends, quote expiries: due, done, failed")
public class TimedStepsController {

    private final TimedSteps steps;

    public TimedStepsController(TimedSteps steps) {
        this.steps = steps;
    }

    @GetMapping
    @Operation(summary = "Timed steps, soonest first: filter by state (DUE, RUNNING, DONE, FAILED, CANCELLED), "
            + "by due time (dueBefore, an instant) or by target (a policy or quote id)")
    public Paging.Page<TimedSteps.Step> list(@RequestParam(required = false) String state,
                                            @RequestParam(required = false) String dueBefore,
                                            @RequestParam(required = false) String target,
                                            @RequestParam(required = false) Integer page,
                                            @RequestParam(required = false) Integer size) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        TimedSteps.State wanted = null;
        if (state != null) {
            wanted = Arrays.stream(TimedSteps.State.values()).filter(s -> s.name().equals(state)).findFirst().orElse(null);
            if (wanted == null) {
                problems.add(new FieldProblem("state", "must be one of " + Arrays.toString(TimedSteps.State.values())));
            }
        }
        Instant before = null;
        if (dueBefore != null) {
            try {
                before = Instant.parse(dueBefore);
            } catch (DateTimeParseException e) {
                problems.add(new FieldProblem("dueBefore", "must be an instant such as 2027-01-01T00:00:00Z"));
            }
        }
        if (target != null && (target.isBlank() || target.length() > 64)) {
            problems.add(new FieldProblem("target", "must be a policy or quote id"));
        }
        ProblemResponses.throwIfAny(problems);
        if (target != null) {
            List<TimedSteps.Step> all = steps.of(target);
            TimedSteps.State only = wanted;
            Instant until = before;
            List<TimedSteps.Step> matching = all.stream()
                    .filter(s -> only == null || s.state() == only)
                    .filter(s -> until == null || !s.dueAt().isAfter(until)).toList();
            List<TimedSteps.Step> shown = matching.stream().skip(paging.offset()).limit(paging.size()).toList();
            return new Paging.Page<>(shown, paging.page(), paging.size(), matching.size());
        }
        return new Paging.Page<>(steps.list(wanted, before, paging.offset(), paging.size()), paging.page(), paging.size(),
                steps.count(wanted, before));
    }
}
