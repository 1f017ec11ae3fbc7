package org.coverledger.query.quote;

import java.time.Clock;
import java.util.List;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.PersonalDataMasking;
import org.coverledger.events.common.Role;
import org.coverledger.events.policy.ProductCatalogue;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.springframework.data.domain.Sort;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Products and quotes", description = "What the insurer sells, its rules, and the quotes made from them")
public class QuoteQueryController {

    private final MongoTemplate mongo;
    private final Clock clock;
    private final java.time.ZoneId zone;

    public QuoteQueryController(MongoTemplate mongo, Clock clock,
                                @org.springframework.beans.factory.annotation.Value("${coverledger.business-zone}")
                                java.time.ZoneId zone) {
        this.mongo = mongo;
        this.clock = clock;
        this.zone = zone;
    }

    @GetMapping("/api/products")
    @Operation(summary = "The products with their coverages, covered incident types, limits, waiting period, "
            + "deductible, declaration questions and premium rules (no login needed)")
    public ProductCatalogue.Catalogue products() {
        return ProductCatalogue.catalogue();
    }

    @GetMapping("/api/quotes/{quoteId}")
    @Operation(summary = "One quote; a customer sees only their own", description = "status: OFFERED (until "
            + "validUntil), REFERRED (waiting for an underwriter), DECLINED (with the reason), PURCHASED (with "
            + "the policy) or EXPIRED.")
    public QuoteView quote(@PathVariable String quoteId, Caller caller) {
        QuoteView view = mongo.findById(quoteId, QuoteView.class);
        if (view == null || !caller.mayActOn(view.owner(), Role.UNDERWRITER, Role.ADMIN)) {
            throw new NotFound("quote", quoteId);
        }
        return shown(view, caller);
    }

    /** A referred quote or a major change of a policy, waiting since {@code referredAt}. */
    public record QueueItem(String kind, String id, java.time.Instant referredAt, QuoteView quote, ChangeWaiting change) {
    }

    /**
     * A change of the sum insured (from, to), a reinstatement whose new declaration was referred
     * ({@code referrals}), or a renewal referred by what the term's claims paid ({@code claimsPaid}
     * of {@code sumInsured}).
     */
    public record ChangeWaiting(String policyId, String policyNumber, String product, java.math.BigDecimal from,
                                java.math.BigDecimal sumInsured, String requestedBy, List<String> referrals,
                                @io.swagger.v3.oas.annotations.media.Schema(description = "RENEWAL: what the claims "
                                        + "of the term paid") java.math.BigDecimal claimsPaid) {
    }

    @GetMapping("/api/underwriting/queue")
    @Operation(summary = "Referred quotes (kind QUOTE), major policy changes (kind CHANGE) and reinstatements whose "
            + "new declaration was referred (kind REINSTATEMENT) and renewals referred by the term's claims (kind RENEWAL) "
            + "waiting for an underwriter, oldest first")
    public List<QueueItem> queue(Caller caller) {
        List<QueueItem> items = new java.util.ArrayList<>();
        for (QuoteView view : mongo.find(Query.query(Criteria.where("status").is("REFERRED")), QuoteView.class)) {
            items.add(new QueueItem("QUOTE", view.quoteId(), view.quotedAt(), shown(view, caller), null));
        }
        for (org.coverledger.query.policy.PolicyView policy : mongo.find(Query.query(Criteria.where(
                "pendingReinstatement.decision").is("PENDING")), org.coverledger.query.policy.PolicyView.class)) {
            org.coverledger.query.policy.PolicyView.PendingReinstatement waiting = policy.pendingReinstatement();
            items.add(new QueueItem("REINSTATEMENT", waiting.referralId(), waiting.requestedAt(), null,
                    new ChangeWaiting(policy.policyId(), policy.policyNumber(), policy.product(), null, null,
                            waiting.requestedBy(), waiting.referrals(), null)));
        }
        for (org.coverledger.query.policy.PolicyView policy : mongo.find(Query.query(Criteria.where(
                "pendingRenewal.decision").is("PENDING")), org.coverledger.query.policy.PolicyView.class)) {
            org.coverledger.query.policy.PolicyView.PendingRenewal waiting = policy.pendingRenewal();
            items.add(new QueueItem("RENEWAL", waiting.referralId(), waiting.requestedAt(), null,
                    new ChangeWaiting(policy.policyId(), policy.policyNumber(), policy.product(), null,
                            waiting.sumInsured(), waiting.requestedBy(), null, waiting.claimsPaid())));
        }
        for (org.coverledger.query.policy.PolicyView policy : mongo.find(Query.query(Criteria.where("pendingChange")
                .ne(null)), org.coverledger.query.policy.PolicyView.class)) {
            org.coverledger.query.policy.PolicyView.PendingChange change = policy.pendingChange();
            items.add(new QueueItem("CHANGE", change.changeId(), change.requestedAt(), null, new ChangeWaiting(
                    policy.policyId(), policy.policyNumber(), policy.product(), change.from(), change.sumInsured(),
                    change.requestedBy(), null, null)));
        }
        items.sort(java.util.Comparator.comparing(QueueItem::referredAt).thenComparing(QueueItem::id));
        return items;
    }

    private QuoteView shown(QuoteView view, Caller caller) {
        // as the purchase judges it: past its validity, or its cover would start in the past
        boolean expired = "OFFERED".equals(view.status()) && (view.validUntil() == null
                || !view.validUntil().isAfter(clock.instant())
                || view.startDate().isBefore(java.time.LocalDate.now(clock.withZone(zone))));
        return new QuoteView(view.quoteId(), view.accountId(), view.owner(), view.product(), view.sumInsured(),
                view.startDate(), view.termMonths(), view.endDate(), view.insuredName(),
                PersonalDataMasking.nationalId(view.insuredNationalId(), caller), view.relationship(), view.insuredAge(),
                view.declarations(), view.annualPremium(), view.loadingPercent(), view.loadings(), view.referrals(),
                view.underwriterLoadingPercent(), expired ? "EXPIRED" : view.status(), view.termsVersion(),
                view.quotedAt(), view.validUntil(), view.decidedBy(), view.decidedAt(), view.declineReason(),
                view.policyId(), view.paymentPlan(), view.lastSequence());
    }
}
