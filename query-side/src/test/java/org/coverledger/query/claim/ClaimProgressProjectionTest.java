package org.coverledger.query.claim;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;

import org.coverledger.events.claim.ClaimApi.ClaimSubmitted;
import org.coverledger.events.claim.ClaimApi.MaterialsRequested;
import org.coverledger.events.common.Money;
import org.coverledger.privacy.PersonalDataSeal;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Given claim events, the progress document; a redelivery changes nothing; erased text reads as erased. */
class ClaimProgressProjectionTest {

    private static final Instant AT = Instant.parse("2027-03-02T02:00:00Z");
    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final ClaimProgressProjection projection = new ClaimProgressProjection(mongo.template());

    @AfterEach
    void stop() {
        mongo.close();
    }

    private static ClaimSubmitted submitted(String description) {
        return new ClaimSubmitted("clm-1", "pol-1", "acc-1", "alice", LocalDate.parse("2027-03-01"), description,
                new Money(new BigDecimal("3200.50"), "CNY"), AT);
    }

    private static MaterialsRequested requested(String note) {
        return new MaterialsRequested("clm-1", "acc-1", List.of("invoice", "discharge summary"), note, "adam",
                AT.plusSeconds(3600));
    }

    private void handleAll(String description, String note) {
        projection.on(submitted(description), 0, "alice");
        projection.on(requested(note), 1);
    }

    @Test
    void submitted_then_materials_requested_make_the_progress_and_its_timeline() {
        handleAll("Hospital stay", "please upload");
        ClaimProgressView view = mongo.template().findById("clm-1", ClaimProgressView.class);
        assertThat(view.status()).isEqualTo("MATERIALS_REQUESTED");
        assertThat(view.amountClaimed()).isEqualByComparingTo("3200.50");
        assertThat(view.lastSequence()).isEqualTo(1);
        assertThat(view.timeline()).extracting(ClaimProgressView.Step::step)
                .containsExactly("SUBMITTED", "MATERIALS_REQUESTED");
        assertThat(view.timeline().get(0).by()).isEqualTo("alice");
        assertThat(view.timeline().get(1).items()).containsExactly("invoice", "discharge summary");
        assertThat(view.timeline().get(1).note()).isEqualTo("please upload");
    }

    @Test
    void a_redelivered_history_changes_nothing() {
        handleAll("Hospital stay", "please upload");
        ClaimProgressView once = mongo.template().findById("clm-1", ClaimProgressView.class);
        handleAll("Hospital stay", "please upload");
        projection.on(requested("please upload"), 1);
        assertThat(mongo.template().findById("clm-1", ClaimProgressView.class)).isEqualTo(once);
    }

    @Test
    void rebuilt_after_an_erasure_the_personal_text_reads_as_erased() {
        // after an erasure the serializer hands the projection the events with their personal fields erased
        handleAll(PersonalDataSeal.ERASED, PersonalDataSeal.ERASED);
        ClaimProgressView view = mongo.template().findById("clm-1", ClaimProgressView.class);
        assertThat(view.timeline().get(1).note()).isEqualTo(PersonalDataSeal.ERASED);
        assertThat(view.status()).isEqualTo("MATERIALS_REQUESTED");
    }
}
