package org.coverledger.query.claim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.query.claim.ClaimEvents.ACCOUNT;
import static org.coverledger.query.claim.ClaimEvents.submitted;
import static org.coverledger.query.claim.ClaimEvents.uploaded;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.Random;
import java.util.Set;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bson.Document;
import org.bson.types.Binary;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.materials.MaterialStore;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.ProjectionTestMongo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.core.MethodParameter;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/** A claim's file back to who may see the claim: verified, cached by its SHA-256, never served corrupted. */
class ClaimMaterialControllerTest {

    private static final Instant AT = Instant.parse("2027-03-02T02:00:00Z");

    private final ProjectionTestMongo mongo = new ProjectionTestMongo();
    private final SubjectKeys keys = new SubjectKeys(mongo.template().getDb(), SubjectKeys.randomMasterKey());
    private final MaterialStore store = new MaterialStore(mongo.template().getDb(), keys);
    private final ClaimProgressProjection projection = new ClaimProgressProjection(mongo.template());
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final byte[] file = new byte[200_000];
    private Caller caller = new Caller("alice", Set.of(Role.CUSTOMER));
    private MockMvc mvc;
    private String sha256;

    @BeforeEach
    void claimWithAFile() throws Exception {
        new Random(7).nextBytes(file);
        MaterialStore.Stored stored = store.store(ACCOUNT, "clm-1", "mat-1", new ByteArrayInputStream(file), 10 << 20);
        sha256 = stored.sha256();
        projection.on(submitted("clm-1", AT, "Hospital stay"), 0, "alice");
        projection.on(uploaded("clm-1", "mat-1", MaterialCategory.INVOICE, AT, sha256, stored.size()), 1);
        mvc = MockMvcBuilders.standaloneSetup(new ClaimMaterialController(mongo.template(), store, meters))
                .setControllerAdvice(new ProblemResponses())
                .setCustomArgumentResolvers(new HandlerMethodArgumentResolver() {
                    @Override
                    public boolean supportsParameter(MethodParameter parameter) {
                        return parameter.getParameterType() == Caller.class;
                    }

                    @Override
                    public Object resolveArgument(MethodParameter parameter, ModelAndViewContainer container,
                                                  NativeWebRequest request, WebDataBinderFactory binders) {
                        return caller;
                    }
                }).build();
    }

    @AfterEach
    void stop() {
        mongo.close();
    }

    private double corruptedCount() {
        return meters.counter("coverledger.materials.corrupted").count();
    }

    @Test
    void the_file_comes_back_whole_with_its_sha256_as_etag() throws Exception {
        mvc.perform(get("/api/claims/clm-1/materials/mat-1"))
                .andExpect(status().isOk())
                .andExpect(header().string("ETag", "\"" + sha256 + "\""))
                .andExpect(header().string("Content-Type", "image/png"))
                .andExpect(content().bytes(file));
    }

    @Test
    void a_matching_if_none_match_answers_304_without_the_file() throws Exception {
        byte[] body = mvc.perform(get("/api/claims/clm-1/materials/mat-1").header("If-None-Match", "\"" + sha256 + "\""))
                .andExpect(status().isNotModified())
                .andExpect(header().string("ETag", "\"" + sha256 + "\""))
                .andReturn().getResponse().getContentAsByteArray();
        assertThat(body).isEmpty();
        mvc.perform(get("/api/claims/clm-1/materials/mat-1").header("If-None-Match", "\"" + "0".repeat(64) + "\""))
                .andExpect(status().isOk());
    }

    @Test
    void a_corrupted_file_is_never_served() throws Exception {
        MongoCollection<Document> chunks = mongo.template().getDb().getCollection(MaterialStore.BUCKET + ".chunks");
        Document chunk = chunks.find(Filters.and(Filters.eq("files_id", "mat-1"), Filters.eq("n", 0))).first();
        byte[] data = chunk.get("data", Binary.class).getData();
        data[data.length / 2] ^= 0x01;
        chunks.updateOne(Filters.eq("_id", chunk.get("_id")), Updates.set("data", new Binary(data)));

        byte[] body = mvc.perform(get("/api/claims/clm-1/materials/mat-1"))
                .andExpect(status().isInternalServerError())
                .andExpect(jsonPath("$.code").value("MATERIAL_CORRUPTED"))
                .andExpect(header().doesNotExist("ETag"))
                .andReturn().getResponse().getContentAsByteArray();
        assertThat(new String(body, java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("invoice-scan");
        assertThat(body.length).isLessThan(1000);
        assertThat(corruptedCount()).isEqualTo(1.0);
    }

    @Test
    void an_erased_customers_file_is_gone() throws Exception {
        keys.erase(ACCOUNT);
        mvc.perform(get("/api/claims/clm-1/materials/mat-1"))
                .andExpect(status().isGone())
                .andExpect(jsonPath("$.code").value("MATERIAL_ERASED"));
        assertThat(corruptedCount()).isZero();
    }

    @Test
    void an_unknown_material_or_someone_elses_claim_is_not_found() throws Exception {
        mvc.perform(get("/api/claims/clm-1/materials/mat-9")).andExpect(status().isNotFound())
                .andExpect(jsonPath("$.code").value("NOT_FOUND"));
        caller = new Caller("bob", Set.of(Role.CUSTOMER));
        mvc.perform(get("/api/claims/clm-1/materials/mat-1")).andExpect(status().isNotFound());
        caller = new Caller("adam", Set.of(Role.ADJUSTER));
        mvc.perform(get("/api/claims/clm-1/materials/mat-1")).andExpect(status().isOk());
    }
}
