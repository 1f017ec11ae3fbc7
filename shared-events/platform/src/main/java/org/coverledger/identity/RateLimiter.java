package org.coverledger.identity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts events per key (a client address, a login) in a sliding window, to answer 429 with a
 * Retry-After once a budget is spent. In memory, per instance: behind a load balancer each
 * instance enforces its own budget.
 */
public class RateLimiter {

    private final int limit;
    private final Duration window;
    private final Clock clock;
    private final Map<String, Deque<Instant>> events = new ConcurrentHashMap<>();

    public RateLimiter(int limit, Duration window, Clock clock) {
        this.limit = limit;
        this.window = window;
        this.clock = clock;
    }

    /** Seconds until the key may act again, or zero when it may act now. */
    public long retryAfterSeconds(String key) {
        Deque<Instant> seen = events.get(key);
        if (seen == null) {
            return 0;
        }
        synchronized (seen) {
            Instant now = clock.instant();
            prune(seen, now);
            if (seen.size() < limit) {
                return 0;
            }
            return Math.max(1, Duration.between(now, seen.peekFirst().plus(window)).toSeconds() + 1);
        }
    }

    /** Counts one event for the key. */
    public void record(String key) {
        Deque<Instant> seen = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (seen) {
            Instant now = clock.instant();
            prune(seen, now);
            seen.addLast(now);
        }
    }

    private void prune(Deque<Instant> seen, Instant now) {
        while (!seen.isEmpty() && !seen.peekFirst().isAfter(now.minus(window))) {
            seen.removeFirst();
        }
    }
}
