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
import org.coverledger.query.infra.Paging;
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

    static final List<String> STATUSES = List.of(PolicyProjection.IN_FORCE);

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

    public PolicyQueryController(MongoTemplate mongo) {
        this.mongo = mongo;
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

    private static Criteria visibleTo(Caller caller) {
        return caller.isCustomerOnly() ? where("policyholder").is(caller.login()) : new Criteria();
    }
}
