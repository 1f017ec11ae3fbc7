package org.coverledger.query.claim;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

import org.coverledger.events.common.BusinessCalendar;

/**
 * Staff act first on a claim within {@code workingDays} working days (Monday to Friday, in
 * business time) of its submission: a claim submitted on Friday at 10:00 with 3 days is due by
 * Wednesday 10:00; one submitted at the weekend counts from Monday 00:00. Public holidays are not
 * known here.
 */
public record FirstActionSla(int workingDays, BusinessCalendar calendar) {

    public FirstActionSla {
        if (workingDays < 1) {
            throw new IllegalArgumentException("coverledger.claims.first-action-working-days must be 1 or more");
        }
    }

    /** When the first action is due for a claim submitted at the instant. */
    public Instant deadline(Instant submittedAt) {
        ZonedDateTime at = submittedAt.atZone(calendar.zone());
        if (weekend(at)) {
            while (weekend(at)) {
                at = at.plusDays(1);
            }
            at = at.truncatedTo(ChronoUnit.DAYS);
        }
        for (int counted = 0; counted < workingDays; ) {
            at = at.plusDays(1);
            if (!weekend(at)) {
                counted++;
            }
        }
        return at.toInstant();
    }

    /** Whether the first action came (or, not come yet, is) later than due. */
    public boolean breached(Instant submittedAt, Instant firstActionAt) {
        Instant due = deadline(submittedAt);
        return (firstActionAt == null ? calendar.now() : firstActionAt).isAfter(due);
    }

    private static boolean weekend(ZonedDateTime at) {
        return at.getDayOfWeek() == DayOfWeek.SATURDAY || at.getDayOfWeek() == DayOfWeek.SUNDAY;
    }
}
