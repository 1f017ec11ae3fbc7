package org.coverledger.query.policy;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.Caller;
import org.coverledger.events.policy.Product;
import org.coverledger.platform.Paging;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/policies")
@Tag(name = "Policies", description = "Policy list and policy detail")
public class PolicyQueryController {

    static final List<String> STATUSES = PolicyProjection.STATUSES;

    /** A line of the policy list. */
    public record PolicySummary(String policyId, String policyNumber, String accountId, String policyholder,
                                String product, String status, BigDecimal sumInsured, BigDecimal premium,
                                String currency, LocalDate startDate, LocalDate endDate, String beneficiary) {
        static PolicySummary of(PolicyView v) {
            return new PolicySummary(v.policyId(), v.policyNumber(), v.accountId(), v.policyholder(), v.product(),
                    v.status(), v.sumInsured(), v.premium(), v.currency(), v.startDate(), v.endDate(), v.beneficiary());
        }
    }

    /**
     * The policy as the store knows it, and with {@code asOf} the terms in force on that day:
     * whether it covered the day, the term, sum insured, beneficiary, premium and plan then.
     */
    public record PolicyDetail(@com.fasterxml.jackson.annotation.JsonUnwrapped PolicyView policy, TermsAsOf asOf,
                               @Schema(description = "the policy's documents: the e-policy (for the customer, "
                                       + "underwriters and admins) with the verification code it carries")
                               List<Document> documents) {
    }

    /** A document of the policy: what it is, where to get it, and the code that confirms it against the audit trail. */
    public record Document(String kind, String href, String verificationCode) {
    }

    /**
     * {@code cover}: COVERED, NOT_YET_STARTED, ENDED, LAPSED (a premium unpaid), CANCELLED (after
     * the last day covered) or VOID (cancelled in the cooling-off period).
     */
    public record TermsAsOf(LocalDate date, String cover, Integer term, BigDecimal sumInsured, String beneficiary,
                            BigDecimal annualPremium, String paymentPlan) {
    }

    /** A policy whose term ends soon: for service staff to call about renewal. */
    public record RenewalDue(String policyId, String policyNumber, String accountId, String product,
                             LocalDate endDate, BigDecimal premium, String paymentPlan, Boolean autoRenewal,
                             Instant renewalNoticeSentAt) {
    }

    private final MongoTemplate mongo;
    private final PolicyHolders holders;
    private final org.coverledger.query.document.EPolicyDocument documents;
    private final String zone;
    private final java.time.Clock clock;

    public PolicyQueryController(MongoTemplate mongo, org.coverledger.query.document.EPolicyDocument documents,
                                 @org.springframework.beans.factory.annotation.Value("${coverledger.business-zone}") String zone,
                                 java.time.Clock clock, org.coverledger.query.audit.ViewReplay replay,
                                 PolicyHolders holders) {
        this.replay = replay;
        this.holders = holders;
        this.mongo = mongo;
        this.documents = documents;
        this.zone = zone;
        this.clock = clock;
    }

    private final org.coverledger.query.audit.ViewReplay replay;

    /** The orders the list can be sorted in; a leading "-" reverses one. */
    static final List<String> SORTS = List.of("issuedAt", "startDate", "endDate", "policyNumber", "premium");

    @GetMapping
    @Operation(summary = "Page through policies, filtered by status, product, exact policy number, holder's name "
            + "(staff), insured's name, start and end date ranges (inclusive ISO dates), sorted by sort=issuedAt|"
            + "startDate|endDate|policyNumber|premium (a leading - for descending); a customer sees only their own")
    public Paging.Page<PolicySummary> list(@RequestParam(required = false) String status,
                                           @RequestParam(required = false) String product,
                                           @RequestParam(required = false) String policyNumber,
                                           @RequestParam(required = false) String holder,
                                           @RequestParam(required = false) String insured,
                                           @RequestParam(required = false) String startFrom,
                                           @RequestParam(required = false) String startTo,
                                           @RequestParam(required = false) String endFrom,
                                           @RequestParam(required = false) String endTo,
                                           @RequestParam(required = false) String sort,
                                           @RequestParam(required = false) Integer page,
                                           @RequestParam(required = false) Integer size, Caller caller) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        if (status != null && !STATUSES.contains(status)) {
            problems.add(new FieldProblem("status", "must be one of " + STATUSES));
        }
        if (product != null && Arrays.stream(Product.values()).noneMatch(p -> p.name().equals(product))) {
            problems.add(new FieldProblem("product", "must be one of " + Arrays.toString(Product.values())));
        }
        if (policyNumber != null && !policyNumber.matches(PolicyView.NUMBER)) {
            problems.add(new FieldProblem("policyNumber", PolicyView.NUMBER_RULE));
        }
        if (holder != null && (holder.isBlank() || holder.length() > 50)) {
            problems.add(new FieldProblem("holder", "must be a name of 1 to 50 characters"));
        }
        if (holder != null && caller.isCustomerOnly()) {
            problems.add(new FieldProblem("holder", "is for staff: a customer's list holds their own policies"));
        }
        boolean namesMasked = caller.roles().equals(java.util.Set.of(org.coverledger.events.common.Role.ANALYST));
        if (namesMasked && (holder != null || insured != null)) {
            problems.add(new FieldProblem(holder != null ? "holder" : "insured",
                    "is for staff who see names: an analyst sees them masked, and finds no one by name"));
        }
        if (insured != null && (insured.isBlank() || insured.length() > 50)) {
            problems.add(new FieldProblem("insured", "must be a name of 1 to 50 characters"));
        }
        LocalDate[] dates = new LocalDate[4];
        String[] names = {"startFrom", "startTo", "endFrom", "endTo"};
        String[] values = {startFrom, startTo, endFrom, endTo};
        for (int i = 0; i < 4; i++) {
            if (values[i] != null) {
                try {
                    dates[i] = LocalDate.parse(values[i]);
                } catch (java.time.format.DateTimeParseException e) {
                    problems.add(new FieldProblem(names[i], "must be a date such as 2027-03-01"));
                }
            }
        }
        String sortField = sort == null ? "issuedAt" : sort.startsWith("-") ? sort.substring(1) : sort;
        if (!SORTS.contains(sortField)) {
            problems.add(new FieldProblem("sort", "must be one of " + SORTS + ", with a leading - for descending"));
        }
        ProblemResponses.throwIfAny(problems);

        Criteria criteria = visibleTo(caller);
        if (status != null) {
            criteria = criteria.and("status").is(status);
        }
        if (product != null) {
            criteria = criteria.and("product").is(product);
        }
        if (policyNumber != null) {
            criteria = criteria.and("policyNumber").is(policyNumber);
        }
        if (holder != null) {
            // the account read model holds names opened; an exact name, as service staff type it
            List<String> accounts = mongo.find(Query.query(where("name").is(holder.strip())),
                    org.coverledger.query.account.AccountView.class).stream()
                    .map(org.coverledger.query.account.AccountView::accountId).toList();
            criteria = criteria.and("accountId").in(accounts);
        }
        List<String> insuredPolicies = null;
        if (insured != null) {
            insuredPolicies = mongo.find(Query.query(where("insuredName").is(insured.strip())
                            .and("policyId").ne(null)), org.coverledger.query.quote.QuoteView.class).stream()
                    .map(org.coverledger.query.quote.QuoteView::policyId).toList();
            criteria = criteria.and("_id").in(insuredPolicies);
        }
        if (dates[0] != null || dates[1] != null) {
            Criteria start = where("startDate");
            criteria = criteria.andOperator(dates[0] == null ? start.lte(dates[1]) : dates[1] == null
                    ? start.gte(dates[0]) : start.gte(dates[0]).lte(dates[1]));
        }
        if (dates[2] != null || dates[3] != null) {
            Criteria endCriteria = where("endDate");
            Criteria ends = dates[2] == null ? endCriteria.lte(dates[3]) : dates[3] == null
                    ? endCriteria.gte(dates[2]) : endCriteria.gte(dates[2]).lte(dates[3]);
            criteria = dates[0] != null || dates[1] != null ? new Criteria().andOperator(criteria, ends)
                    : criteria.andOperator(ends);
        }
        boolean descending = sort != null && sort.startsWith("-");
        java.util.Optional<List<String>> own = caller.isCustomerOnly() ? holders.policiesOf(caller.login())
                : java.util.Optional.empty();
        if (own.isPresent()) {
            // a customer's own policies: their views by _id (PolicyHolders), filtered, sorted and paged here
            List<String> insuredIds = insuredPolicies;
            java.util.function.Predicate<PolicyView> wanted = v -> caller.login().equals(v.policyholder())
                    && (status == null || status.equals(v.status())) && (product == null || product.equals(v.product()))
                    && (policyNumber == null || policyNumber.equals(v.policyNumber()))
                    && (insuredIds == null || insuredIds.contains(v.policyId()))
                    && within(v.startDate(), dates[0], dates[1]) && within(v.endDate(), dates[2], dates[3]);
            List<PolicyView> matching = holders.views(own.get()).stream().filter(wanted)
                    .sorted(order(sortField, descending)).toList();
            List<PolicySummary> items = matching.stream().skip(paging.offset()).limit(paging.size())
                    .map(v -> PolicySummary.of(v.shownTo(caller))).toList();
            return new Paging.Page<>(items, paging.page(), paging.size(), matching.size());
        }
        Sort order = Sort.by(descending ? Sort.Direction.DESC : Sort.Direction.ASC, sortField)
                .and(Sort.by("_id"));
        Query query = Query.query(criteria);
        long total = mongo.count(query, PolicyView.class);
        List<PolicySummary> items = mongo.find(query.with(order)
                        .skip(paging.offset()).limit(paging.size()), PolicyView.class)
                .stream().map(v -> PolicySummary.of(v.shownTo(caller))).toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), total);
    }

    @GetMapping("/renewals-due")
    @Operation(summary = "Policies in force whose term ends within the coming days (within=30d, 1 to 366 days), "
            + "soonest first, with whether automatic renewal is chosen and the notice sent (staff)")
    public Paging.Page<RenewalDue> renewalsDue(@RequestParam(required = false) String within,
                                              @RequestParam(required = false) Integer page,
                                              @RequestParam(required = false) Integer size) {
        List<FieldProblem> problems = Paging.problems();
        Paging paging = Paging.of(page, size, problems);
        int days = 30;
        if (within != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,3})d").matcher(within);
            if (!m.matches() || Integer.parseInt(m.group(1)) < 1 || Integer.parseInt(m.group(1)) > 366) {
                problems.add(new FieldProblem("within", "must be a number of days from 1d to 366d, such as 30d"));
            } else {
                days = Integer.parseInt(m.group(1));
            }
        }
        ProblemResponses.throwIfAny(problems);
        LocalDate today = LocalDate.now(clock.withZone(java.time.ZoneId.of(zone)));
        Query query = Query.query(where("status").is(PolicyProjection.IN_FORCE).and("endDate").gte(today)
                .lte(today.plusDays(days)));
        long total = mongo.count(query, PolicyView.class);
        List<RenewalDue> items = mongo.find(query.with(Sort.by("endDate", "_id")).skip(paging.offset())
                .limit(paging.size()), PolicyView.class).stream()
                .map(v -> new RenewalDue(v.policyId(), v.policyNumber(), v.accountId(), v.product(), v.endDate(),
                        v.premium(), v.paymentPlan(), v.autoRenewal(), v.renewalNoticeSentAt()))
                .toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), total);
    }

    @GetMapping("/{policyId}")
    @Operation(summary = "One policy with its payments, terms and change history; with asOf a date, also the "
            + "terms in force that day; with asOf an ISO-8601 instant, the policy as it stood then (folded from its "
            + "events by the projection's own code) and the terms of that day")
    public PolicyDetail detail(@PathVariable String policyId, @RequestParam(required = false) String asOf,
                               Caller caller) {
        LocalDate day = null;
        java.time.Instant instant = null;
        if (asOf != null) {
            try {
                day = LocalDate.parse(asOf);
            } catch (java.time.format.DateTimeParseException e) {
                try {
                    instant = java.time.Instant.parse(asOf);
                    day = LocalDate.ofInstant(instant, java.time.ZoneId.of(zone));
                } catch (java.time.format.DateTimeParseException notAnInstant) {
                    throw new org.coverledger.platform.InvalidRequest(List.of(new FieldProblem("asOf",
                            "must be a date such as 2027-03-01 or an instant such as 2027-03-01T08:00:00Z")));
                }
            }
        }
        PolicyView view = get(policyId, caller);
        if (instant != null) {
            view = replay.<PolicyView>asOf(org.coverledger.query.audit.ViewReplay.Kind.POLICY, policyId, instant)
                    .orElseThrow(() -> new NotFound("policy", policyId + " at " + asOf)).shownTo(caller);
        }
        List<Document> documents = caller.hasAnyRole(org.coverledger.events.common.Role.CUSTOMER,
                org.coverledger.events.common.Role.UNDERWRITER, org.coverledger.events.common.Role.ADMIN)
                ? List.of(new Document("E_POLICY", "/api/policies/" + view.policyId() + "/document", issuedCode(view)))
                : List.of();
        return new PolicyDetail(view, day == null ? null : termsAsOf(view, day), documents);
    }

    /** What covered the day, as the policy's events tell it now. */
    TermsAsOf termsAsOf(PolicyView view, LocalDate day) {
        java.time.ZoneId zoneOfChanges = java.time.ZoneId.of(zone);
        PolicyView.Term term = view.terms() == null ? null : view.terms().stream()
                .filter(t -> !day.isBefore(t.from()) && !day.isAfter(t.to())).findFirst().orElse(null);
        String cover;
        if (day.isBefore(view.startDate())) {
            cover = "NOT_YET_STARTED";
        } else if (view.cancellation() != null && view.cancellation().lastDayOfCover() == null) {
            cover = "VOID";
        } else if (view.cancellation() != null && day.isAfter(view.cancellation().lastDayOfCover())) {
            cover = "CANCELLED";
        } else if (day.isAfter(view.endDate())) {
            cover = "ENDED";
        } else if (lapsedOn(view, day)) {
            cover = "LAPSED";
        } else {
            cover = "COVERED";
        }
        BigDecimal sumInsured = view.issuedSumInsured() == null ? view.sumInsured() : view.issuedSumInsured();
        String beneficiary = null;
        // the terms as the day ends: what took effect before the next day's 00:00
        java.time.Instant nextDay = day.plusDays(1).atStartOfDay(zoneOfChanges).toInstant();
        for (PolicyView.Change change : view.changes()) {
            if (change.effectiveFrom() != null && change.effectiveFrom().isBefore(nextDay)) {
                if (change.sumInsured() != null) {
                    sumInsured = change.sumInsured();
                }
                if (change.beneficiary() != null) {
                    beneficiary = change.beneficiary();
                }
            }
        }
        return new TermsAsOf(day, cover, term == null ? null : term.term(), sumInsured, beneficiary,
                term == null ? null : term.annualPremium(), term == null ? null : term.paymentPlan());
    }

    private static boolean lapsedOn(PolicyView view, LocalDate day) {
        List<LocalDate> from = view.lapsedFrom() == null ? List.of() : view.lapsedFrom();
        List<LocalDate> until = view.reinstatedOn() == null ? List.of() : view.reinstatedOn();
        for (int i = 0; i < from.size(); i++) {
            boolean ended = i < until.size();
            if (!day.isBefore(from.get(i)) && (!ended || day.isBefore(until.get(i)))) {
                return true;
            }
        }
        return false;
    }

    /** The policy, if the caller may see it (404 otherwise). */
    public PolicyView get(String policyId, Caller caller) {
        PolicyView view = mongo.findOne(Query.query(visibleTo(caller).and("_id").is(policyId)),
                PolicyView.class);
        if (view == null) {
            throw new NotFound("policy", policyId);
        }
        return view.shownTo(caller);
    }

    @GetMapping(value = "/{policyId}/document", produces = "application/pdf")
    @Operation(summary = "The e-policy as a PDF (Chinese and English): number, holder, insured, beneficiary, "
            + "coverages, premium and plan, period, terms version and a verification code",
            description = "The verification code is the SHA-256 (hex) of policyId|policyNumber|sumInsured|premium|"
                    + "startDate|endDate as the policy's PolicyIssued entry in the audit trail records them (amounts "
                    + "with two decimals), so the audit trail confirms the document. 503 DOCUMENTS_UNAVAILABLE when "
                    + "the deployment lacks its CJK font.",
            responses = @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200",
                    description = "the PDF", content = @io.swagger.v3.oas.annotations.media.Content(
                    mediaType = "application/pdf", schema = @io.swagger.v3.oas.annotations.media.Schema(
                    type = "string", format = "binary"))))
    public org.springframework.http.ResponseEntity<byte[]> document(@PathVariable String policyId, Caller caller) {
        PolicyView view = get(policyId, caller);
        org.coverledger.query.account.AccountView account = mongo.findById(view.accountId(),
                org.coverledger.query.account.AccountView.class);
        org.coverledger.query.quote.QuoteView quote = mongo.findOne(Query.query(where("policyId").is(policyId)),
                org.coverledger.query.quote.QuoteView.class);
        String holder = account == null ? view.policyholder() : account.name();
        byte[] pdf = documents.render(new org.coverledger.query.document.EPolicyDocument.Content(view.policyId(),
                view.policyNumber(), holder, quote == null ? holder : quote.insuredName(),
                quote == null ? "SELF" : quote.relationship(), beneficiariesLine(view),
                org.coverledger.events.policy.Product.valueOf(view.product()), view.sumInsured(), view.premium(),
                view.paymentPlan() != null ? view.paymentPlan()
                        : quote == null || quote.paymentPlan() == null ? "ANNUAL" : quote.paymentPlan(),
                view.startDate().toString(), view.endDate().toString(), zone,
                view.termsVersion() != null ? view.termsVersion() : quote == null
                        ? org.coverledger.events.policy.ProductCatalogue.termsVersion() : quote.termsVersion(),
                view.status(), issuedCode(view)));
        return org.springframework.http.ResponseEntity.ok()
                .contentType(org.springframework.http.MediaType.APPLICATION_PDF)
                .header("Content-Disposition", "inline; filename=\"" + view.policyNumber() + ".pdf\"")
                .body(pdf);
    }

    /**
     * The verification code of the policy's terms as its PolicyIssued recorded them (the first
     * term's premium and end, the sum insured as issued), whatever renewals and changes came since.
     */
    static String issuedCode(PolicyView view) {
        boolean termsKept = view.terms() != null && !view.terms().isEmpty();
        return org.coverledger.query.document.EPolicyDocument.verificationCode(view.policyId(), view.policyNumber(),
                view.issuedSumInsured() == null ? view.sumInsured() : view.issuedSumInsured(),
                termsKept ? view.terms().get(0).annualPremium() : view.premium(), view.startDate().toString(),
                termsKept ? view.terms().get(0).to().toString() : view.endDate().toString());
    }

    /** The beneficiaries as the document names them: each with their share; the one named in a change; or none. */
    static String beneficiariesLine(PolicyView view) {
        if (view.beneficiaries() != null && !view.beneficiaries().isEmpty()) {
            return String.join(", ", view.beneficiaries().stream()
                    .map(b -> b.name() + " " + b.sharePercent() + "%").toList());
        }
        return view.beneficiary();
    }

    @org.springframework.web.bind.annotation.ExceptionHandler(org.coverledger.query.document.EPolicyDocument.Unavailable.class)
    public org.springframework.http.ResponseEntity<org.springframework.http.ProblemDetail> documentsUnavailable(
            org.coverledger.query.document.EPolicyDocument.Unavailable e) {
        log.error("E-policy documents cannot be made: {}", e.getMessage());
        return org.springframework.http.ResponseEntity.status(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE)
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(org.coverledger.platform.ProblemResponses.problem(org.springframework.http.HttpStatus.SERVICE_UNAVAILABLE,
                        "DOCUMENTS_UNAVAILABLE", "The document cannot be made at the moment; the operators are told."));
    }

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PolicyQueryController.class);

    private static boolean within(LocalDate day, LocalDate from, LocalDate to) {
        return (from == null || (day != null && !day.isBefore(from))) && (to == null || (day != null && !day.isAfter(to)));
    }

    /** The list's order as MongoDB sorts it: the field (a missing value lowest), then the id. */
    static java.util.Comparator<PolicyView> order(String field, boolean descending) {
        java.util.function.Function<PolicyView, Comparable<?>> key = switch (field) {
            case "startDate" -> PolicyView::startDate;
            case "endDate" -> PolicyView::endDate;
            case "policyNumber" -> PolicyView::policyNumber;
            case "premium" -> PolicyView::premium;
            default -> PolicyView::issuedAt;
        };
        @SuppressWarnings({"unchecked", "rawtypes"})
        java.util.Comparator<PolicyView> byField = java.util.Comparator.comparing(v -> (Comparable) key.apply(v),
                java.util.Comparator.nullsFirst(java.util.Comparator.naturalOrder()));
        return (descending ? byField.reversed() : byField).thenComparing(PolicyView::policyId);
    }

    private static Criteria visibleTo(Caller caller) {
        return caller.isCustomerOnly() ? where("policyholder").is(caller.login()) : new Criteria();
    }
}
