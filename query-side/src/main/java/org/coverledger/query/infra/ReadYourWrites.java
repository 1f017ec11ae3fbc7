package org.coverledger.query.infra;

import org.coverledger.platform.ProblemResponses;
import java.time.Duration;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.coverledger.eventstore.CommitLogTail;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.InvalidRequest;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Read your own writes: a query that carries {@code X-Min-Position} (or {@code ?minPosition=}),
 * the {@code X-Event-Position} a command answered with, is answered once the projections that
 * serve it have passed that position, waiting at most {@code coverledger.read-your-writes.max-wait}
 * (2 s). Past that it is answered with the view as it is and {@code X-Stale: true}. Either way
 * {@code X-Projection-Position} says how far those projections had got.
 */
@Component
public class ReadYourWrites implements HandlerInterceptor, WebMvcConfigurer {

    public static final String HEADER = "X-Min-Position";
    public static final String PARAMETER = "minPosition";

    private final ProjectionPositions positions;
    private final CommitLogTail tail;
    private final Duration maxWait;

    public ReadYourWrites(ProjectionPositions positions, CommitLogTail tail,
                          @Value("${coverledger.read-your-writes.max-wait}") Duration maxWait) {
        this.positions = positions;
        this.tail = tail;
        this.maxWait = maxWait;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this).addPathPatterns("/api/**").excludePathPatterns("/api/admin/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler)
            throws InterruptedException {
        if (request.getDispatcherType() == jakarta.servlet.DispatcherType.ASYNC) {
            // a stream's closing dispatch (SSE): its answer began long ago, after the one wait
            return true;
        }
        String wanted = request.getHeader(HEADER);
        String field = HEADER;
        if (wanted == null) {
            wanted = request.getParameter(PARAMETER);
            field = PARAMETER;
        }
        if (wanted == null) {
            return true;
        }
        long minimum = parse(wanted, field);
        await(projectionsServing(request.getRequestURI()), minimum, response);
        return true;
    }

    /**
     * Waits, at most {@code coverledger.read-your-writes.max-wait}, until the projections have passed
     * the position; says in {@code X-Projection-Position} how far they got and, if not far enough,
     * {@code X-Stale: true}.
     */
    public void await(List<String> projections, long minimum, HttpServletResponse response)
            throws InterruptedException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        if (tail.storedPosition() < minimum) {
            tail.lookNow(); // the position is written: no need to wait for the tail's next look
        }
        long reached = reached(projections);
        while (reached < minimum && System.nanoTime() < deadline) {
            Thread.sleep(2);
            reached = reached(projections);
        }
        response.setHeader("X-Projection-Position", Long.toString(reached));
        if (reached < minimum) {
            response.setHeader("X-Stale", "true");
        }
    }

    private static long parse(String value, String field) {
        if (value.isEmpty() || value.length() > 18 || !value.chars().allMatch(Character::isDigit)) {
            throw new InvalidRequest(List.of(new FieldProblem(field,
                    "must be a global event position: a whole number from 0, as in X-Event-Position")));
        }
        return Long.parseLong(value);
    }

    private long reached(List<String> projections) {
        long reached = Long.MAX_VALUE;
        for (String projection : projections) {
            reached = Math.min(reached, positions.passed(projection));
        }
        return reached;
    }

    /** The projections whose read models answer a path; all of them where a path is not one of theirs. */
    static List<String> projectionsServing(String path) {
        for (String projection : AxonConfiguration.PROJECTIONS) {
            if (path.startsWith("/api/" + projection)) {
                return List.of(projection);
            }
        }
        return AxonConfiguration.PROJECTIONS;
    }
}
