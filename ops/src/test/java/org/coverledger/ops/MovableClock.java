package org.coverledger.ops;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/** A clock both apps tell time by, moved by the test: real time plus an offset. */
final class MovableClock extends Clock {

    static final ZoneId BUSINESS_ZONE = ZoneId.of("Asia/Shanghai");

    private final AtomicReference<Duration> offset;

    MovableClock() {
        this(Duration.ZERO);
    }

    MovableClock(Duration offset) {
        this.offset = new AtomicReference<>(offset);
    }

    void advance(Duration by) {
        offset.updateAndGet(current -> current.plus(by));
    }

    /** Moves the clock to {@code instant}, from where it goes on at the pace of real time. */
    void moveTo(Instant instant) {
        offset.set(Duration.between(Instant.now(), instant));
    }

    /** The business day this clock says it is. */
    LocalDate today() {
        return LocalDate.ofInstant(instant(), BUSINESS_ZONE);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset.get());
    }
}
