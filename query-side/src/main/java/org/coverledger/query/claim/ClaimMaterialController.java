package org.coverledger.query.claim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.coverledger.events.common.Caller;
import org.coverledger.materials.MaterialStore;
import org.coverledger.materials.MaterialStore.NotServed;
import org.coverledger.materials.MaterialStore.Unreadable;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.NotFound;
import org.coverledger.privacy.PersonalDataSeal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.http.CacheControl;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A claim's files, to whoever may see the claim. A file is sent only once all of it has been read
 * from the store, opened and found to hash to the SHA-256 its upload recorded, so a corrupted
 * file is never served, not even in part: the store checks it on opening, and the bytes sent are
 * checked again as they are taken into memory (a file is at most 10 MB), before any header goes out.
 */
@RestController
@RequestMapping("/api/claims")
@Tag(name = "Claims")
public class ClaimMaterialController {

    private static final Logger log = LoggerFactory.getLogger(ClaimMaterialController.class);

    private final MongoTemplate mongo;
    private final MaterialStore store;
    private final Counter corrupted;

    public ClaimMaterialController(MongoTemplate mongo, MaterialStore store, MeterRegistry meters) {
        this.mongo = mongo;
        this.store = store;
        this.corrupted = Counter.builder("coverledger.materials.corrupted")
                .description("Claim materials that failed verification when asked for, and were not served")
                .register(meters);
    }

    @GetMapping("/{claimId}/materials/{materialId}")
    @Operation(summary = "A file of the claim, verified against its SHA-256 before it is sent; ETag is the SHA-256, "
            + "If-None-Match answers 304", description = "500 MATERIAL_CORRUPTED when the stored file fails "
            + "verification, 410 MATERIAL_ERASED once the customer's data is erased, 404 for an unknown material.")
    public ResponseEntity<byte[]> download(@PathVariable String claimId, @PathVariable String materialId,
                                           @RequestHeader(value = HttpHeaders.IF_NONE_MATCH, required = false)
                                           String ifNoneMatch, Caller caller) {
        ClaimProgressView view = ClaimQueryController.visible(mongo, claimId, caller);
        ClaimProgressView.Material material = (view.materials() == null ? java.util.List.<ClaimProgressView.Material>of()
                : view.materials()).stream().filter(m -> m.materialId().equals(materialId)).findFirst()
                .orElseThrow(() -> new NotFound("material", materialId));
        String etag = "\"" + material.sha256() + "\"";
        if (matches(ifNoneMatch, etag)) {
            return ResponseEntity.status(HttpStatus.NOT_MODIFIED).eTag(etag).cacheControl(CacheControl.noCache()
                    .cachePrivate()).build();
        }
        byte[] content = verified(view, material);
        return ResponseEntity.ok().eTag(etag).cacheControl(CacheControl.noCache().cachePrivate())
                .contentType(mediaType(material.contentType())).contentLength(content.length)
                .header(HttpHeaders.CONTENT_DISPOSITION, ContentDisposition.attachment()
                        .filename(fileName(material), StandardCharsets.UTF_8).build().toString())
                .body(content);
    }

    /** All of the file, opened and hashed to what its upload recorded; {@link NotServed} otherwise. */
    private byte[] verified(ClaimProgressView view, ClaimProgressView.Material material) {
        if (view.accountId() == null) {
            throw new NotServed(Unreadable.MISSING, "claim " + view.claimId() + " names no customer", null);
        }
        MessageDigest sha = sha256();
        ByteArrayOutputStream content = new ByteArrayOutputStream((int) Math.min(Math.max(material.size(), 0), 1 << 24));
        try (InputStream in = store.open(view.accountId(), material.materialId(), material.sha256())) {
            byte[] buffer = new byte[16 * 1024];
            for (int read = in.read(buffer); read != -1; read = in.read(buffer)) {
                if (content.size() + read > material.size()) {
                    throw new NotServed(Unreadable.CORRUPTED, "material " + material.materialId()
                            + " is longer than its upload recorded", null);
                }
                sha.update(buffer, 0, read);
                content.write(buffer, 0, read);
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof NotServed notServed) {
                throw notServed;
            }
            throw new NotServed(Unreadable.CORRUPTED, "material " + material.materialId() + " does not read", e);
        }
        String found = HexFormat.of().formatHex(sha.digest());
        if (!found.equalsIgnoreCase(material.sha256()) || content.size() != material.size()) {
            throw new NotServed(Unreadable.CORRUPTED, "material " + material.materialId()
                    + " changed as it was read", null);
        }
        return content.toByteArray();
    }

    @ExceptionHandler(NotServed.class)
    public ResponseEntity<ProblemDetail> notServed(NotServed e) {
        return switch (e.why()) {
            case CORRUPTED -> {
                corrupted.increment();
                // the ids only: the message may carry the hashes, never the content or the file's name
                log.warn("A claim material failed verification and was not served: {}", idsOf(e));
                yield problem(HttpStatus.INTERNAL_SERVER_ERROR, "MATERIAL_CORRUPTED",
                        "The file is damaged in storage and cannot be served; the operators are told.");
            }
            case ERASED -> problem(HttpStatus.GONE, "MATERIAL_ERASED",
                    "The file is no longer available: the customer's personal data was erased.");
            case MISSING -> {
                log.warn("A claim material recorded by its claim is missing from the material store: {}", idsOf(e));
                yield problem(HttpStatus.INTERNAL_SERVER_ERROR, "MATERIAL_MISSING",
                        "The file cannot be found in storage; the operators are told.");
            }
        };
    }

    private static String idsOf(NotServed e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        int cut = message.indexOf(':');
        return cut < 0 ? message : message.substring(0, cut); // "material <id> does not open: <cause>" keeps the id
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String code, String detail) {
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(ProblemResponses.problem(status, code, detail));
    }

    /** If-None-Match: a list of entity tags (weak ones compare too), or *. */
    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null || ifNoneMatch.isBlank()) {
            return false;
        }
        return Arrays.stream(ifNoneMatch.split(",")).map(String::trim)
                .map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag)
                .anyMatch(tag -> tag.equals("*") || tag.equalsIgnoreCase(etag));
    }

    private static MediaType mediaType(String contentType) {
        try {
            return contentType == null ? MediaType.APPLICATION_OCTET_STREAM : MediaType.parseMediaType(contentType);
        } catch (InvalidMediaTypeException e) {
            return MediaType.APPLICATION_OCTET_STREAM;
        }
    }

    private static String fileName(ClaimProgressView.Material material) {
        String name = material.fileName();
        return name == null || name.isBlank() || PersonalDataSeal.ERASED.equals(name)
                || PersonalDataSeal.WITHHELD.equals(name) ? material.materialId() : name;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
