package org.coverledger.query.audit;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.bson.Document;
import org.coverledger.eventstore.CommitChain;
import org.coverledger.eventstore.CommitTree;
import org.coverledger.eventstore.MerkleTree;
import org.coverledger.events.common.Caller;
import org.coverledger.events.common.Role;
import org.coverledger.platform.ProblemResponses;
import org.coverledger.platform.ProblemResponses.FieldProblem;
import org.coverledger.privacy.SubjectKeys;
import org.coverledger.query.infra.ProjectionPositions;
import org.springframework.data.mongodb.core.MongoTemplate;
import org.springframework.data.mongodb.core.query.Criteria;
import org.springframework.data.mongodb.core.query.Query;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The audit trail exported, streamed in constant memory, so that it can be checked offline with no
 * database ({@code ops/verify-audit}). NDJSON ({@value #FORMAT}): a header line; for each commit of
 * the log that holds a matching entry, a {@code commit} line with its leaf index, global position
 * and canonical bytes (and, when filtered, its inclusion proof), then one {@code entry} line per
 * matching audit entry; a closing {@code checkpoint} line with the signed checkpoint of the tree
 * the export covers. Unfiltered, every commit of the tree is there, so its root can be recomputed
 * from the file; filtered, each commit carries its proof. CSV gives the entries as a table, with
 * the checkpoint in closing comment lines.
 */
@RestController
@RequestMapping("/api/audit/export")
@Tag(name = "Audit", description = "The immutable audit trail (compliance, admin)")
public class AuditExportController {

    static final String FORMAT = "coverledger-audit-export-v1";
    private static final String NDJSON = "application/x-ndjson";
    private static final List<String> CSV_COLUMNS = List.of("position", "eventId", "eventType", "aggregateType",
            "aggregateId", "sequence", "timestamp", "actor", "roles", "requestId", "clientIp", "correlationId",
            "causationId", "leafIndex", "leafHash");

    private final AuditLog log;
    private final MongoTemplate mongo;
    private final ObjectMapper json;
    private final SubjectKeys keys;
    private final ProjectionPositions positions;
    private final Clock clock;

    public AuditExportController(AuditLog log, MongoTemplate mongo, ObjectMapper json, SubjectKeys keys,
                                 ProjectionPositions positions, Clock clock) {
        this.log = log;
        this.mongo = mongo;
        this.json = json;
        this.keys = keys;
        this.positions = positions;
        this.clock = clock;
    }

    @GetMapping(produces = {NDJSON, "text/csv"})
    @Operation(summary = "Export the audit trail, streamed, with hashes and a closing signed checkpoint (compliance, "
            + "admin)",
            description = "format=ndjson (default: header, commit and entry lines, closing checkpoint; checked offline "
                    + "by ops/verify-audit) or csv. The filters are those of GET /api/audit. The export covers the "
                    + "tree of the commits the audit trail has recorded when it starts.")
    @ApiResponse(responseCode = "200", description = "the export", content = {
            @Content(mediaType = NDJSON, schema = @Schema(type = "string")),
            @Content(mediaType = "text/csv", schema = @Schema(type = "string"))})
    public ResponseEntity<StreamingResponseBody> export(@RequestParam(required = false) String format,
                                                        @RequestParam(required = false) String aggregateId,
                                                        @RequestParam(required = false) String actor,
                                                        @RequestParam(required = false) String eventType,
                                                        @RequestParam(required = false) String correlationId,
                                                        @RequestParam(required = false) String requestId,
                                                        @RequestParam(required = false) String clientIp,
                                                        @RequestParam(required = false) String from,
                                                        @RequestParam(required = false) String to, Caller caller,
                                                        jakarta.servlet.http.HttpServletRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        boolean csv = "csv".equals(format);
        if (format != null && !csv && !"ndjson".equals(format)) {
            problems.add(new FieldProblem("format", "must be ndjson or csv"));
        }
        AuditFilter filter = AuditFilter.of(java.util.Arrays.asList(aggregateId, actor, eventType, correlationId,
                requestId, clientIp), from, to, problems);
        ProblemResponses.throwIfAny(problems);
        boolean opened = caller.hasAnyRole(Role.COMPLIANCE);
        long size = recordedTreeSize();
        String name = "audit-" + clock.instant().toString().replace(":", "") + (csv ? ".csv" : ".ndjson");
        long[] counts = {0, 0}; // commits, entries
        AuditAccessFilter.entries(request, () -> counts[1]); // recorded when the last byte is written
        StreamingResponseBody body = out -> {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
            write(writer, size, filter, opened, csv, counts);
            writer.flush();
        };
        return ResponseEntity.ok().contentType(MediaType.parseMediaType(csv ? "text/csv;charset=UTF-8" : NDJSON))
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + name + "\"").body(body);
    }

    /** The tree size up to the last commit whose events the audit trail has all recorded. */
    private long recordedTreeSize() {
        long size = log.current();
        long passed = positions.passed("audit");
        CommitTree tree = log.tree();
        while (size > 0) {
            long[] last = {-1};
            tree.forEachLeaf(size - 1, size, (leaf, commit) -> last[0] = commit.getLong("last"));
            if (last[0] <= passed) {
                break;
            }
            size--;
        }
        return size;
    }

    private void write(Writer out, long size, AuditFilter filter, boolean opened, boolean csv, long[] counts)
            throws IOException {
        CommitTree tree = log.tree();
        String checkpoint = log.checkpoint(size);
        if (csv) {
            out.write(String.join(",", CSV_COLUMNS) + "\n");
        } else {
            ObjectNode header = json.createObjectNode().put("type", "header").put("format", FORMAT)
                    .put("origin", log.origin()).put("treeSize", size).put("complete", filter.none())
                    .put("verifierKey", log.verifier().text()).put("exportedAt", clock.instant().toString());
            header.set("filters", json.valueToTree(filter.equal()));
            if (filter.from() != null) {
                header.put("from", filter.from().toString());
            }
            if (filter.to() != null) {
                header.put("to", filter.to().toString());
            }
            line(out, header);
        }
        tree.forEachLeaf(0, size, (leaf, commit) -> {
            try {
                exportCommit(out, tree, size, leaf, commit, filter, opened, csv, counts);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (csv) {
            for (String line : checkpoint.split("\n", -1)) {
                out.write("# " + line + "\n");
            }
        } else {
            line(out, json.createObjectNode().put("type", "checkpoint").put("commits", counts[0])
                    .put("entries", counts[1]).put("checkpoint", checkpoint));
        }
    }

    private void exportCommit(Writer out, CommitTree tree, long size, long leaf, Document commit, AuditFilter filter,
                              boolean opened, boolean csv, long[] counts) throws IOException {
        List<Document> events = commit.getList("events", Document.class);
        List<String> ids = events.stream().map(e -> e.getString("id")).toList();
        Map<String, AuditEntry> entries = new HashMap<>();
        mongo.find(Query.query(Criteria.where("_id").in(ids)), AuditEntry.class)
                .forEach(entry -> entries.put(entry.eventId(), entry));
        List<AuditEntry> matching = new ArrayList<>();
        for (String id : ids) {
            AuditEntry entry = entries.get(id);
            if (entry != null && filter.matches(entry)) {
                matching.add(entry);
            }
        }
        if (matching.isEmpty() && !filter.none()) {
            return;
        }
        byte[] canonical = CommitChain.canonical(commit);
        String leafHash = Base64.getEncoder().encodeToString(MerkleTree.leafHash(canonical));
        counts[0]++;
        if (!csv) {
            ObjectNode line = json.createObjectNode().put("type", "commit").put("leafIndex", leaf)
                    .put("position", commit.getLong("_id")).put("leafHash", leafHash)
                    .put("entry", Base64.getEncoder().encodeToString(canonical));
            if (!filter.none()) {
                line.set("proof", json.valueToTree(MerkleTree.inclusionProof(tree, leaf, size).stream()
                        .map(h -> Base64.getEncoder().encodeToString(h)).toList()));
            }
            line(out, line);
        }
        for (AuditEntry entry : matching) {
            counts[1]++;
            JsonNode payload = SealedValues.shown(json.valueToTree(entry.payload()), keys, opened);
            if (csv) {
                List<String> cells = List.of(String.valueOf(entry.position()), entry.eventId(), nz(entry.eventType()),
                        nz(entry.aggregateType()), nz(entry.aggregateId()), String.valueOf(entry.sequence()),
                        entry.timestamp().toString(), nz(entry.actor()), nz(entry.roles()), nz(entry.requestId()),
                        nz(entry.clientIp()), nz(entry.correlationId()), nz(entry.causationId()), String.valueOf(leaf),
                        leafHash);
                out.write(String.join(",", cells.stream().map(AuditExportController::csvCell).toList()) + "\n");
            } else {
                ObjectNode line = json.valueToTree(entry.withPayload(null));
                line.set("payload", payload);
                ObjectNode typed = json.createObjectNode().put("type", "entry").put("leafIndex", leaf);
                typed.setAll(line);
                line(out, typed);
            }
        }
    }

    private void line(Writer out, JsonNode node) throws IOException {
        out.write(json.writeValueAsString(node));
        out.write('\n');
    }

    private static String nz(String value) {
        return value == null ? "" : value;
    }

    /** RFC 4180: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is quoted too (spreadsheets). */
    static String csvCell(String value) {
        boolean quote = value.contains(",") || value.contains("\"") || value.contains("\n") || value.contains("\r")
                || !value.isEmpty() && "=+-@".indexOf(value.charAt(0)) >= 0;
        return quote ? "\"" + (("=+-@".indexOf(value.isEmpty() ? ' ' : value.charAt(0)) >= 0 ? "'" : "")
                + value.replace("\"", "\"\"")) + "\"" : value;
    }

}
