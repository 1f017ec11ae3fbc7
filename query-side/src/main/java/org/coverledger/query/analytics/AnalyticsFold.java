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
            String actor = (String) event.getMetaData().get(CommandMetadata.ACTOR);
            claim(payload, facts, add, at, actor);
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

    private void policy(Object payload, Facts f, Adder add, LocalDate day) {
        add.of(f.product);
        if (payload instanceof PolicyApi.PolicyIssued e) {
            f.product = e.product().name();
            add.of(f.product);
            f.cover = Facts.PENDING;
            newTerm(f, e.startDate(), e.endDate(), e.premium());
            add.now("issued", 1);
            add.now("written", cents(e.premium()));
        } else if (payload instanceof PolicyApi.PolicyStarted e) {
            if (Facts.PENDING.equals(f.cover)) {
                coverOn(f, add, e.startDate() == null ? day : e.startDate());
            }
        } else if (payload instanceof PolicyApi.PolicyExpired e) {
            add.now("expired", 1);
            if (Facts.IN_FORCE.equals(f.cover)) {
                coverOff(f, add, e.endDate() == null ? day : e.endDate().plusDays(1));
            }
            f.cover = Facts.ENDED;
        } else if (payload instanceof PolicyApi.PolicyLapsed e) {
            add.now("lapsed", 1);
            if (Facts.IN_FORCE.equals(f.cover)) {
                coverOff(f, add, e.lastDayOfCover() == null ? day : e.lastDayOfCover().plusDays(1));
            }
            f.cover = Facts.LAPSED;
        } else if (payload instanceof PolicyApi.PolicyReinstated e) {
            add.now("reinstated", 1);
            if (Facts.LAPSED.equals(f.cover)) {
                coverOn(f, add, e.reinstatedOn() == null ? day : e.reinstatedOn());
            }
        } else if (payload instanceof PolicyApi.PolicyRenewed e) {
            add.now("renewed", 1);
            add.now("renewedWritten", cents(e.annualPremium()));
            long before = f.rate;
            newTerm(f, e.startDate(), e.endDate(), e.annualPremium());
            if (Facts.IN_FORCE.equals(f.cover)) {
                add.on(e.startDate(), "earnRate", f.rate - before);
            }
        } else if (payload instanceof PolicyApi.PolicyChangeApproved e && e.annualPremium() != null) {
            long before = f.rate;
            f.rate = rate(e.annualPremium(), f.termStart, f.termEnd);
            if (Facts.IN_FORCE.equals(f.cover)) {
                add.on(e.effectiveOn() == null ? day : e.effectiveOn(), "earnRate", f.rate - before);
            }
        } else if (payload instanceof PolicyApi.PolicyCancelled e) {
            add.now(e.withinCoolingOff() ? "cancelledCoolingOff" : "cancelledAfter", 1);
            add.now("refunds", cents(e.refund()));
            if (Facts.IN_FORCE.equals(f.cover)) {
                // void: as if cover never started; otherwise it ends after the last day of cover
                coverOff(f, add, e.withinCoolingOff() || e.lastDayOfCover() == null ? f.coverFrom
                        : e.lastDayOfCover().plusDays(1));
            }
            f.cover = Facts.ENDED;
        }
    }

    private static void newTerm(Facts f, LocalDate start, LocalDate end, Money annualPremium) {
        f.termStart = start;
        f.termEnd = end;
        f.rate = rate(annualPremium, start, end);
    }

    private static void coverOn(Facts f, Adder add, LocalDate from) {
        f.cover = Facts.IN_FORCE;
        f.coverFrom = from;
        add.on(from, "inForce", 1);
        add.on(from, "earnRate", f.rate);
    }

    private static void coverOff(Facts f, Adder add, LocalDate from) {
        add.on(from, "inForce", -1);
        add.on(from, "earnRate", -f.rate);
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

    private void claim(Object payload, Facts f, Adder add, Instant at, String actor) {
        add.of(f.product);
        if (payload instanceof ClaimApi.ClaimSubmitted e) {
            f.product = e.product() == null ? UNKNOWN : e.product();
            add.of(f.product);
            f.incidentType = e.incidentType() == null ? UNKNOWN : e.incidentType();
            f.submittedAt = e.submittedAt() == null ? at : e.submittedAt();
            f.claimant = e.claimant();
            f.open = true;
            add.now("reported." + key(f.incidentType), 1);
            add.now("claimed", cents(e.amountClaimed()));
            add.now("open", 1);
            return; // reporting is not an action on the claim
        }
        if (f.submittedAt == null) {
            return; // a claim submitted before the analytics knew (never: they fold from the start)
        }
        if (f.firstActionAt == null && actor != null && !actor.equals(f.claimant)
                && !CommandMetadata.SYSTEM_ACTOR.equals(actor) && !(payload instanceof ClaimApi.ClaimAssigned)
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

    /** A name as a field name: MongoDB's paths split at dots, and '$' starts an operator. */
    static String key(String name) {
        return name.replace('.', '_').replace('$', '_');
    }

    /** What an aggregate's earlier events told the analytics (stored per aggregate, by its id). */
    static final class Facts {
        static final String PENDING = "PENDING";
        static final String IN_FORCE = "IN_FORCE";
        static final String LAPSED = "LAPSED";
        static final String ENDED = "ENDED";

        final String id;
        /** The global position of the last event folded in; -1 for none. */
        long position = -1;
        String product;
        // a policy
        String cover;
        LocalDate coverFrom;
        LocalDate termStart;
        LocalDate termEnd;
        long rate;
        // a claim
        String incidentType;
        String claimant;
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

        Document toDocument() {
            return new Document("_id", id).append("pos", position).append("product", product).append("cover", cover)
                    .append("coverFrom", text(coverFrom)).append("termStart", text(termStart))
                    .append("termEnd", text(termEnd)).append("rate", rate).append("incidentType", incidentType)
                    .append("claimant", claimant).append("adjuster", adjuster).append("submittedAt", date(submittedAt))
                    .append("firstActionAt", date(firstActionAt)).append("decidedAt", date(decidedAt))
                    .append("paidAt", date(paidAt)).append("loops", loops).append("open", open);
        }

        static Facts of(Document stored) {
            Facts f = new Facts(stored.getString("_id"));
            f.position = ((Number) stored.get("pos")).longValue();
            f.product = stored.getString("product");
            f.cover = stored.getString("cover");
            f.coverFrom = day(stored.getString("coverFrom"));
            f.termStart = day(stored.getString("termStart"));
            f.termEnd = day(stored.getString("termEnd"));
            f.rate = ((Number) stored.get("rate")).longValue();
            f.incidentType = stored.getString("incidentType");
            f.claimant = stored.getString("claimant");
            f.adjuster = stored.getString("adjuster");
            f.submittedAt = instant(stored.getDate("submittedAt"));
            f.firstActionAt = instant(stored.getDate("firstActionAt"));
            f.decidedAt = instant(stored.getDate("decidedAt"));
            f.paidAt = instant(stored.getDate("paidAt"));
            f.loops = ((Number) stored.get("loops")).intValue();
            f.open = stored.getBoolean("open", false);
            return f;
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
