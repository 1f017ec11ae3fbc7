package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.coverledger.ops.Customers.Customer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

/**
 * The backup and restore drill an insurer's operations manual asks for, with the real tools
 * (ops/backup, ops/verify-backup, ops/restore as an operator runs them) against a system used over
 * HTTP: business done, a full backup of the running system, more business (an erasure among it),
 * an incremental backup, the database destroyed, restored, the projections rebuilt by a fresh
 * query side; then every read model compared document by document with the source's, the
 * copied state too, the chain verified over HTTP and its head equal to the backup's, and the
 * erased customer still erased.
 */
class BackupDrillIT {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] PDF = ("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"
            + "%%EOF\n").getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path temp;

    @Test
    void backup_destroy_restore_rebuild_and_every_view_is_as_it_was() throws Exception {
        Path data = temp.resolve("data");
        Path backups = temp.resolve("backups");
        String bobId;
        String alicePolicy;
        String aliceClaim;
        Map<String, List<Document>> before;
        String trailDigest;
        String accessDigest;
        RunningSystem system = RunningSystem.start(data);
        try {
            // business before the first backup: a policy bought and changed, a claim with a materials loop
            Customer alice = Customers.register(system, "Li Na");
            Api mine = alice.command(system);
            String card = Policies.card(mine, alice.accountId());
            alicePolicy = Policies.buy(mine, alice.accountId()).policyId();
            Reply claimed = mine.post("/api/claims", ClaimsIT.claimBody(alicePolicy, Policies.today(), "FIRE", "8000.00", card));
            assertThat(claimed.status()).as(claimed.toString()).isEqualTo(201);
            aliceClaim = claimed.json().get("claimId").asText();
            assertThat(mine.upload("/api/claims/" + aliceClaim + "/materials", "INVOICE", "invoice.pdf", "application/pdf",
                    PDF).status()).isEqualTo(201);
            Customer bob = Customers.register(system, "Zhao Lei");
            bobId = bob.accountId();
            awaitCaughtUp(system);
            // compliance reads the trail and keeps the signed checkpoints of the trail and of the access log
            Api cora = Api.at(system.queryUrl(), "cora");
            assertThat(cora.get("/api/audit?aggregateId=" + alice.accountId()).status()).isEqualTo(200);
            trailDigest = cora.get("/api/audit/digest", "Accept", "text/plain").body();
            accessDigest = cora.get("/api/audit/access/digest", "Accept", "text/plain").body();

            Run full = run("backup", backups.toString(), Map.of("COVERLEDGER_MONGO_PORT", port(system)));
            assertThat(full.exit()).as(full.output()).isZero();
            assertThat(full.output()).contains("0001-full-").contains("chain head");

            // business after it: bob erased, a new customer, a second material
            Reply erased = Api.at(system.commandUrl(), "root").post("/api/accounts/" + bobId + "/erasure", "");
            assertThat(erased.status()).as(erased.toString()).isEqualTo(202);
            Customer carol = Customers.register(system, "Sun Li");
            Policies.buy(carol.command(system), carol.accountId());
            assertThat(mine.upload("/api/claims/" + aliceClaim + "/materials", "OTHER", "receipt.pdf", "application/pdf",
                    (new String(PDF, StandardCharsets.US_ASCII) + "%receipt\n").getBytes(StandardCharsets.US_ASCII))
                    .status()).isEqualTo(201);
            awaitCaughtUp(system);

            Run incremental = run("backup", backups.toString(), Map.of("COVERLEDGER_MONGO_PORT", port(system)));
            assertThat(incremental.exit()).as(incremental.output()).isZero();
            assertThat(incremental.output()).contains("0002-incremental-");
            awaitCaughtUp(system);
        } finally {
            system.stopAll();
        }
        before = collections(data);

        Run verified = run("verify-backup", backups.toString(), Map.of());
        assertThat(verified.exit()).as(verified.output()).isZero();
        JsonNode manifest = JSON.readTree(Files.readString(newestBackup(backups).resolve("manifest.json")));
        String head = manifest.get("events").get("headHash").asText();

        // the disaster: the database is gone
        FileSystemUtils.deleteRecursively(data);
        assertThat(data).doesNotExist();

        Run restored = run("restore", backups.toString(), Map.of("COVERLEDGER_DATA_DIR", data.toString(),
                "COVERLEDGER_MONGO_PORT", String.valueOf(unusedPort())));
        assertThat(restored.exit()).as(restored.output()).isZero();
        assertThat(restored.output()).contains("head " + head + " equals the backup's");
        // a second restore into it is refused: it is not empty any more
        Run again = run("restore", backups.toString(), Map.of("COVERLEDGER_DATA_DIR", data.toString(),
                "COVERLEDGER_MONGO_PORT", String.valueOf(unusedPort())));
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.output()).contains("already holds a database");

        Map<String, List<Document>> after;
        system = RunningSystem.start(data);
        try {
            // a fresh query side folds every projection from the first event
            awaitCaughtUp(system);
            Api cora = Api.at(system.queryUrl(), "cora");
            Reply chain = cora.post("/api/audit/verifications", "{}");
            assertThat(chain.status()).as(chain.toString()).isEqualTo(200);
            assertThat(chain.json().get("valid").asBoolean()).as(chain.toString()).isTrue();
            assertThat(chain.json().get("head").asText()).isEqualTo(head);
            assertThat(chain.json().get("headPosition").asLong()).isEqualTo(manifest.get("events").get("headPosition").asLong());
            // the checkpoints signed before the disaster are extended by the restored store and access log
            JsonNode trail = cora.post("/api/audit/verifications", JSON.createObjectNode().put("digest", trailDigest)
                    .toString()).json();
            assertThat(trail.get("valid").asBoolean()).as(trail.toString()).isTrue();
            assertThat(trail.get("digest").get("extended").asBoolean()).as(trail.toString()).isTrue();
            JsonNode access = cora.post("/api/audit/access/verifications", JSON.createObjectNode()
                    .put("digest", accessDigest).toString()).json();
            assertThat(access.get("valid").asBoolean()).as(access.toString()).isTrue();
            assertThat(access.get("extended").asBoolean()).as(access.toString()).isTrue();
            JsonNode bob = awaitJson(cora, "/api/accounts/" + bobId, a -> true);
            assertThat(bob.get("status").asText()).isEqualTo("ERASED");
            assertThat(bob.get("name").asText()).isEqualTo("[erased]");
            JsonNode claim = awaitJson(cora, "/api/claims/" + aliceClaim + "/progress", c -> true);
            assertThat(claim.get("materials")).hasSize(2);
            // the restored materials download as they were uploaded
            String material = claim.get("materials").get(0).get("materialId").asText();
            Reply download = cora.get("/api/claims/" + aliceClaim + "/materials/" + material);
            assertThat(download.status()).as(download.toString()).isEqualTo(200);
        } finally {
            system.stopAll();
        }
        after = collections(data);

        // every read model the rebuild produced equals the source's, document by document
        for (String view : List.of("policy_views", "policy_holders", "quote_views", "claim_progress", "account_views", "notice_inbox",
                "account_holdings", "account_lookup", "analytics_days", "audit_trail", "audit_tree", "audit_keys")) {
            assertThat(after.get(view)).as(view).isNotEmpty();
            if (view.equals("audit_tree") || view.equals("audit_keys") || view.equals("policy_holders")) { // the times the tree grew and the keys were indexed
                before.get(view).forEach(d -> d.remove("at"));
                after.get(view).forEach(d -> d.remove("at"));
            }
            if (view.equals("audit_keys") || view.equals("policy_holders") || view.equals("account_holdings")) { // sets: their order is the segments'
                for (List<Document> documents : List.of(before.get(view), after.get(view))) {
                    documents.forEach(d -> d.replaceAll((field, value) -> value instanceof List<?> ids
                            ? ids.stream().map(String::valueOf).sorted().toList() : value));
                }
            }
            assertThat(differences(before.get(view), after.get(view))).as(view).isEmpty();
        }
        // and the copied state, but what the restored system did since: its own reads in the access log
        for (Map.Entry<String, List<Document>> collection : before.entrySet()) {
            String name = collection.getKey();
            if (Set.of("trackingtokens", "access_tokens", "login_challenges", "one_time_codes", "query_instances",
                    "audit_access", "audit_meta", "audit_verifications", "audit_checkpoints").contains(name)) {
                continue;
            }
            assertThat(differences(collection.getValue(), after.get(name))).as(name).isEmpty();
        }
        // the access log and the signed checkpoints as the backup copied them are all there, unchanged
        for (String log : List.of("audit_access", "audit_checkpoints")) {
            List<Document> copied = copied(newestBackup(backups).resolve(log + ".bson.gz"));
            assertThat(copied).as(log).isNotEmpty();
            assertThat(after.get(log)).as(log).containsAll(copied);
        }
        assertThat(after.getOrDefault("access_tokens", List.of())).as("no session comes back").isEmpty();
    }

    /** What differs between two sorted lists of documents: ids missing or extra, and fields that differ, briefly. */
    private static List<String> differences(List<Document> expected, List<Document> actual) {
        Map<String, Document> was = new TreeMap<>();
        expected.forEach(d -> was.put(String.valueOf(d.get("_id")), d));
        Map<String, Document> is = new TreeMap<>();
        (actual == null ? List.<Document>of() : actual).forEach(d -> is.put(String.valueOf(d.get("_id")), d));
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, Document> entry : was.entrySet()) {
            Document other = is.get(entry.getKey());
            if (other == null) {
                found.add("missing " + entry.getKey());
                continue;
            }
            for (String field : new java.util.TreeSet<>(entry.getValue().keySet())) {
                if (!java.util.Objects.equals(entry.getValue().get(field), other.get(field))) {
                    found.add(entry.getKey() + "." + field + ": " + abbreviate(entry.getValue().get(field)) + " -> "
                            + abbreviate(other.get(field)));
                }
            }
            other.keySet().stream().filter(f -> !entry.getValue().containsKey(f))
                    .forEach(f -> found.add(entry.getKey() + "." + f + ": added " + abbreviate(other.get(f))));
        }
        is.keySet().stream().filter(id -> !was.containsKey(id)).forEach(id -> found.add("extra " + id));
        return found.size() > 20 ? found.subList(0, 20) : found;
    }

    private static String abbreviate(Object value) {
        String text = String.valueOf(value);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    private static void awaitCaughtUp(RunningSystem system) {
        Api root = Api.at(system.queryUrl(), "root");
        for (String projection : List.of("policies", "claims", "accounts", "audit", "analytics")) {
            awaitJson(root, "/api/admin/projections/" + projection,
                    p -> p.get("caughtUp").asBoolean() && p.get("position").asLong() == p.get("head").asLong());
        }
    }

    /** Every collection of the stopped system's database, each sorted by {@code _id}. */
    private static Map<String, List<Document>> collections(Path data) throws IOException {
        Map<String, List<Document>> all = new TreeMap<>();
        try (EmbeddedMongo mongo = EmbeddedMongo.start("127.0.0.1", 0, data);
             MongoClient client = MongoClients.create(mongo.connectionString("coverledger"))) {
            MongoDatabase database = client.getDatabase("coverledger");
            for (String name : database.listCollectionNames()) {
                List<Document> documents = database.getCollection(name).find().into(new ArrayList<>());
                documents.sort(BackupDrillIT::byId);
                all.put(name, documents);
            }
        }
        return all;
    }

    /** By {@code _id}: numbers by value, anything else by its text. */
    private static int byId(Document a, Document b) {
        Object x = a.get("_id");
        Object y = b.get("_id");
        if (x instanceof Number n && y instanceof Number m) {
            return Double.compare(n.doubleValue(), m.doubleValue());
        }
        return String.valueOf(x).compareTo(String.valueOf(y));
    }

    /** The documents of a backup's file (mongodump's format: BSON documents, gzipped), read here without the tools. */
    private static List<Document> copied(Path file) throws IOException {
        List<Document> documents = new ArrayList<>();
        try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
            byte[] length;
            while ((length = in.readNBytes(4)).length == 4) {
                int size = java.nio.ByteBuffer.wrap(length).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
                byte[] bytes = new byte[size];
                System.arraycopy(length, 0, bytes, 0, 4);
                assertThat(in.readNBytes(bytes, 4, size - 4)).isEqualTo(size - 4);
                documents.add(new org.bson.RawBsonDocument(bytes).decode(new org.bson.codecs.DocumentCodec()));
            }
        }
        return documents;
    }

    private static String port(RunningSystem system) {
        String uri = system.mongoConnectionString();
        return uri.substring(uri.lastIndexOf(':') + 1, uri.lastIndexOf('/'));
    }

    private static int unusedPort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static Path newestBackup(Path backups) throws IOException {
        try (var listed = Files.list(backups)) {
            return listed.filter(p -> p.getFileName().toString().matches("\\d{4}-.*")).max(Comparator.naturalOrder())
                    .orElseThrow();
        }
    }

    record Run(int exit, String output) {
    }

    /** Runs ops/NAME as an operator does, from the project's root. */
    private static Run run(String name, String argument, Map<String, String> env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("ops/" + name).toString(), argument)
                .directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().remove("MONGODB_URI");
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        return new Run(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
