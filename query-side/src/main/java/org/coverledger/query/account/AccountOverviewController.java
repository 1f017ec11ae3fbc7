package org.coverledger.query.account;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.ActionNotPermitted;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.NationalId;
import org.coverledger.events.common.Role;
import org.coverledger.identity.CustomerCredentials;
import org.coverledger.identity.RateLimiter;
import org.coverledger.platform.TooManyRequests;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.query.claim.ClaimProgressView;
import org.coverledger.query.policy.PolicyView;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * One customer at a glance: the "my assets" page of the insurer's app for the customer, and the
 * same for service staff with the account's recent activity and notices, found by a policy
 * number, a claim id, a mobile or a national ID. Every read is by key: the holdings list the
 * views' ids, a policy number has its own key, a mobile or national ID is found by its keyed hash
 * in the logins' identity claims; nothing is searched by scanning. Personal data is masked by role
 * as everywhere else.
 */
@RestController
@Tag(name = "Accounts", description = "Customer accounts, personal data masked by role")
public class AccountOverviewController {

    /** How far ahead renewals are shown (the renewal notice goes out 30 days before the end). */
    static final int RENEWALS_WITHIN_DAYS = 60;
    private static final int NOTICES = 10;
    static final int LOOKUPS_PER_MINUTE = 30;

    @Schema(description = "How many of the customer's policies are in each status, by product")
    public record Overview(AccountQueryController.Account account,
                           Map<String, Map<String, Integer>> policiesByProduct,
                           @Schema(description = "the sums insured of the policies in force") BigDecimal totalCover,
                           @Schema(description = "premiums paid less refunds, this calendar year and the last "
                                   + "(business time)") PremiumsPaid premiumsPaid,
                           List<PolicyLine> policies, List<ClaimLine> claims,
                           @Schema(description = "what the claims have paid out") BigDecimal claimsPaid,
                           List<Renewal> upcomingRenewals, List<Debit> upcomingDebits,
                           @Schema(description = "staff only: the last events of the account, its policies and claims, "
                                   + "newest first") List<AccountHoldingsProjection.Activity> recentActivity,
                           @Schema(description = "admins only (as the inbox): the last notices sent, newest first")
                           List<NoticeInbox.Notice> recentNotices, String currency) {
    }

    public record PremiumsPaid(int thisYear, BigDecimal paidThisYear, int lastYear, BigDecimal paidLastYear) {
    }

    public record PolicyLine(String policyId, String policyNumber, String product, String status,
                             BigDecimal sumInsured, BigDecimal premium, LocalDate startDate, LocalDate endDate) {
    }

    public record ClaimLine(String claimId, String policyNumber, String product, String incidentType, String status,
                            BigDecimal amountClaimed, BigDecimal paid, java.time.Instant submittedAt) {
    }

    public record Renewal(String policyId, String policyNumber, LocalDate endDate, boolean autoRenewal,
                          boolean noticeSent, @Schema(description = "PENDING, APPROVED or DECLINED while an "
                          + "underwriter decides the renewal") String referral) {
    }

    @Schema(description = "A premium to be debited: the next monthly instalment, or what is overdue in grace")
    public record Debit(String policyId, String policyNumber, LocalDate dueOn, BigDecimal amount, boolean overdue) {
    }

    @Schema(description = "The account a policy number, claim id, mobile or national ID belongs to")
    public record Found(String accountId) {
    }

    private final MongoTemplate mongo;
    private final AccountHoldingsProjection holdings;
    private final CustomerCredentials credentials;
    private final Clock clock;
    private final ZoneId zone;
    private final RateLimiter lookups;

    public AccountOverviewController(MongoTemplate mongo, AccountHoldingsProjection holdings,
                                     CustomerCredentials credentials, Clock clock,
                                     @Value("${coverledger.business-zone}") String zone) {
        this.mongo = mongo;
        this.holdings = holdings;
        this.credentials = credentials;
        this.clock = clock;
        this.zone = ZoneId.of(zone);
        this.lookups = new RateLimiter(LOOKUPS_PER_MINUTE, java.time.Duration.ofMinutes(1), clock);
    }

    @GetMapping("/api/accounts/lookup")
    @Operation(summary = "Find a customer's account by exactly one of: policy number, claim id, mobile, national ID "
            + "(service staff)", description = "Looked up by key (a mobile or national ID by its keyed hash), "
            + "never by scanning; 404 when nothing holds it. A role that sees mobiles or national IDs masked may "
            + "not look up by them (403); at most " + LOOKUPS_PER_MINUTE + " look-ups a minute per login (429). Every "
            + "look-up is recorded in the access log (GET /api/audit/access): who, when, from where, by what (a mobile "
            + "or national ID as its keyed hash) and the account found.")
    public Found lookup(@RequestParam(required = false) String policyNumber,
                        @RequestParam(required = false) String claimId,
                        @RequestParam(required = false) String mobile,
                        @RequestParam(required = false) String nationalId, Caller caller) {
        List<FieldProblem> problems = new ArrayList<>();
        int given = (policyNumber == null ? 0 : 1) + (claimId == null ? 0 : 1) + (mobile == null ? 0 : 1)
                + (nationalId == null ? 0 : 1);
        if (given != 1) {
            problems.add(new FieldProblem("policyNumber", "give exactly one of policyNumber, claimId, mobile, nationalId"));
        }
        if (policyNumber != null && !policyNumber.matches(PolicyView.NUMBER)) {
            problems.add(new FieldProblem("policyNumber", PolicyView.NUMBER_RULE));
        }
        if (claimId != null && (claimId.isBlank() || claimId.length() > 100)) {
            problems.add(new FieldProblem("claimId", "must be a claim id"));
        }
        if (mobile != null && !mobile.matches("1[3-9][0-9]{9}")) {
            problems.add(new FieldProblem("mobile", "must be a mainland China mobile number of 11 digits"));
        }
        if (nationalId != null && !NationalId.isValid(nationalId)) {
            problems.add(new FieldProblem("nationalId", "must be a valid 18-character resident identity card number"));
        }
        ProblemResponses.throwIfAny(problems);
        // a value the caller's role sees masked cannot be a key for it: else guessing the hidden digits
        // one look-up at a time would unmask it
        if (nationalId != null && !PersonalDataMasking.nationalId(nationalId, caller).equals(nationalId)) {
            throw new ActionNotPermitted("Your role sees national ID numbers masked, so it may not look customers up "
                    + "by one.");
        }
        if (mobile != null && !PersonalDataMasking.mobile(mobile, caller, false).equals(mobile)) {
            throw new ActionNotPermitted("Your role sees mobile numbers masked, so it may not look customers up by one.");
        }
        long wait = lookups.retryAfterSeconds(caller.login());
        if (wait > 0) {
            throw new TooManyRequests("LOOKUP_RATE_LIMITED", "Too many look-ups: try again in " + wait + " s.", wait);
        }
        lookups.record(caller.login());
        Optional<String> account;
        if (policyNumber != null) {
            account = holdings.accountOfPolicyNumber(policyNumber);
        } else if (claimId != null) {
            account = Optional.ofNullable(mongo.findById(claimId, ClaimProgressView.class))
                    .map(ClaimProgressView::accountId);
        } else if (mobile != null) {
            account = credentials.holder(CustomerCredentials.Identity.MOBILE, mobile);
        } else {
            account = credentials.holder(CustomerCredentials.Identity.NATIONAL_ID, nationalId);
        }
        Found found = account.filter(id -> mongo.findById(id, AccountView.class) != null).map(Found::new)
                .orElseThrow(() -> new NotFound("account", "the one asked for"));
        // in the access log beside who asked: whom a look-up found
        org.coverledger.query.audit.AuditAccessFilter.found("account", found.accountId());
        return found;
    }

    @GetMapping("/api/accounts/{accountId}/overview")
    @Operation(summary = "The customer's assets at a glance: policies by product and status, total cover, premiums "
            + "paid this year and last, claims and what they paid, upcoming renewals and debits; a customer sees "
            + "their own, service staff any (with recent activity and notices; each staff look is recorded in the "
            + "access log, GET /api/audit/access)")
    public Overview overview(@PathVariable String accountId, Caller caller) {
        AccountView view = mongo.findById(accountId, AccountView.class);
        boolean staff = caller.hasAnyRole(Role.UNDERWRITER, Role.ADJUSTER, Role.COMPLIANCE, Role.ADMIN);
        if (view == null || !staff && !caller.login().equals(view.owner())) {
            throw new NotFound("account", accountId);
        }
        AccountHoldingsProjection.Holdings held = holdings.of(accountId);
        List<PolicyView> policies = held.policyIds().isEmpty() ? List.of()
                : mongo.find(Query.query(where("_id").in(held.policyIds())), PolicyView.class);
        List<ClaimProgressView> claims = held.claimIds().isEmpty() ? List.of()
                : mongo.find(Query.query(where("_id").in(held.claimIds())), ClaimProgressView.class);
        LocalDate today = LocalDate.now(clock.withZone(zone));

        Map<String, Map<String, Integer>> byProduct = new TreeMap<>();
        BigDecimal cover = BigDecimal.ZERO;
        BigDecimal thisYear = BigDecimal.ZERO;
        BigDecimal lastYear = BigDecimal.ZERO;
        List<PolicyLine> lines = new ArrayList<>();
        List<Renewal> renewals = new ArrayList<>();
        List<Debit> debits = new ArrayList<>();
        for (PolicyView p : policies) {
            byProduct.computeIfAbsent(p.product(), k -> new TreeMap<>()).merge(p.status(), 1, Integer::sum);
            if ("IN_FORCE".equals(p.status()) && p.sumInsured() != null) {
                cover = cover.add(p.sumInsured());
            }
            for (PolicyView.Payment payment : p.payments() == null ? List.<PolicyView.Payment>of() : p.payments()) {
                if (payment.amount() == null || payment.at() == null) {
                    continue;
                }
                BigDecimal amount = "REFUND".equals(payment.kind()) || "CHANGE_REFUND".equals(payment.kind())
                        ? payment.amount().negate() : payment.amount();
                int year = payment.at().atZone(zone).getYear();
                if (year == today.getYear()) {
                    thisYear = thisYear.add(amount);
                } else if (year == today.getYear() - 1) {
                    lastYear = lastYear.add(amount);
                }
            }
            lines.add(new PolicyLine(p.policyId(), p.policyNumber(), p.product(), p.status(), p.sumInsured(),
                    p.premium(), p.startDate(), p.endDate()));
            if ("IN_FORCE".equals(p.status()) && p.endDate() != null
                    && !p.endDate().isAfter(today.plusDays(RENEWALS_WITHIN_DAYS))) {
                renewals.add(new Renewal(p.policyId(), p.policyNumber(), p.endDate(), Boolean.TRUE.equals(p.autoRenewal()),
                        p.renewalNoticeSentAt() != null, p.pendingRenewal() == null ? null : p.pendingRenewal().decision()));
            }
            if (p.arrears() != null) {
                debits.add(new Debit(p.policyId(), p.policyNumber(), p.arrears().dueOn(), p.arrears().amount(), true));
            } else if (p.nextInstalmentDue() != null && !"CANCELLED".equals(p.status())) {
                debits.add(new Debit(p.policyId(), p.policyNumber(), p.nextInstalmentDue(), instalment(p), false));
            }
        }
        lines.sort(Comparator.comparing(PolicyLine::startDate, Comparator.nullsLast(Comparator.naturalOrder()))
                .thenComparing(PolicyLine::policyId));
        renewals.sort(Comparator.comparing(Renewal::endDate));
        debits.sort(Comparator.comparing(Debit::dueOn, Comparator.nullsLast(Comparator.naturalOrder())));

        BigDecimal paidOut = BigDecimal.ZERO;
        List<ClaimLine> claimLines = new ArrayList<>();
        for (ClaimProgressView c : claims) {
            BigDecimal paid = c.payout() == null || c.payout().paid() == null ? BigDecimal.ZERO : c.payout().paid();
            paidOut = paidOut.add(paid);
            claimLines.add(new ClaimLine(c.claimId(), c.policyNumber(), c.product(), c.incidentType(), c.status(),
                    c.amountClaimed(), paid, c.submittedAt()));
        }
        claimLines.sort(Comparator.comparing(ClaimLine::submittedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                .reversed());

        List<AccountHoldingsProjection.Activity> activity = null;
        List<NoticeInbox.Notice> notices = null;
        if (staff) {
            activity = held.activity().stream().sorted(Comparator.comparing(AccountHoldingsProjection.Activity::at,
                    Comparator.nullsFirst(Comparator.naturalOrder())).reversed()).toList();
        }
        if (caller.hasAnyRole(Role.ADMIN)) { // as the inbox: the customer and admins
            notices = AccountQueryController.newestFirst(mongo.findById(accountId, NoticeInbox.class)).stream()
                    .limit(NOTICES).map(n -> AccountQueryController.shown(n, caller, false)).toList();
        }
        return new Overview(AccountQueryController.Account.of(view, caller), byProduct, cover,
                new PremiumsPaid(today.getYear(), thisYear, today.getYear() - 1, lastYear), lines, claimLines, paidOut,
                renewals, debits, activity, notices, org.coverledger.events.common.Money.DEFAULT_CURRENCY);
    }

    /** A monthly policy's instalment: what its latest instalment or first premium came to. */
    private static BigDecimal instalment(PolicyView p) {
        if (p.payments() == null) {
            return null;
        }
        for (int i = p.payments().size() - 1; i >= 0; i--) {
            PolicyView.Payment payment = p.payments().get(i);
            if ("INSTALMENT".equals(payment.kind()) || "FIRST_PREMIUM".equals(payment.kind())) {
                return payment.amount();
            }
        }
        return null;
    }
}
