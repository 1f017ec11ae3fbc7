package org.coverledger.command.claim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.gridfs.GridFSBuckets;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bson.Document;
import org.coverledger.command.support.TestMongo;
import org.coverledger.materials.MaterialStore;
import org.coverledger.privacy.SubjectKeys;
import org.junit.jupiter.api.Test;

/** Files whose upload no claim recorded go; the claims' own, files too young and files not checked stay. */
class MaterialSweepTest {

    private final MongoDatabase database = TestMongo.freshDatabase();
    private final MaterialStore store = new MaterialStore(database, new SubjectKeys(database,
            SubjectKeys.randomMasterKey()));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private void stored(String claimId, String materialId) throws Exception {
        store.store("acc-1", claimId, materialId, new ByteArrayInputStream(("%PDF-1.4 " + materialId)
                .getBytes(StandardCharsets.UTF_8)), 1 << 20);
    }

    private MaterialSweep sweepAt(Instant now) {
        return new MaterialSweep(store, (claimId, materialId) -> {
            if (claimId.equals("clm-unreachable")) {
                throw new IllegalStateException("the command side is busy");
            }
            return claimId.equals("clm-1") && materialId.equals("recorded");
        }, Duration.ofHours(1), Clock.fixed(now, ZoneOffset.UTC), meters);
    }

    @Test
    void a_file_no_claim_recorded_is_removed_once_it_is_old_enough() throws Exception {
        stored("clm-1", "recorded");
        stored("clm-1", "orphan");
        stored("clm-gone", "of-a-claim-that-does-not-exist");
        stored("clm-unreachable", "unchecked");
        // a file from before files named their claim: left alone
        GridFSBuckets.create(database, MaterialStore.BUCKET).uploadFromStream(
                new org.bson.BsonString("legacy"), "legacy", new ByteArrayInputStream(new byte[] {1, 2, 3}),
                new com.mongodb.client.gridfs.model.GridFSUploadOptions().metadata(new Document("subject", "acc-1")));

        assertThat(sweepAt(Instant.now()).sweep()).as("nothing is an hour old yet").isZero();
        assertThat(sweepAt(Instant.now().plus(Duration.ofHours(2))).sweep()).isEqualTo(2);

        assertThat(store.exists("recorded")).isTrue();
        assertThat(store.exists("orphan")).isFalse();
        assertThat(store.exists("of-a-claim-that-does-not-exist")).isFalse();
        assertThat(store.exists("unchecked")).isTrue();
        assertThat(store.exists("legacy")).isTrue();
        assertThat(meters.counter("coverledger.materials.orphans.removed").count()).isEqualTo(2.0);
        assertThat(database.getCollection(MaterialStore.BUCKET + ".chunks")
                .countDocuments(new Document("files_id", "orphan"))).as("its chunks too").isZero();
    }
}
