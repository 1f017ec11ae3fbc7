package org.coverledger.events.common;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/**
 * Business time: the insurer's zone (Asia/Shanghai by default) read from an injected clock,
 * so that tests can move time and "effective from 00:00 tomorrow" means the insurer's midnight.
 */
public record BusinessCalendar(Clock clock, ZoneId zone) {

    public static final ZoneId DEFAULT_ZONE = ZoneId.of("Asia/Shanghai");

    public Instant now() {
        return clock.instant();
    }

    public LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), zone);
    }

    /** 00:00 of the day, in business time: when cover starts, or the day after its last, when it ends. */
    public Instant startOf(LocalDate day) {
        return day.atStartOfDay(zone).toInstant();
    }

    /** 00:00 of the next business day: when a reviewed policy change takes effect. */
    public ZonedDateTime startOfNextDay() {
        return today().plusDays(1).atStartOfDay(zone);
    }
}
