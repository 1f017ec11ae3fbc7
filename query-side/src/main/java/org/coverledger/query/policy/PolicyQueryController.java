package org.coverledger.query.policy;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
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

    private final MongoTemplate mongo;
    private final org.coverledger.query.document.EPolicyDocument documents;
    private final String zone;

    public PolicyQueryController(MongoTemplate mongo, org.coverledger.query.document.EPolicyDocument documents,
                                 @org.springframework.beans.factory.annotation.Value("${coverledger.business-zone}") String zone) {
        this.mongo = mongo;
        this.documents = documents;
        this.zone = zone;
    }

    @GetMapping
    @Operation(summary = "Page through policies; a customer sees only their own")
    public Paging.Page<PolicySummary> list(@RequestParam(required = false) String status,
                                           @RequestParam(required = false) String product,
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
        ProblemResponses.throwIfAny(problems);

        Criteria criteria = visibleTo(caller);
        if (status != null) {
            criteria = criteria.and("status").is(status);
        }
        if (product != null) {
            criteria = criteria.and("product").is(product);
        }
        Query query = Query.query(criteria);
        long total = mongo.count(query, PolicyView.class);
        List<PolicySummary> items = mongo.find(query.with(Sort.by("issuedAt", "_id"))
                        .skip(paging.offset()).limit(paging.size()), PolicyView.class)
                .stream().map(PolicySummary::of).toList();
        return new Paging.Page<>(items, paging.page(), paging.size(), total);
    }

    @GetMapping("/{policyId}")
    @Operation(summary = "One policy with its change history")
    public PolicyView get(@PathVariable String policyId, Caller caller) {
        PolicyView view = mongo.findOne(Query.query(visibleTo(caller).and("_id").is(policyId)),
                PolicyView.class);
        if (view == null) {
            throw new NotFound("policy", policyId);
        }
        return view;
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
                quote == null ? "SELF" : quote.relationship(), view.beneficiary(),
                org.coverledger.events.policy.Product.valueOf(view.product()), view.sumInsured(), view.premium(),
                quote == null || quote.paymentPlan() == null ? "ANNUAL" : quote.paymentPlan(),
                view.startDate().toString(), view.endDate().toString(), zone,
                quote == null ? org.coverledger.events.policy.ProductCatalogue.termsVersion() : quote.termsVersion(),
                view.status(), org.coverledger.query.document.EPolicyDocument.verificationCode(view.policyId(),
                        view.policyNumber(), view.issuedSumInsured() == null ? view.sumInsured() : view.issuedSumInsured(),
                        view.premium(), view.startDate().toString(), view.endDate().toString())));
        return org.springframework.http.ResponseEntity.ok()
                .contentType(org.springframework.http.MediaType.APPLICATION_PDF)
                .header("Content-Disposition", "inline; filename=\"" + view.policyNumber() + ".pdf\"")
                .body(pdf);
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

    private static Criteria visibleTo(Caller caller) {
        return caller.isCustomerOnly() ? where("policyholder").is(caller.login()) : new Criteria();
    }
}
