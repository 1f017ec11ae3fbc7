package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail exported over HTTP and checked offline, as a regulator would with the file
 * alone: ops/verify-audit (VerifyAudit) finds it valid and extending a checkpoint saved earlier,
 * names the line of any change made to the file, and a filtered export's proofs also check out
 * with Go's tlog.
 */
class AuditExportIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path data;

    @Test
    void an_export_checks_out_offline_and_any_line_changed_in_the_file_is_named() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            Customer customer = Customers.register(system, "Lu Xun");
            Api buyer = customer.command(system);
            String policyId = Policies.buy(buyer, customer.accountId()).policyId();
            Api cora = Api.at(system.queryUrl(), "cora");
            Path digest = data.resolve("checkpoint.txt");
            Files.writeString(digest, cora.get("/api/audit/digest", "Accept", "text/plain").body());
            Reply changed = buyer.post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"Lu Ming\"}");
            assertThat(changed.status()).isEqualTo(202);
            long events = system.storedEvents();
            await().atMost(Duration.ofSeconds(20)).until(() -> cora.get("/api/audit?size=1").json().get("total").asLong() == events);
            String key = Api.at(system.queryUrl(), null).get("/api/audit/public-key").json().get("verifierKey").asText();

            Reply export = cora.get("/api/audit/export?format=ndjson");
            assertThat(export.status()).as(export.toString()).isEqualTo(200);
            assertThat(export.header("Content-Type")).startsWith("application/x-ndjson");
            Path file = data.resolve("audit.ndjson");
            Files.writeString(file, export.body());
            VerifyAudit.Report report = VerifyAudit.verify(file, digest, key);
            assertThat(report.valid()).as(report.toString()).isTrue();
            assertThat(report.entries()).isEqualTo(events);
            assertThat(report.message()).contains("extends the saved digest");
            assertThat(VerifyAudit.verify(file, null, null).warnings()).as("a key from the file is said to be weak")
                    .isNotEmpty();

            // the file changed: who did it, a commit left out, the checkpoint, the signing key
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            int entryLine = indexOf(lines, "\"type\":\"entry\"", "\"aggregateId\":\"" + policyId + "\"");
            ObjectNode entry = (ObjectNode) JSON.readTree(lines.get(entryLine));
            entry.put("actor", "someone-else");
            assertInvalidAt(withLine(lines, entryLine, entry.toString()), key, entryLine + 1, "actor");
            int commitLine = indexOf(lines, "\"type\":\"commit\"", "\"leafIndex\":1,");
            List<String> without = new ArrayList<>(lines);
            without.remove(commitLine);
            assertInvalidAt(without, key, commitLine + 1, "without its commit");
            ObjectNode checkpoint = (ObjectNode) JSON.readTree(lines.get(lines.size() - 1));
            checkpoint.put("checkpoint", checkpoint.get("checkpoint").asText().replaceFirst("\n[0-9]+\n", "\n999\n"));
            VerifyAudit.Report forged = VerifyAudit.verify(write(withLine(lines, lines.size() - 1, checkpoint.toString())), null, key);
            assertThat(forged.valid()).isFalse();
            assertThat(forged.message()).contains("not signed");
            String otherKey = org.coverledger.eventstore.SignedNote.Signer.generate("coverledger.local/audit").verifier().text();
            assertThat(VerifyAudit.verify(file, null, otherKey).valid()).isFalse();

            // filtered: one policy, each commit proved, also by Go's tlog
            Reply filtered = cora.get("/api/audit/export?aggregateId=" + policyId);
            Path policyFile = write(filtered.body().lines().toList());
            VerifyAudit.Report policyReport = VerifyAudit.verify(policyFile, null, key);
            assertThat(policyReport.valid()).as(policyReport.toString()).isTrue();
            List<JsonNode> policyLines = new ArrayList<>();
            for (String line : filtered.body().lines().toList()) {
                policyLines.add(JSON.readTree(line));
            }
            assertThat(policyLines.stream().filter(l -> l.get("type").asText().equals("entry")))
                    .isNotEmpty().allMatch(l -> l.get("aggregateId").asText().equals(policyId));
            JsonNode proved = policyLines.stream().filter(l -> l.get("type").asText().equals("commit")).findFirst().orElseThrow();
            ObjectNode inclusion = JSON.createObjectNode().put("leafIndex", proved.get("leafIndex").asLong())
                    .put("entry", proved.get("entry").asText());
            inclusion.set("proof", proved.get("proof"));
            assertThat(AuditProofIT.go(key, policyLines.get(policyLines.size() - 1).get("checkpoint").asText(), inclusion, null))
                    .contains("ok inclusion");
            assertThat(VerifyAudit.verify(policyFile, digest, key).valid()).as("a saved digest needs a complete export")
                    .isFalse();

            // CSV: the same entries
            Reply csv = cora.get("/api/audit/export?format=csv");
            assertThat(csv.status()).isEqualTo(200);
            List<String> rows = csv.body().lines().filter(l -> !l.startsWith("#")).toList();
            assertThat(rows.get(0)).startsWith("position,eventId,eventType");
            Set<String> csvIds = new HashSet<>();
            rows.subList(1, rows.size()).forEach(r -> csvIds.add(r.split(",")[1]));
            Set<String> jsonIds = new HashSet<>();
            for (String line : lines) {
                JsonNode node = JSON.readTree(line);
                if (node.get("type").asText().equals("entry")) {
                    jsonIds.add(node.get("eventId").asText());
                }
            }
            assertThat(csvIds).isEqualTo(jsonIds).hasSize((int) events);
            assertThat(csv.body()).contains("# coverledger.local/audit");

            // what is asked wrongly, and by whom
            assertThat(cora.get("/api/audit/export?format=xml").status()).isEqualTo(400);
            assertThat(cora.get("/api/audit/export?from=yesterday").status()).isEqualTo(400);
            assertThat(customer.query(system).get("/api/audit/export").status()).isEqualTo(403);
        }
    }

    private void assertInvalidAt(List<String> lines, String key, long line, String words) throws Exception {
        VerifyAudit.Report report = VerifyAudit.verify(write(lines), null, key);
        assertThat(report.valid()).as(report.toString()).isFalse();
        assertThat(report.line()).as(report.toString()).isEqualTo(line);
        assertThat(report.message()).contains(words);
    }

    private Path write(List<String> lines) throws Exception {
        Path file = Files.createTempFile(data, "export", ".ndjson");
        Files.write(file, lines, StandardCharsets.UTF_8);
        return file;
    }

    private static List<String> withLine(List<String> lines, int index, String line) {
        List<String> copy = new ArrayList<>(lines);
        copy.set(index, line);
        return copy;
    }

    private static int indexOf(List<String> lines, String... parts) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (java.util.Arrays.stream(parts).allMatch(line::contains)) {
                return i;
            }
        }
        throw new AssertionError("no line with " + String.join(" and ", parts));
    }
}
