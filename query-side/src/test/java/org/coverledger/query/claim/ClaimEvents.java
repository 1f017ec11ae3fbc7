package org.coverledger.query.claim;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.coverledger.events.claim.ClaimApi;
import org.coverledger.events.claim.ClaimApi.ClaimAssessed;
import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.Decision;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.MaterialUploaded;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.claim.ClaimApi.ReasonCode;
import org.coverledger.events.claim.ClaimApi.RequestedItem;
import org.coverledger.events.common.BusinessCalendar;
import org.coverledger.events.common.Money;

/** Claim events as the command side will write them, for the claim projections' tests. */
final class ClaimEvents {

    static final String ACCOUNT = "acc-1";
    static final String CLAIMANT = "alice";

    private ClaimEvents() {
    }

    static FirstActionSla sla(Instant now) {
        return new FirstActionSla(3, new BusinessCalendar(Clock.fixed(now, ZoneOffset.UTC), BusinessCalendar.DEFAULT_ZONE));
    }

    static Money cny(String amount) {
        return Money.cny(new BigDecimal(amount));
    }

    static ClaimSubmitted submitted(String claimId, Instant at, String description) {
        return new ClaimSubmitted(claimId, "pol-1", ACCOUNT, CLAIMANT, LocalDate.parse("2027-02-27"), description,
                cny("3200.50"), at, "HOSPITALISATION", "card-1", "HEALTH", "PN20270301AAAAAAAAAA");
    }

    static ClaimApi.ClaimAssigned assigned(String claimId, Instant at, String adjuster) {
        return new ClaimApi.ClaimAssigned(claimId, ACCOUNT, adjuster, "system", at);
    }

    static MaterialsRequested requested(String claimId, Instant at, String note) {
        return new MaterialsRequested(claimId, ACCOUNT, List.of(
                new RequestedItem(MaterialCategory.INVOICE, "the hospital's invoice"),
                new RequestedItem(MaterialCategory.DISCHARGE_SUMMARY, "the discharge summary")),
                note, "adam", at, LocalDate.parse("2027-03-31"));
    }

    static MaterialUploaded uploaded(String claimId, String materialId, MaterialCategory category, Instant at,
                                     String sha256, long size) {
        return new MaterialUploaded(claimId, ACCOUNT, materialId, category, "image/png", size, sha256,
                "invoice-scan.png", CLAIMANT, at);
    }

    static ClaimAssessed assessed(String claimId, Instant at, Decision decision, String approved, String payable,
                                  boolean secondApproval, List<ReasonCode> reasons) {
        String lines = "[{\"item\":\"ward stay\",\"claimed\":{\"amount\":3200.50,\"currency\":\"CNY\"},"
                + "\"approved\":{\"amount\":" + approved + ",\"currency\":\"CNY\"},\"reasonCode\":"
                + (reasons.isEmpty() ? "null" : "\"" + reasons.get(0) + "\"") + "}]";
        return new ClaimAssessed(claimId, ACCOUNT, "pol-1", lines, reasons, decision, cny("3200.50"), cny(approved),
                cny("200.00"), cny(payable), "assessed on the invoice", "adam", secondApproval, at);
    }
}
