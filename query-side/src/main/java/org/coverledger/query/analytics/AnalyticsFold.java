package org.coverledger.query.analytics;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.HdrHistogram.Histogram;
import org.axonframework.eventhandling.DomainEventMessage;
import org.bson.Document;
import org.coverledger.events.claim.ClaimApi;
import org.coverledger.events.common.CommandMetadata;
import org.coverledger.events.common.Money;
import org.coverledger.events.policy.PolicyApi;
import org.coverledger.query.claim.FirstActionSla;

/**
 * The analytics' fold: what one policy or claim event adds to the figures, given what the
 * aggregate's earlier events told ({@link Facts}, which it carries forward). Every figure is a
 * count or an amount added on a day, so that any period's figure is a sum of days, and any
 * moment's figure a sum of what was recorded before it: the live projection stores these
 * additions, pre-aggregated by month and product, and the as-of reports fold the last partial day
 * with this same code.
 *
 * <p>Each addition has two days: the day it was recorded (the event's time, in business time),
 * which decides whether a report as of a moment knows it, and the day it takes effect, which
 * decides the period it counts in. They differ where an event says so: a lapse takes cover away
 * from the day after its last day of cover, a void cancellation as if the policy never started.
 *
 * <p>Amounts are in cents (premium, claims) and, for the daily rate at which a term's premium is
 * earned, in millionths of the currency unit per day; counts are whole. Nothing personal is
 * kept: products, incident types, outcomes and staff logins only.
 */
final class AnalyticsFold {

    /** One addition: {@code value} to {@code metric} of {@code product}, recorded on one day, effective on another. */
    record Delta(long position, String product, LocalDate recorded, LocalDate effective, String metric, long value) {
    }

    /** The significant digits the cycle-time histograms keep (HdrHistogram's equivalence of values). */
    static final int CYCLE_DIGITS = 2;
    static final String UNKNOWN = "UNKNOWN";

    private final ZoneId zone;
    private final FirstActionSla sla;
    private final Histogram equivalence = new Histogram(CYCLE_DIGITS);

    AnalyticsFold(ZoneId zone, FirstActionSla sla) {
        this.zone = zone;
        this.sla = sla;
    }

    /** Whether the analytics fold this kind of event at all (the others need no facts read). */
    static boolean folds(Class<?> payloadType) {
        return payloadType.getEnclosingClass() == PolicyApi.class || payloadType.getEnclosingClass() == ClaimApi.class;
    }

    /**
     * What the event adds, given the facts of its aggregate so far (changed to include it). The
     * event's global position tags each addition, so that storing them can be made exactly once.
     */
    List<Delta> apply(DomainEventMessage<?> event, long position, Facts facts) {
        List<Delta> out = new ArrayList<>();
        Instant at = event.getTimestamp();
        LocalDate day = at.atZone(zone).toLocalDate();
        Adder add = new Adder(out, position, day);
        Object payload = event.getPayload();
        if (event.getPayloadType().getEnclosingClass() == PolicyApi.class) {
            policy(payload, facts, add, day);
        } else if (event.getPayloadType().getEnclosingClass() == ClaimApi.class) {
            claim(payload, facts, add, at, staff(event));
        }
        facts.position = position;
        return out;
    }

    /** The figures that need the product: an adder bound to the facts' product once it is known. */
    private static final class Adder {
        private final List<Delta> out;
        private final long position;
        private final LocalDate recorded;
        private String product = UNKNOWN;

        Adder(List<Delta> out, long position, LocalDate recorded) {
            this.out = out;
            this.position = position;
            this.recorded = recorded;
        }

        Adder of(String product) {
            this.product = product == null ? UNKNOWN : product;
            return this;
        }

        void now(String metric, long value) {
            on(recorded, metric, value);
        }

        void on(LocalDate effective, String metric, long value) {
            if (value != 0) {
                out.add(new Delta(position, product, recorded, effective, metric, value));
            }
        }
    }

    // ------------------------------------------------------------------ policies

    /*
     * A policy's figures over time are two step functions of the day: whether it is in force, and
     * the premium it earns that day (its term's rate while in force, nothing otherwise). The facts
     * keep what makes them (the terms, the rate from each date, the intervals of cover) and the
     * functions as already added to the figures; after each event both are worked out again and
     * only the difference is added, dated where it takes effect. So a cancellation after a renewal
     * takes away the new term's rate from the new term on, a void cancellation everything from the
     * start, and a change of premium dated ahead is undone with the cover it belonged to.
     */
    private void policy(Object payload, Facts f, Adder add, LocalDate day) {
        add.of(f.product);
        if (payload instanceof PolicyApi.PolicyIssued e) {
            f.product = e.product().name();
            add.of(f.product);
            f.terms.clear();
            f.terms.add(new LocalDate[] {e.startDate(), e.endDate()});
            f.rates.clear();
            f.rates.put(e.startDate(), rate(e.premium(), e.startDate(), e.endDate()));
            add.now("issued", 1);
            add.now("written", cents(e.premium()));
        } else if (payload instanceof PolicyApi.PolicyStarted e) {
            open(f, e.startDate() == null ? day : e.startDate());
        } else if (payload instanceof PolicyApi.PolicyExpired e) {
            if (f.inForce()) {
                add.now("expired", 1); // a lapsed policy reaching its end was not renewable: not counted
            }
            close(f, e.endDate() == null ? day : e.endDate().plusDays(1));
        } else if (payload instanceof PolicyApi.PolicyLapsed e) {
            add.now("lapsed", 1);
            close(f, e.lastDayOfCover() == null ? day : e.lastDayOfCover().plusDays(1));
        } else if (payload instanceof PolicyApi.PolicyReinstated e) {
            add.now("reinstated", 1);
            open(f, e.reinstatedOn() == null ? day : e.reinstatedOn());
        } else if (payload instanceof PolicyApi.PolicyRenewed e) {
            add.now("renewed", 1);
            add.now("renewedWritten", cents(e.annualPremium()));
            f.terms.add(new LocalDate[] {e.startDate(), e.endDate()});
            f.rates.put(e.startDate(), rate(e.annualPremium(), e.startDate(), e.endDate()));
        } else if (payload instanceof PolicyApi.PolicyChangeApproved e && e.annualPremium() != null) {
            LocalDate from = e.effectiveOn() == null ? day : e.effectiveOn();
            LocalDate[] term = termHolding(f, from);
            if (term != null) {
                f.rates.put(from, rate(e.annualPremium(), term[0], term[1]));
            }
        } else if (payload instanceof PolicyApi.PolicyCancelled e) {
            add.now(e.withinCoolingOff() ? "cancelledCoolingOff" : "cancelledAfter", 1);
            add.now("refunds", cents(e.refund()));
            if (e.withinCoolingOff() || e.lastDayOfCover() == null) {
                f.cover.clear(); // void: no day of cover at all
            } else {
                close(f, e.lastDayOfCover().plusDays(1));
            }
        } else {
            return;
        }
        emitDifference(f.inForceAdded, inForce(f), "inForce", add);
        emitDifference(f.rateAdded, earning(f), "earnRate", add);
    }

    private static void open(Facts f, LocalDate from) {
        if (!f.inForce()) {
            f.cover.add(new LocalDate[] {from, null});
        }
    }

    /** Cover ends before {@code to}: the open interval closes there (or goes, if it had not begun). */
    private static void close(Facts f, LocalDate to) {
        if (f.inForce()) {
            LocalDate[] open = f.cover.get(f.cover.size() - 1);
            if (to.isAfter(open[0])) {
                open[1] = to;
            } else {
                f.cover.remove(f.cover.size() - 1);
            }
        }
    }

    private static LocalDate[] termHolding(Facts f, LocalDate day) {
        for (LocalDate[] term : f.terms) {
            if (!day.isBefore(term[0]) && !day.isAfter(term[1])) {
                return term;
            }
        }
        return f.terms.isEmpty() ? null : f.terms.get(f.terms.size() - 1);
    }

    /** 1 on the days of cover, 0 otherwise: as the value from each date on. */
    private static TreeMap<LocalDate, Long> inForce(Facts f) {
        TreeMap<LocalDate, Long> steps = new TreeMap<>();
        for (LocalDate[] interval : f.cover) {
            steps.merge(interval[0], 1L, Long::sum);
            if (interval[1] != null) {
                steps.merge(interval[1], -1L, Long::sum);
            }
        }
        return cumulative(steps);
    }

    /** The premium earned on each day of cover, at the rate in force that day. */
    private static TreeMap<LocalDate, Long> earning(Facts f) {
        TreeMap<LocalDate, Long> covered = inForce(f);
        TreeSet<LocalDate> points = new TreeSet<>(covered.keySet());
        points.addAll(f.rates.keySet());
        TreeMap<LocalDate, Long> earning = new TreeMap<>();
        for (LocalDate point : points) {
            Map.Entry<LocalDate, Long> cover = covered.floorEntry(point);
            Map.Entry<LocalDate, Long> rate = f.rates.floorEntry(point);
            earning.put(point, cover == null || cover.getValue() == 0 || rate == null ? 0 : rate.getValue());
        }
        return earning;
    }

    /** A step function from additions at dates (+1/-1) to the value from each date on. */
    private static TreeMap<LocalDate, Long> cumulative(TreeMap<LocalDate, Long> additions) {
        TreeMap<LocalDate, Long> values = new TreeMap<>();
        long value = 0;
        for (Map.Entry<LocalDate, Long> addition : additions.entrySet()) {
            value += addition.getValue();
            values.put(addition.getKey(), value);
        }
        return values;
    }

    /** Adds what turns the function already added ({@code added}, updated) into {@code wanted}, as dated jumps. */
    private static void emitDifference(TreeMap<LocalDate, Long> added, TreeMap<LocalDate, Long> wanted, String metric,
                                       Adder add) {
        TreeSet<LocalDate> points = new TreeSet<>(added.keySet());
        points.addAll(wanted.keySet());
        for (LocalDate point : points) {
            long jump = jump(wanted, point) - jump(added, point);
            if (jump != 0) {
                add.on(point, metric, jump);
            }
        }
        added.clear();
        added.putAll(wanted);
    }

    private static long jump(TreeMap<LocalDate, Long> function, LocalDate point) {
        Long value = function.get(point);
        if (value == null) {
            return 0;
        }
        Map.Entry<LocalDate, Long> before = function.lowerEntry(point);
        return value - (before == null ? 0 : before.getValue());
    }

    /** The premium earned a day: the term's premium spread evenly over its days, in millionths. */
    static long rate(Money premium, LocalDate start, LocalDate end) {
        if (premium == null || start == null || end == null || end.isBefore(start)) {
            return 0;
        }
        long days = ChronoUnit.DAYS.between(start, end) + 1;
        return premium.amount().movePointRight(6).divide(BigDecimal.valueOf(days), 0, RoundingMode.HALF_UP)
                .longValueExact();
    }

    static long cents(Money money) {
        return money == null ? 0 : money.amount().movePointRight(2).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    // ------------------------------------------------------------------ claims

    /** Whether a member of staff did it (by the roles the command carried): not the customer, not the system. */
    private static boolean staff(DomainEventMessage<?> event) {
        Object roles = event.getMetaData().get(CommandMetadata.ROLES);
        if (roles == null) {
            return false;
        }
        for (String role : roles.toString().split(",")) {
            String name = role.trim();
            if (!name.isEmpty() && !name.equals("CUSTOMER")) {
                return true;
            }
        }
        return false;
    }

    private void claim(Object payload, Facts f, Adder add, Instant at, boolean byStaff) {
        add.of(f.product);
        if (payload instanceof ClaimApi.ClaimSubmitted e) {
            f.product = e.product() == null ? UNKNOWN : e.product();
            add.of(f.product);
            f.incidentType = e.incidentType() == null ? UNKNOWN : e.incidentType();
            f.submittedAt = e.submittedAt() == null ? at : e.submittedAt();
            f.open = true;
            add.now("reported." + key(f.incidentType), 1);
            add.now("claimed", cents(e.amountClaimed()));
            add.now("open", 1);
            return; // reporting is not an action on the claim
        }
        if (f.submittedAt == null) {
            return; // a claim submitted before the analytics knew (never: they fold from the start)
        }
        if (f.firstActionAt == null && byStaff && !(payload instanceof ClaimApi.ClaimAssigned)
                && !(payload instanceof ClaimApi.MaterialsReminded)) {
            f.firstActionAt = at;
            add.now("ct.first." + cycleKey(f.submittedAt, at), 1);
            if (sla.breached(f.submittedAt, at)) {
                add.now("slaBreached", 1);
            }
        }
        if (payload instanceof ClaimApi.ClaimAssigned e) {
            if (f.open && f.adjuster != null) {
                add.now("adj." + key(f.adjuster) + ".open", -1);
            }
            f.adjuster = e.adjuster();
            if (f.open && f.adjuster != null) {
                add.now("adj." + key(f.adjuster) + ".open", 1);
            }
        } else if (payload instanceof ClaimApi.MaterialsRequested) {
            f.loops++;
            add.now("materialsRequested", 1);
        } else if (payload instanceof ClaimApi.ClaimAssessed e) {
            add.now("decided." + e.decision().name(), 1);
            String by = "adj." + key(e.assessedBy() == null ? UNKNOWN : e.assessedBy());
            add.now(by + ".decisions", 1);
            if (e.needsSecondApproval()) {
                add.now(by + ".aboveAuthority", 1);
            }
            if (f.decidedAt == null) {
                f.decidedAt = at;
                add.now("ct.decision." + cycleKey(f.submittedAt, at), 1);
                add.now(by + ".cycleSeconds", seconds(f.submittedAt, at));
                add.now(by + ".cycles", 1);
            }
        } else if (payload instanceof ClaimApi.ClaimApproved e) {
            add.now("approved", cents(e.payable()));
        } else if (payload instanceof ClaimApi.ClaimPaid e) {
            add.now("paid", cents(e.amount()));
            if (f.paidAt == null) {
                f.paidAt = at;
                add.now("ct.payment." + cycleKey(f.submittedAt, at), 1);
            }
        } else if (payload instanceof ClaimApi.ClaimClosed e) {
            add.now("closed." + e.outcome().name(), 1);
            add.now("closedLoops", f.loops);
            if (f.open) {
                add.now("open", -1);
                if (f.adjuster != null) {
                    add.now("adj." + key(f.adjuster) + ".open", -1);
                }
            }
            f.open = false;
        } else if (payload instanceof ClaimApi.ClaimReopened) {
            add.now("reopened", 1);
            if (!f.open) {
                add.now("open", 1);
                if (f.adjuster != null) {
                    add.now("adj." + key(f.adjuster) + ".open", 1);
                }
            }
            f.open = true;
        }
    }

    private static long seconds(Instant from, Instant to) {
        return Math.max(0, Duration.between(from, to).toSeconds());
    }

    /**
     * A cycle time's histogram bucket: {@code s} and the lowest value HdrHistogram holds equivalent
     * to its seconds (a letter first: a field name of digits alone reads as an array index).
     */
    private String cycleKey(Instant from, Instant to) {
        return "s" + equivalence.lowestEquivalentValue(seconds(from, to));
    }

    /**
     * A name as a field name: MongoDB's paths split at dots and '$' starts an operator, so those
     * (and the escape itself) are written as %2E, %24 and %25; {@link #name} reads them back.
     */
    static String key(String name) {
        return name.replace("%", "%25").replace(".", "%2E").replace("$", "%24");
    }

    static String name(String key) {
        return key.replace("%2E", ".").replace("%24", "$").replace("%25", "%");
    }

    /** What an aggregate's earlier events told the analytics (stored per aggregate, by its id; nothing personal). */
    static final class Facts {
        final String id;
        /** The global position of the last event folded in; -1 for none. */
        long position = -1;
        String product;
        // a policy: its terms, its rate from each date, its intervals of cover, and the figures already added
        final List<LocalDate[]> terms = new ArrayList<>();
        final TreeMap<LocalDate, Long> rates = new TreeMap<>();
        final List<LocalDate[]> cover = new ArrayList<>();
        final TreeMap<LocalDate, Long> inForceAdded = new TreeMap<>();
        final TreeMap<LocalDate, Long> rateAdded = new TreeMap<>();
        // a claim
        String incidentType;
        String adjuster;
        Instant submittedAt;
        Instant firstActionAt;
        Instant decidedAt;
        Instant paidAt;
        int loops;
        boolean open;

        Facts(String id) {
            this.id = id;
        }

        /** Whether cover is open now (the last interval has no end). */
        boolean inForce() {
            return !cover.isEmpty() && cover.get(cover.size() - 1)[1] == null;
        }

        /** A deep copy: a fold that fails half-way leaves the facts it was given as they were. */
        Facts copy() {
            return of(toDocument());
        }

        Document toDocument() {
            return new Document("_id", id).append("pos", position).append("product", product)
                    .append("terms", intervals(terms)).append("rates", steps(rates)).append("cover", intervals(cover))
                    .append("inForceAdded", steps(inForceAdded)).append("rateAdded", steps(rateAdded))
                    .append("incidentType", incidentType).append("adjuster", adjuster)
                    .append("submittedAt", date(submittedAt)).append("firstActionAt", date(firstActionAt))
                    .append("decidedAt", date(decidedAt)).append("paidAt", date(paidAt)).append("loops", loops)
                    .append("open", open);
        }

        static Facts of(Document stored) {
            Facts f = new Facts(stored.getString("_id"));
            f.position = ((Number) stored.get("pos")).longValue();
            f.product = stored.getString("product");
            f.terms.addAll(readIntervals(stored.getList("terms", List.class, List.of())));
            f.rates.putAll(steps(stored.get("rates", Document.class)));
            f.cover.addAll(readIntervals(stored.getList("cover", List.class, List.of())));
            f.inForceAdded.putAll(steps(stored.get("inForceAdded", Document.class)));
            f.rateAdded.putAll(steps(stored.get("rateAdded", Document.class)));
            f.incidentType = stored.getString("incidentType");
            f.adjuster = stored.getString("adjuster");
            f.submittedAt = instant(stored.getDate("submittedAt"));
            f.firstActionAt = instant(stored.getDate("firstActionAt"));
            f.decidedAt = instant(stored.getDate("decidedAt"));
            f.paidAt = instant(stored.getDate("paidAt"));
            f.loops = ((Number) stored.getOrDefault("loops", 0)).intValue();
            f.open = stored.getBoolean("open", false);
            return f;
        }

        private static List<List<String>> intervals(List<LocalDate[]> intervals) {
            List<List<String>> stored = new ArrayList<>();
            for (LocalDate[] interval : intervals) {
                stored.add(java.util.Arrays.asList(text(interval[0]), text(interval[1])));
            }
            return stored;
        }

        @SuppressWarnings("rawtypes")
        private static List<LocalDate[]> readIntervals(List<List> stored) {
            List<LocalDate[]> intervals = new ArrayList<>();
            for (List interval : stored) {
                intervals.add(new LocalDate[] {day((String) interval.get(0)), day((String) interval.get(1))});
            }
            return intervals;
        }

        private static Document steps(TreeMap<LocalDate, Long> steps) {
            Document stored = new Document();
            steps.forEach((day, value) -> stored.append(day.toString(), value));
            return stored;
        }

        private static TreeMap<LocalDate, Long> steps(Document stored) {
            TreeMap<LocalDate, Long> steps = new TreeMap<>();
            if (stored != null) {
                stored.forEach((day, value) -> steps.put(LocalDate.parse(day), ((Number) value).longValue()));
            }
            return steps;
        }

        private static String text(LocalDate day) {
            return day == null ? null : day.toString();
        }

        private static LocalDate day(String text) {
            return text == null ? null : LocalDate.parse(text);
        }

        private static Date date(Instant at) {
            return at == null ? null : Date.from(at);
        }

        private static Instant instant(Date at) {
            return at == null ? null : at.toInstant();
        }
    }
}
