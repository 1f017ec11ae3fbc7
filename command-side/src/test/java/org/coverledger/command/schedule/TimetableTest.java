package org.coverledger.command.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;

import org.coverledger.command.schedule.TimedSteps.State;
import org.coverledger.command.schedule.TimedSteps.Step;
import org.coverledger.command.support.TestMongo;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.Product;
import org.coverledger.events.policy.PolicyApi.InstalmentMissed;
import org.coverledger.events.policy.PolicyApi.InstalmentPaid;
import org.coverledger.events.policy.PolicyApi.PolicyExpired;
import org.coverledger.events.policy.PolicyApi.PolicyIssued;
import org.coverledger.events.policy.PolicyApi.PolicyStarted;
import org.coverledger.events.policy.PolicyApi.RenewalNoticeSent;
import org.coverledger.events.policy.QuoteApi.PaymentPlan;
import org.junit.jupiter.api.Test;

/**
 * The timetable over a policy's history as a store holds it with its outcomes (imported, restored,
 * or a seeded book): every step whose outcome is recorded is done without firing, what an ended
 * policy still had due is cancelled, and handling the history again changes nothing.
 */
class TimetableTest {

    private static final BusinessCalendar CALENDAR = new BusinessCalendar(Clock.systemUTC(), BusinessCalendar.DEFAULT_ZONE);
    private static final LocalDate START = LocalDate.parse("2025-01-10");
    private static final LocalDate END = LocalDate.parse("2025-12-31");
    private static final Instant AT = Instant.parse("2025-06-01T02:00:00Z");

    private final TimedSteps steps = new TimedSteps(TestMongo.freshDatabase());
    private final Timetable timetable = new Timetable(steps, CALENDAR);

    private void history() {
        timetable.on(new PolicyIssued("pol-1", "PN1", "acc-1", "alice", Product.HEALTH, Money.cny("100000.00"),
                Money.cny("1200.00"), START, END, PaymentPlan.MONTHLY, "q-1", "v1", Money.cny("100.00"), "ref-1", null));
        timetable.on(new PolicyStarted("pol-1", "acc-1", START, AT), AT);
        timetable.on(new InstalmentPaid("pol-1", "acc-1", 2, START.plusMonths(1), Money.cny("100.00"), "key", "ref",
                START.plusMonths(2), AT), AT);
        timetable.on(new InstalmentMissed("pol-1", "acc-1", 3, START.plusMonths(2), Money.cny("100.00"), "DECLINED",
                START.plusMonths(2).plusDays(30), AT), AT);
        timetable.on(new RenewalNoticeSent("pol-1", "acc-1", 1, END, AT), AT);
        timetable.on(new PolicyExpired("pol-1", "acc-1", END, AT), AT);
    }

    private Map<String, String> states() {
        Map<String, String> states = new TreeMap<>();
        for (Step step : steps.of("pol-1")) {
            states.put(step.kind() + " " + LocalDate.ofInstant(step.scheduledFor(), CALENDAR.zone()), step.state().name());
        }
        return states;
    }

    @Test
    void a_history_with_its_outcomes_leaves_no_step_to_fire_and_handled_again_changes_nothing() {
        history();
        Map<String, String> expected = new TreeMap<>(Map.of(
                "policy-start 2025-01-10", "DONE",
                "instalment-due 2025-02-10", "DONE",
                "instalment-due 2025-03-10", "DONE",
                "grace-end 2025-04-10", "CANCELLED",
                "renewal-notice 2025-12-01", "DONE",
                "auto-renewal 2025-12-31", "CANCELLED",
                "policy-end 2026-01-01", "DONE"));
        assertThat(states()).isEqualTo(expected);
        assertThat(steps.count(State.DUE, null)).isZero();
        assertThat(steps.of("pol-1")).filteredOn(step -> step.state() == State.DONE)
                .allSatisfy(step -> assertThat(step.doneAt()).isEqualTo(AT))
                .allSatisfy(step -> assertThat(step.claimedBy()).isNull());

        history();
        assertThat(states()).isEqualTo(expected);
    }

    @Test
    void a_step_a_runner_holds_is_left_to_the_runner_when_its_outcome_arrives() {
        timetable.on(new PolicyIssued("pol-1", "PN1", "acc-1", "alice", Product.HEALTH, Money.cny("100000.00"),
                Money.cny("1200.00"), START, END, PaymentPlan.ANNUAL, "q-1", "v1", Money.cny("1200.00"), "ref-1", null));
        Step start = steps.of("pol-1").stream().filter(step -> step.kind().equals(Timetable.POLICY_START)).findFirst()
                .orElseThrow();
        assertThat(steps.claim(start, "runner-a", Instant.now().plusSeconds(60))).isTrue();

        timetable.on(new PolicyStarted("pol-1", "acc-1", START, AT), AT); // the outcome of the runner's own command

        assertThat(steps.of("pol-1")).filteredOn(step -> step.id().equals(start.id()))
                .singleElement().satisfies(step -> assertThat(step.state()).isEqualTo(State.RUNNING));
        steps.done(start.id(), "runner-a", AT);
        assertThat(steps.of("pol-1")).filteredOn(step -> step.id().equals(start.id()))
                .singleElement().satisfies(step -> assertThat(step.claimedBy()).isEqualTo("runner-a"));
    }
}
