package org.coverledger.command.claim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Encoding;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.apache.commons.fileupload2.core.FileItemInput;
import org.apache.commons.fileupload2.core.FileItemInputIterator;
import org.apache.commons.fileupload2.core.FileUploadException;
import org.apache.commons.fileupload2.jakarta.servlet6.JakartaServletFileUpload;
import org.apache.tika.detect.Detector;
import org.apache.tika.config.TikaConfig;
import org.apache.tika.metadata.Metadata;
import org.coverledger.command.claim.Claim.PrepareUpload;
import org.coverledger.command.infra.Commands;
import org.coverledger.command.infra.Ids;
import org.coverledger.events.claim.ClaimApi.MaterialCategory;
import org.coverledger.events.claim.ClaimApi.UploadMaterial;
import org.coverledger.materials.MaterialStore;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.platform.Refuses;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A claim's materials, uploaded as {@code multipart/form-data} ({@code file} and {@code category}).
 * The body is read as a stream (commons-fileupload's streaming API; Spring's multipart parsing is
 * off, so no part is ever buffered whole or spooled to disk): the file's type is judged by its
 * first bytes (Apache Tika's magic, never the name or declared type: JPEG, PNG or PDF), its
 * bytes are sealed under the customer's key into GridFS as they arrive, counted, and past the
 * limit the stored chunks are removed and the answer is 413. Only a file stored whole is recorded
 * on the claim ({@code MaterialUploaded}); the same bytes again answer the material the claim has.
 */
@RestController
@RequestMapping("/api/claims")
@Tag(name = "Claims")
public class MaterialUploadController {

    static final Set<String> ACCEPTED = Set.of("image/jpeg", "image/png", "application/pdf");
    private static final int SNIFF_BYTES = 64 * 1024;

    public record UploadedMaterial(String claimId, String materialId, MaterialCategory category, String contentType,
                           long size, String sha256, boolean created) {
    }

    /** The form the upload is (for the API description). */
    public record UploadForm(@Schema(type = "string", format = "binary", requiredMode = Schema.RequiredMode.REQUIRED)
                             String file,
                             @Schema(requiredMode = Schema.RequiredMode.REQUIRED) MaterialCategory category) {
    }

    private final Commands commands;
    private final MaterialStore store;
    private final long maxBytes;
    private final String queryUrl;
    private final Detector detector = TikaConfig.getDefaultConfig().getDetector();
    private final MeterRegistry meters;

    public MaterialUploadController(Commands commands, MaterialStore store, MeterRegistry meters,
                                    @Value("${coverledger.claims.max-material-bytes}") long maxBytes,
                                    @Value("${coverledger.query-side-url}") String queryUrl) {
        this.commands = commands;
        this.store = store;
        this.meters = meters;
        this.maxBytes = maxBytes;
        this.queryUrl = queryUrl;
    }

    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "201", description = "stored, a new material",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = UploadedMaterial.class)))
    @io.swagger.v3.oas.annotations.responses.ApiResponse(responseCode = "200", description = "the claim has these "
            + "bytes already: its material", content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                    schema = @Schema(implementation = UploadedMaterial.class)))
    @Refuses({"CLAIM_CLOSED", "MATERIALS_LIMIT"})
    @PostMapping(path = "/{claimId}/materials", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @Operation(summary = "Upload a material for the claim: JPEG, PNG or PDF (by its bytes), at most 10 MB, at most "
            + "50 per claim. 201 with the new material; the same file again answers 200 with the one the claim has")
    @RequestBody(content = @Content(mediaType = MediaType.MULTIPART_FORM_DATA_VALUE,
            schema = @Schema(implementation = UploadForm.class),
            encoding = @Encoding(name = "file", contentType = "image/jpeg, image/png, application/pdf")))
    public ResponseEntity<?> upload(@PathVariable String claimId, HttpServletRequest request) throws IOException {
        Ids.requireKnownFormat("claim", claimId);
        String accountId = commands.send(new PrepareUpload(claimId)); // refused before a byte is stored
        String materialId = UUID.randomUUID().toString();
        MaterialStore.Stored stored = null;
        String contentType = null;
        String fileName = null;
        String category = null;
        List<FieldProblem> problems = new ArrayList<>();
        try {
            FileItemInputIterator items = new JakartaServletFileUpload<>().getItemIterator(request);
            while (items.hasNext()) {
                FileItemInput item = items.next();
                String field = item.getFieldName();
                if ("category".equals(field) && item.isFormField()) {
                    category = new String(item.getInputStream().readNBytes(64), StandardCharsets.UTF_8).trim();
                } else if ("file".equals(field) && !item.isFormField() && stored == null) {
                    InputStream in = new BufferedInputStream(item.getInputStream(), SNIFF_BYTES);
                    contentType = detector.detect(in, new Metadata()).getBaseType().toString();
                    if (!ACCEPTED.contains(contentType)) {
                        drain(in);
                        meters.counter("coverledger.materials.refused", "reason", "type").increment();
                        return problem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MATERIAL_TYPE", "A material is a "
                                + "JPEG, PNG or PDF file; this one's bytes are " + contentType + ".");
                    }
                    fileName = item.getName() == null ? null : item.getName().substring(0, Math.min(200, item.getName().length()));
                    try {
                        stored = store.store(accountId, claimId, materialId, in, maxBytes);
                    } catch (MaterialStore.TooLarge e) {
                        drain(in);
                        meters.counter("coverledger.materials.refused", "reason", "size").increment();
                        return problem(HttpStatus.PAYLOAD_TOO_LARGE, "MATERIAL_TOO_LARGE", "A material is at most "
                                + maxBytes + " bytes.");
                    }
                } else {
                    drain(item.getInputStream());
                    problems.add(new FieldProblem(field == null ? "body" : field, "is not a known part (file, category)"));
                }
            }
        } catch (FileUploadException e) {
            discard(stored);
            return problem(HttpStatus.BAD_REQUEST, "MALFORMED_MULTIPART", "The body is not readable multipart form data.");
        }
        MaterialCategory parsed = null;
        if (category == null || category.isEmpty()) {
            problems.add(new FieldProblem("category", "must not be blank"));
        } else {
            try {
                parsed = MaterialCategory.valueOf(category);
            } catch (IllegalArgumentException e) {
                problems.add(new FieldProblem("category", "must be one of " + java.util.Arrays.toString(MaterialCategory.values())));
            }
        }
        if (stored == null) {
            problems.add(new FieldProblem("file", "must be given"));
        }
        if (!problems.isEmpty()) {
            discard(stored);
            ProblemResponses.throwIfAny(problems);
        }
        Claim.Upload upload;
        try {
            upload = commands.send(new UploadMaterial(claimId, materialId, parsed, contentType, stored.size(),
                    stored.sha256(), fileName));
        } catch (org.coverledger.events.common.BusinessRuleViolation | org.coverledger.events.common.UnknownObject e) {
            discard(stored); // refused: the claim did not take it
            throw e;
        }
        // any other failure (a time-out, a lost connection) may have come after the claim recorded the
        // upload: the file stays, and MaterialSweep removes it later if the claim does not hold it
        if (!upload.created()) {
            discard(stored); // the claim has these bytes already
            return ResponseEntity.ok(new UploadedMaterial(claimId, upload.materialId(), parsed, contentType, stored.size(),
                    stored.sha256(), false));
        }
        meters.summary("coverledger.materials.uploaded.bytes").record(stored.size());
        return ResponseEntity.created(URI.create(queryUrl + "/api/claims/" + claimId + "/materials/" + materialId))
                .body(new UploadedMaterial(claimId, materialId, parsed, contentType, stored.size(), stored.sha256(), true));
    }

    private void discard(MaterialStore.Stored stored) {
        if (stored != null) {
            store.delete(stored.materialId());
        }
    }

    /**
     * Reads the rest of a refused part and throws it away (the request's own limit bounds it), so
     * that the client, still sending, reads the answer instead of a reset connection.
     */
    private static void drain(InputStream in) {
        byte[] buffer = new byte[64 * 1024];
        try {
            while (in.read(buffer) != -1) {
                // discarded
            }
        } catch (IOException e) {
            // the body ended badly or passed the request's limit: the answer stands
        }
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String code, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemResponses.problem(status, code, detail));
    }
}
