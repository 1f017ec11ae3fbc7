package org.coverledger.command.schedule;

import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.axonframework.commandhandling.GenericCommandMessage;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.axonframework.messaging.MetaData;
import org.coverledger.events.common.BusinessRuleViolation;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.policy.PolicyApi.EndCover;
import org.coverledger.events.policy.PolicyApi.RemindRenewal;
import org.coverledger.events.policy.PolicyApi.RenewAutomatically;
import org.coverledger.events.policy.PolicyApi.CollectInstalment;
import org.coverledger.events.policy.PolicyApi.EndGrace;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.policy.PolicyApi.StartCover;
import org.coverledger.events.policy.QuoteApi.ExpireQuote;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Fires the timed steps whose time has come by the business clock (the injected {@link Clock},
 * so that a moved clock moves them): each step is claimed for this instance (one of several
 * instances wins it), its command is sent as the system, and the outcome recorded. A step that
 * fails is tried again after a pause that grows with each attempt, and after
 * {@code coverledger.timed-steps.max-attempts} it is left FAILED for an administrator
 * ({@code GET /api/admin/timed-steps?state=FAILED}) with a log line. Steps missed while no
 * instance ran are all due when one starts, so the runner catches up by itself.
 *
 * <p>Why not a library: JobRunr, Quartz and db-scheduler tell time by the system clock (JobRunr
 * calls {@code Instant.now()} throughout; db-scheduler takes a clock but stores its jobs over
 * JDBC only, and Quartz's MongoDB job store is a third party's, unmaintained), so none of them
 * fires a step when the business clock is moved; what remains, a compare-and-set claim with a
 * lease on one document, is a few lines over the MongoDB driver.
 */
@Component
public class StepRunner {

    private static final Logger log = LoggerFactory.getLogger(StepRunner.class);

    private final TimedSteps steps;
    private final BusinessCalendar calendar;
    private final CommandGateway gateway;
    private final Clock business;
    private final Clock real = Clock.systemUTC();
    private final MeterRegistry meters;
    private final String runner;
    /** How long one poll keeps taking rounds while each finds a full batch. */
    static final java.time.Duration DRAIN_FOR = java.time.Duration.ofSeconds(10);
    private final int batch;
    private final int maxAttempts;
    private final Duration lease;
    private final Duration retryAfter;
    /** Claimed steps fire on a few threads at once: each is a command that waits on the store. */
    private final java.util.concurrent.ExecutorService firing;
    /** Steps due by the business clock and not fired yet, and those left FAILED: counted now and then, not per scrape. */
    private final java.util.concurrent.atomic.AtomicLong due = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong failed = new java.util.concurrent.atomic.AtomicLong();
    private long countedAt = Long.MIN_VALUE;
    private static final long COUNT_EVERY_NANOS = 15_000_000_000L;

    public StepRunner(TimedSteps steps, CommandGateway gateway, BusinessCalendar calendar, MeterRegistry meters,
                      @Value("${coverledger.timed-steps.batch:50}") int batch,
                      @Value("${coverledger.timed-steps.max-attempts:10}") int maxAttempts,
                      @Value("${coverledger.timed-steps.lease:60s}") Duration lease,
                      @Value("${coverledger.timed-steps.retry-after:10s}") Duration retryAfter,
                      @Value("${coverledger.timed-steps.threads:4}") int threads) {
        this.steps = steps;
        this.gateway = gateway;
        this.business = calendar.clock();
        this.calendar = calendar;
        this.meters = meters;
        this.runner = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
        this.batch = batch;
        this.maxAttempts = maxAttempts;
        this.lease = lease;
        this.retryAfter = retryAfter;
        io.micrometer.core.instrument.Gauge.builder("coverledger.timed_steps.due", due, java.util.concurrent.atomic.AtomicLong::get)
                .description("Timed steps due by the business clock and not fired yet (counted every 15 s)")
                .register(meters);
        io.micrometer.core.instrument.Gauge.builder("coverledger.timed_steps.failed", failed,
                        java.util.concurrent.atomic.AtomicLong::get)
                .description("Timed steps given up and left FAILED for an administrator (counted every 15 s)")
                .register(meters);
        this.firing = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, threads), runnable -> {
            Thread thread = new Thread(runnable, "timed-step");
            thread.setDaemon(true);
            return thread;
        });
    }

    @jakarta.annotation.PreDestroy
    void stop() {
        firing.shutdownNow();
    }

    /**
     * Rounds of steps that are due now, each up to a batch, claimed here and fired on the pool; a
     * round ends when they have. A round that found a full batch is followed by the next at once,
     * for up to {@link #DRAIN_FOR}: a backlog (after an outage, a restore, or a store that holds
     * years of history) drains as fast as the commands go, not one batch per poll interval.
     */
    @Scheduled(fixedDelayString = "${coverledger.timed-steps.poll-interval:1s}")
    public void fireDueSteps() {
        long now = System.nanoTime();
        if (countedAt == Long.MIN_VALUE || now - countedAt > COUNT_EVERY_NANOS) {
            countedAt = now;
            countSteps();
        }
        while (round() >= batch && System.nanoTime() - now < DRAIN_FOR.toNanos()
                && !Thread.currentThread().isInterrupted()) {
            // a full batch: more are due
        }
    }

    /** One round; how many takeable steps it found. */
    private int round() {
        java.util.List<TimedSteps.Step> takeable = steps.takeable(business.instant(), real.instant(), batch);
        java.util.List<java.util.concurrent.Future<?>> fired = new java.util.ArrayList<>();
        for (TimedSteps.Step step : takeable) {
            if (steps.claim(step, runner, real.instant().plus(lease))) {
                fired.add(firing.submit(() -> fire(step, step.attempts() + 1)));
            }
        }
        for (java.util.concurrent.Future<?> step : fired) {
            try {
                step.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            } catch (java.util.concurrent.ExecutionException e) {
                log.error("A timed step's runner failed", e.getCause()); // fire() records its own failures
            }
        }
        return takeable.size();
    }

    /** Counts the steps due and those left FAILED, for the gauges. */
    void countSteps() {
        due.set(steps.count(TimedSteps.State.DUE, business.instant()));
        failed.set(steps.count(TimedSteps.State.FAILED, null));
    }

    private void fire(TimedSteps.Step step, int attempt) {
        try {
            gateway.sendAndWait(GenericCommandMessage.asCommandMessage(command(step))
                    .andMetaData(MetaData.with(CommandMetadata.ACTOR, CommandMetadata.SYSTEM_ACTOR)
                            .and(CommandMetadata.ROLES, "")
                            .and(CommandMetadata.REQUEST_ID, "step-" + step.id())));
            steps.done(step.id(), runner, business.instant());
            meters.counter("coverledger.timed_steps.fired", "kind", step.kind(), "outcome", "done").increment();
        } catch (RuntimeException e) {
            String error = e instanceof BusinessRuleViolation refused ? refused.code() : e.getClass().getSimpleName();
            boolean giveUp = attempt >= maxAttempts;
            steps.failed(step.id(), runner, error, giveUp ? null : business.instant().plus(retryAfter.multipliedBy(attempt)));
            meters.counter("coverledger.timed_steps.fired", "kind", step.kind(), "outcome", giveUp ? "failed" : "retry")
                    .increment();
            if (giveUp) {
                log.error("Timed step {} failed {} times, the last with {}; it is left FAILED", step.id(), attempt, error);
            } else {
                log.warn("Timed step {} failed with {} (attempt {}); it is tried again later", step.id(), error, attempt);
            }
        }
    }

    Object command(TimedSteps.Step step) {
        // the day the step is for, not the day a retry of it comes round
        java.time.LocalDate day = java.time.LocalDate.ofInstant(step.scheduledFor(), calendar.zone());
        return switch (step.kind()) {
            case Timetable.POLICY_START -> new StartCover(step.target());
            case Timetable.POLICY_END -> new EndCover(step.target(), day);
            case Timetable.RENEWAL_NOTICE -> new RemindRenewal(step.target());
            case Timetable.AUTO_RENEWAL -> new RenewAutomatically(step.target());
            case Timetable.INSTALMENT_DUE -> new CollectInstalment(step.target(), day);
            case Timetable.GRACE_END -> new EndGrace(step.target(), day);
            case Timetable.QUOTE_EXPIRY -> new ExpireQuote(step.target());
            case Timetable.MATERIALS_REMINDER -> new org.coverledger.events.claim.ClaimApi.RemindMaterials(step.target(),
                    day.plusDays(Timetable.REMINDER_DAYS_BEFORE));
            case Timetable.MATERIALS_DUE -> new org.coverledger.events.claim.ClaimApi.CloseForMissingMaterials(
                    step.target(), day.minusDays(1));
            case Timetable.CLAIM_PAYOUT -> new org.coverledger.events.claim.ClaimApi.PayClaim(step.target());
            default -> throw new IllegalStateException("no such kind of step: " + step.kind());
        };
    }
}
