package org.coverledger.query.claim;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import jakarta.annotation.PreDestroy;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Followers of a claim's progress: each stream sends the progress at once, then looks at the
 * view every {@code poll} and sends it again when its last sequence moved. A stream ends after
 * {@code lifetime} (the client reconnects), and as soon as a send fails (the client went away).
 */
@Component
public class ClaimProgressStreams {

    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, runnable -> {
        Thread thread = new Thread(runnable, "claim-progress-streams");
        thread.setDaemon(true);
        return thread;
    });
    private final Duration poll;
    private final Duration lifetime;

    public ClaimProgressStreams(@Value("${coverledger.claims.progress-stream.poll:250ms}") Duration poll,
                                @Value("${coverledger.claims.progress-stream.lifetime:5m}") Duration lifetime) {
        this.poll = poll;
        this.lifetime = lifetime;
    }

    /** A stream of the progress {@code current} reads (once at once, then on each change of its last sequence). */
    public SseEmitter follow(String claimId, Supplier<ClaimProgress> current) {
        SseEmitter emitter = new SseEmitter(lifetime.toMillis());
        AtomicLong sent = new AtomicLong(Long.MIN_VALUE);
        AtomicReference<ScheduledFuture<?>> task = new AtomicReference<>();
        Runnable stop = () -> {
            ScheduledFuture<?> running = task.get();
            if (running != null) {
                running.cancel(false);
            }
        };
        emitter.onCompletion(stop);
        emitter.onTimeout(() -> {
            stop.run();
            emitter.complete();
        });
        emitter.onError(error -> stop.run());
        task.set(timer.scheduleWithFixedDelay(() -> {
            try {
                ClaimProgress progress = current.get();
                if (progress.lastSequence() != sent.get()) {
                    emitter.send(SseEmitter.event().name("progress").id(claimId + "@" + progress.lastSequence())
                            .data(progress, org.springframework.http.MediaType.APPLICATION_JSON));
                    sent.set(progress.lastSequence());
                }
            } catch (IOException | IllegalStateException gone) {
                stop.run(); // the client went away, or the stream ended
                emitter.completeWithError(gone);
            } catch (RuntimeException failed) { // the claim no longer readable (a rebuild under way)
                stop.run();
                emitter.complete();
            }
        }, 0, poll.toMillis(), TimeUnit.MILLISECONDS));
        return emitter;
    }

    @PreDestroy
    void stop() {
        timer.shutdownNow();
    }
}
