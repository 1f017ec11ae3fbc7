package org.coverledger.command.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.coverledger.command.schedule.TimedSteps.State;
import org.coverledger.command.schedule.TimedSteps.Step;
import org.coverledger.command.support.TestMongo;
import org.junit.jupiter.api.Test;

/** The timed steps' store, on a real wire-protocol MongoDB: recorded once, held by one runner, taken over from a dead one. */
class TimedStepsTest {

    private static final Instant DUE = Instant.parse("2027-01-01T16:00:00Z");

    private final TimedSteps steps = new TimedSteps(TestMongo.freshDatabase());

    @Test
    void a_step_recorded_twice_is_one_step_and_is_takeable_once_its_time_has_come_by_the_business_clock() {
        steps.schedule("policy-start", "pol-1", DUE);
        steps.schedule("policy-start", "pol-1", DUE);
        Instant realNow = Instant.now();
        assertThat(steps.takeable(DUE.minusMillis(1), realNow, 10)).isEmpty();
        assertThat(steps.takeable(DUE, realNow, 10)).extracting(Step::target).containsExactly("pol-1");
        assertThat(steps.count(null, null)).isEqualTo(1);
    }

    @Test
    void of_many_runners_racing_for_a_step_exactly_one_holds_it() throws Exception {
        for (int round = 0; round < 20; round++) {
            String target = "pol-" + round;
            steps.schedule("policy-start", target, DUE);
            Step seen = steps.of(target).get(0);
            ExecutorService runners = Executors.newFixedThreadPool(8);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> tries = new ArrayList<>();
            for (int r = 0; r < 8; r++) {
                String runner = "runner-" + r;
                tries.add(runners.submit((Callable<Boolean>) () -> {
                    go.await();
                    return steps.claim(seen, runner, Instant.now().plusSeconds(60));
                }));
            }
            go.countDown();
            int won = 0;
            for (Future<Boolean> attempt : tries) {
                won += attempt.get() ? 1 : 0;
            }
            runners.shutdown();
            assertThat(won).as("round " + round).isEqualTo(1);
            assertThat(steps.of(target).get(0).state()).isEqualTo(State.RUNNING);
            assertThat(steps.of(target).get(0).attempts()).isEqualTo(1);
        }
    }

    @Test
    void a_step_whose_runner_died_is_taken_over_when_the_lease_runs_out_and_the_dead_runner_records_nothing() {
        steps.schedule("policy-end", "pol-1", DUE);
        Step due = steps.takeable(DUE, Instant.now(), 10).get(0);
        Instant leaseEnds = Instant.now().plusSeconds(30);
        assertThat(steps.claim(due, "a", leaseEnds)).isTrue();
        assertThat(steps.takeable(DUE, Instant.now(), 10)).as("held").isEmpty();

        List<Step> orphaned = steps.takeable(DUE, leaseEnds, 10);
        assertThat(orphaned).extracting(Step::claimedBy).containsExactly("a");
        assertThat(steps.claim(orphaned.get(0), "b", leaseEnds.plusSeconds(60))).isTrue();
        assertThat(steps.claim(orphaned.get(0), "c", leaseEnds.plusSeconds(60))).as("taken already").isFalse();

        steps.done(due.id(), "a", DUE); // the old runner wakes up: ignored
        assertThat(steps.of("pol-1").get(0).state()).isEqualTo(State.RUNNING);
        steps.done(due.id(), "b", DUE);
        Step done = steps.of("pol-1").get(0);
        assertThat(done.state()).isEqualTo(State.DONE);
        assertThat(done.attempts()).isEqualTo(2);
        assertThat(steps.takeable(DUE.plus(Duration.ofDays(1)), leaseEnds.plusSeconds(600), 10)).isEmpty();
    }

    @Test
    void a_failed_step_is_due_again_later_and_left_failed_when_the_runner_gives_up() {
        steps.schedule("quote-expiry", "q-1", DUE);
        Step due = steps.takeable(DUE, Instant.now(), 10).get(0);
        assertThat(steps.claim(due, "a", Instant.now().plusSeconds(60))).isTrue();
        steps.failed(due.id(), "a", "ConcurrencyException", DUE.plusSeconds(10));
        Step again = steps.of("q-1").get(0);
        assertThat(again.state()).isEqualTo(State.DUE);
        assertThat(again.dueAt()).isEqualTo(DUE.plusSeconds(10));
        assertThat(again.lastError()).isEqualTo("ConcurrencyException");
        assertThat(again.scheduledFor()).as("the moment the step is for stays").isEqualTo(DUE);
        assertThat(steps.takeable(DUE.plusSeconds(9), Instant.now(), 10)).isEmpty();

        Step retried = steps.takeable(DUE.plusSeconds(10), Instant.now(), 10).get(0);
        assertThat(steps.claim(retried, "b", Instant.now().plusSeconds(60))).isTrue();
        steps.failed(retried.id(), "b", "STEP_NOT_DUE", null);
        assertThat(steps.of("q-1").get(0).state()).isEqualTo(State.FAILED);
        assertThat(steps.list(State.FAILED, null, 0, 10)).extracting(Step::target).containsExactly("q-1");
        assertThat(steps.takeable(DUE.plus(Duration.ofDays(9)), Instant.now().plusSeconds(600), 10)).isEmpty();
    }

    @Test
    void a_cancelled_step_never_fires() {
        steps.schedule("quote-expiry", "q-1", DUE);
        steps.schedule("quote-expiry", "q-2", DUE);
        steps.cancel("quote-expiry", "q-1");
        assertThat(steps.takeable(DUE, Instant.now(), 10)).extracting(Step::target).containsExactly("q-2");
        assertThat(steps.of("q-1").get(0).state()).isEqualTo(State.CANCELLED);
        assertThat(steps.list(null, DUE, 0, 10)).hasSize(2);
        assertThat(steps.list(null, DUE.minusSeconds(1), 0, 10)).isEmpty();
    }

    @Test
    void a_renewal_handled_again_cancels_only_the_old_terms_steps() {
        org.coverledger.events.common.BusinessCalendar calendar = new org.coverledger.events.common.BusinessCalendar(
                java.time.Clock.systemUTC(), org.coverledger.events.common.BusinessCalendar.DEFAULT_ZONE);
        Timetable timetable = new Timetable(steps, calendar);
        java.time.LocalDate start = java.time.LocalDate.parse("2026-04-09");
        timetable.on(new org.coverledger.events.policy.PolicyApi.PolicyIssued("pol-1", "PN1", "acc-1", "alice",
                org.coverledger.events.policy.Product.PROPERTY, org.coverledger.events.common.Money.cny("500000.00"),
                org.coverledger.events.common.Money.cny("500.00"), start, start.plusMonths(12).minusDays(1),
                org.coverledger.events.policy.QuoteApi.PaymentPlan.ANNUAL, "q-1", "2026-11",
                org.coverledger.events.common.Money.cny("500.00"), "SIM-1", null));
        org.coverledger.events.policy.PolicyApi.PolicyRenewed renewed = new org.coverledger.events.policy.PolicyApi
                .PolicyRenewed("pol-1", "acc-1", 2, start.plusMonths(12), start.plusMonths(24).minusDays(1),
                org.coverledger.events.common.Money.cny("520.00"), org.coverledger.events.policy.QuoteApi.PaymentPlan.ANNUAL,
                org.coverledger.events.common.Money.cny("520.00"), "k", "r", null, false, Instant.now());
        timetable.on(renewed);
        timetable.on(renewed); // redelivered
        List<Step> all = steps.of("pol-1");
        assertThat(all.stream().filter(s -> s.state() == State.DUE).map(s -> s.kind() + "@" + s.dueAt()).toList())
                .containsExactlyInAnyOrder("policy-start@" + calendar.startOf(start),
                        "renewal-notice@" + calendar.startOf(start.plusMonths(24).minusDays(31)),
                        "auto-renewal@" + calendar.startOf(start.plusMonths(24).minusDays(1)),
                        "policy-end@" + calendar.startOf(start.plusMonths(24)));
        assertThat(all.stream().filter(s -> s.state() == State.CANCELLED).map(Step::kind).toList())
                .containsExactlyInAnyOrder("renewal-notice", "auto-renewal", "policy-end");
    }
}
