package org.coverledger.query.claim;

import static org.springframework.data.mongodb.core.query.Criteria.where;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.Caller;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/claims")
@Tag(name = "Claims", description = "Claim progress")
public class ClaimQueryController {

    private final MongoTemplate mongo;

    public ClaimQueryController(MongoTemplate mongo) {
        this.mongo = mongo;
    }

    @GetMapping("/{claimId}/progress")
    @Operation(summary = "Current status of a claim and the timeline of its steps")
    public ClaimProgressView progress(@PathVariable String claimId, Caller caller) {
        Criteria criteria = where("_id").is(claimId);
        if (caller.isCustomerOnly()) {
            criteria = criteria.and("claimant").is(caller.login());
        }
        ClaimProgressView view = mongo.findOne(Query.query(criteria), ClaimProgressView.class);
        if (view == null) {
            throw new NotFound("claim", claimId);
        }
        return view;
    }
}
