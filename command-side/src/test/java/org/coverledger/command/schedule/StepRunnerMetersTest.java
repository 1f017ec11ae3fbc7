package org.coverledger.command.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.axonframework.commandhandling.gateway.CommandGateway;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.common.BusinessCalendar;
import org.junit.jupiter.api.Test;

/** The runner's gauges: steps due by the business clock and not fired yet, and steps given up, on a real MongoDB. */
class StepRunnerMetersTest {

    private static final Instant DUE = Instant.parse("2027-01-01T16:00:00Z");

    @Test
    void the_gauges_count_steps_due_and_steps_given_up() {
        TimedSteps steps = new TimedSteps(TestMongo.freshDatabase());
        // every command fails: the store is down
        CommandGateway down = (CommandGateway) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CommandGateway.class}, (proxy, method, args) -> {
                    throw new IllegalStateException("the store is down");
                });
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        BusinessCalendar calendar = new BusinessCalendar(Clock.fixed(DUE.plusSeconds(60), BusinessCalendar.DEFAULT_ZONE),
                BusinessCalendar.DEFAULT_ZONE);
        StepRunner runner = new StepRunner(steps, down, calendar, meters, 50, 1, Duration.ofSeconds(60),
                Duration.ofSeconds(10), 1);
        steps.schedule(Timetable.POLICY_START, "pol-1", DUE);
        steps.schedule(Timetable.POLICY_START, "pol-2", DUE);
        steps.schedule(Timetable.POLICY_START, "pol-3", DUE.plus(Duration.ofDays(1)));

        runner.fireDueSteps(); // counts first, then fires the two due, which fail for good (one attempt allowed)
        assertThat(meters.get("coverledger.timed_steps.due").gauge().value()).isEqualTo(2);
        assertThat(meters.get("coverledger.timed_steps.failed").gauge().value()).isZero();

        runner.countSteps();
        assertThat(meters.get("coverledger.timed_steps.due").gauge().value()).isZero();
        assertThat(meters.get("coverledger.timed_steps.failed").gauge().value()).isEqualTo(2);
        assertThat(meters.get("coverledger.timed_steps.fired").tag("outcome", "failed").counter().count()).isEqualTo(2);
        runner.stop();
    }

    /** A backlog of more than a batch (an outage, a restore) fires in one poll, round after round, not a batch a poll. */
    @Test
    void a_backlog_of_several_batches_fires_in_one_poll() {
        TimedSteps steps = new TimedSteps(TestMongo.freshDatabase());
        java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
        CommandGateway up = (CommandGateway) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CommandGateway.class}, (proxy, method, args) -> {
                    sent.incrementAndGet();
                    return null; // every command succeeds
                });
        BusinessCalendar calendar = new BusinessCalendar(Clock.fixed(DUE.plusSeconds(60), BusinessCalendar.DEFAULT_ZONE),
                BusinessCalendar.DEFAULT_ZONE);
        StepRunner runner = new StepRunner(steps, up, calendar, new SimpleMeterRegistry(), 10, 2, Duration.ofSeconds(60),
                Duration.ofSeconds(10), 3);
        for (int i = 0; i < 35; i++) {
            steps.schedule(Timetable.POLICY_START, "pol-" + i, DUE);
        }
        steps.schedule(Timetable.POLICY_START, "pol-later", DUE.plus(Duration.ofDays(1)));

        runner.fireDueSteps();
        assertThat(sent.get()).isEqualTo(35);
        assertThat(steps.count(TimedSteps.State.DONE, null)).isEqualTo(35);
        assertThat(steps.count(TimedSteps.State.DUE, null)).isEqualTo(1); // not due yet
        runner.stop();
    }
}
