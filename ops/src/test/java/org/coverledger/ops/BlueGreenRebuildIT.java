package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import org.bson.Document;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A projection rebuilt blue/green over HTTP: the live views serve, whole and current, while the
 * rebuild runs; the cut-over switches every reader (on both query-side instances) at once; an
 * abort leaves nothing behind; what a crash leaves is cleaned away at the next start. Stored
 * state is looked at with the real MongoDB driver.
 */
class BlueGreenRebuildIT {

    @TempDir
    static Path data;
    static RunningSystem system;
    static MongoClient client;
    static MongoDatabase db;
    static final List<String> policies = new ArrayList<>();
    /** Every change acknowledged, by policy: what each view must hold in the end. */
    static final java.util.Map<String, java.util.concurrent.atomic.AtomicInteger> acknowledged =
            new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        // one event a batch in the rebuild, so that an abort or a cut-over waits for one event only
        system = RunningSystem.start(data, List.of("--coverledger.rebuild.batch-size=1",
                "--coverledger.rebuild.abandoned-after=3s"), SlowRebuildHandler.class);
        client = MongoClients.create(system.mongoConnectionString());
        db = client.getDatabase("coverledger");
        for (int i = 0; i < 6; i++) {
            String policyId = Policies.buy(command("alice"), Customers.ALICE_ACCOUNT).policyId();
            policies.add(policyId);
            for (int c = 0; c < 3; c++) {
                change(policyId, "Heir " + i + "." + c);
            }
        }
        for (String policyId : policies) {
            awaitJson(query("uma"), "/api/policies/" + policyId, p -> p.get("changes").size() == 3);
        }
    }

    @AfterEach
    void fast() {
        SlowRebuildHandler.slow.set(false);
    }

    @AfterAll
    static void stop() {
        SlowRebuildHandler.slow.set(false);
        client.close();
        system.close();
    }

    static Api command(String user) {
        return Api.at(system.commandUrl(), user);
    }

    static Api query(String user) {
        return Api.at(system.queryUrl(), user);
    }

    static void change(String policyId, String beneficiary) {
        Reply changed = command("alice").post("/api/policies/" + policyId + "/changes",
                "{\"beneficiary\":\"" + beneficiary + "\"}");
        assertThat(changed.status()).as(changed.toString()).isEqualTo(202);
        acknowledged.computeIfAbsent(policyId, id -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
    }

    /** Every policy's view, on the instance, holds every change acknowledged for it. */
    static void awaitEveryChange(Api api) {
        for (String policyId : policies) {
            int expected = acknowledged.get(policyId).get();
            awaitJson(api, "/api/policies/" + policyId, p -> p.get("changes").size() == expected);
        }
    }

    /** Changes to the last three policies from another thread until stopped: a load across the cut-over. */
    static Thread writer(java.util.concurrent.atomic.AtomicBoolean stop, List<Throwable> failures) {
        Thread thread = new Thread(() -> {
            int n = 0;
            while (!stop.get()) {
                try {
                    change(policies.get(3 + n % 3), "Writer " + n++);
                    Thread.sleep(30);
                } catch (Throwable e) {
                    failures.add(e);
                    return;
                }
            }
        }, "writer");
        thread.start();
        return thread;
    }

    static List<JsonNode> views(Api api) {
        List<JsonNode> views = new ArrayList<>();
        for (String policyId : policies) {
            Reply view = api.get("/api/policies/" + policyId);
            assertThat(view.status()).as(view.toString()).isEqualTo(200);
            views.add(view.json());
        }
        return views;
    }

    static List<String> collections() {
        List<String> names = new ArrayList<>();
        db.listCollectionNames().forEach(names::add);
        return names;
    }

    static int liveGeneration() {
        Document state = db.getCollection("projection_generations").find(Filters.eq("_id", "policies")).first();
        return state == null ? 0 : state.getInteger("live", 0);
    }

    static String named(String collection, int generation) {
        return generation == 0 ? collection : collection + "__g" + generation;
    }

    @Test
    void the_live_views_serve_whole_while_the_rebuild_runs_and_every_reader_switches_at_the_cut_over() {
        ConfigurableApplicationContext second = system.startAnotherQuerySide();
        try {
            Api secondUma = Api.at(RunningSystem.urlOf(second), "uma");
            // the second instance takes its share of the policies projection's segments
            await().atMost(Duration.ofSeconds(40)).until(() -> db.getCollection("trackingtokens")
                    .distinct("owner", Filters.eq("processorName", "policies"), String.class)
                    .into(new ArrayList<>()).stream().filter(java.util.Objects::nonNull).count() == 2);
            List<JsonNode> before = views(query("uma"));
            JsonNode listBefore = query("uma").get("/api/policies?size=200").json();
            int from = liveGeneration();

            SlowRebuildHandler.slow.set(true);
            Reply started = query("root").post("/api/admin/projections/policies/rebuild", "");
            assertThat(started.status()).as(started.toString()).isEqualTo(202);
            assertThat(started.json().get("state").asText()).isEqualTo("BUILDING");
            int generation = started.json().get("generation").asInt();
            assertThat(generation).isGreaterThan(from);
            Reply again = query("root").post("/api/admin/projections/policies/rebuild", "");
            assertThat(again.status()).isEqualTo(409);
            assertThat(again.json().get("code").asText()).isEqualTo("REBUILD_RUNNING");
            Reply elsewhere = Api.at(RunningSystem.urlOf(second), "root").post("/api/admin/projections/policies/rebuild", "");
            assertThat(elsewhere.status()).as("one rebuild at a time across instances").isEqualTo(409);

            // while it runs: the live views, whole, on both instances; the new collections fill behind them
            await().atMost(Duration.ofSeconds(20)).until(() -> db.getCollection(named("policy_views", generation))
                    .countDocuments() > 0);
            JsonNode running = query("root").get("/api/admin/projections/policies/rebuild").json();
            assertThat(running.get("state").asText()).isEqualTo("BUILDING");
            assertThat(running.get("behind").asLong()).isPositive();
            assertThat(db.getCollection(named("policy_views", generation)).countDocuments())
                    .as("half built").isLessThan(db.getCollection(named("policy_views", from)).countDocuments());
            assertThat(views(query("uma"))).isEqualTo(before);
            assertThat(views(secondUma)).isEqualTo(before);
            assertThat(query("uma").get("/api/policies?size=200").json()).isEqualTo(listBefore);

            // the live projection goes on meanwhile
            change(policies.get(0), "During the rebuild");
            JsonNode changed = awaitJson(query("uma"), "/api/policies/" + policies.get(0),
                    p -> p.get("changes").size() == 4);
            assertThat(query("root").get("/api/admin/projections/policies/rebuild").json().get("state").asText())
                    .isEqualTo("BUILDING");
            List<JsonNode> live = views(query("uma"));
            assertThat(live.get(0)).isEqualTo(changed);
            assertThat(views(secondUma).get(0)).isEqualTo(changed);

            // changes go on through the cut-over, projected by both instances' segments
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread writer = writer(stop, failures);
            SlowRebuildHandler.slow.set(false);
            JsonNode cut = awaitJson(query("root"), "/api/admin/projections/policies/rebuild",
                    p -> p.get("state").asText().equals("CUT_OVER"));
            assertThat(cut.get("generation").asInt()).isEqualTo(generation);
            assertThat(liveGeneration()).isEqualTo(generation);
            try {
                Thread.sleep(1500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stop.set(true);
            try {
                writer.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            assertThat(failures).isEmpty();
            // nothing skipped, nothing twice: every view holds exactly the changes acknowledged, on both instances
            awaitEveryChange(query("uma"));
            awaitEveryChange(secondUma);

            // the policies no one changed meanwhile answer as the old generation did
            assertThat(views(query("uma")).subList(0, 3)).isEqualTo(live.subList(0, 3));
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(views(secondUma).subList(0, 3))
                    .isEqualTo(live.subList(0, 3)));
            List<JsonNode> settled = views(query("uma"));
            // the old collections are dropped after the grace period; no rebuild token or dead letter is left
            await().atMost(Duration.ofSeconds(30)).until(() -> !collections().contains(named("policy_views", from)));
            assertThat(collections()).contains(named("policy_views", generation), named("quote_views", generation),
                    named("policy_holders", generation));
            assertThat(db.getCollection("trackingtokens").countDocuments(Filters.regex("processorName", "~rebuild")))
                    .isZero();
            assertThat(db.getCollection("trackingtokens").countDocuments(Filters.eq("processorName", "policies")))
                    .isEqualTo(4);
            assertThat(views(secondUma)).as("the second instance reads the new generation").isEqualTo(settled);
            assertThat(query("uma").get("/api/policies?size=200").json().get("items").size())
                    .isEqualTo(listBefore.get("items").size());

            // and the live processor goes on, into the new generation, on both instances' segments
            change(policies.get(1), "After the cut-over");
            awaitJson(query("uma"), "/api/policies/" + policies.get(1), p -> p.get("changes").size() == 4);
            awaitJson(secondUma, "/api/policies/" + policies.get(1), p -> p.get("changes").size() == 4);
            assertThat(db.getCollection(named("policy_views", generation)).countDocuments(Filters.eq("_id",
                    policies.get(1)))).isEqualTo(1);
        } finally {
            second.close();
        }
    }

    @Test
    void an_aborted_rebuild_leaves_nothing_behind_and_the_next_one_cuts_over() {
        List<JsonNode> before = views(query("uma"));
        int from = liveGeneration();
        SlowRebuildHandler.slow.set(true);
        Reply started = query("root").post("/api/admin/projections/policies/rebuild", "");
        assertThat(started.status()).as(started.toString()).isEqualTo(202);
        int generation = started.json().get("generation").asInt();
        await().atMost(Duration.ofSeconds(20)).until(() -> collections().contains(named("policy_views", generation)));

        Reply aborted = query("root").delete("/api/admin/projections/policies/rebuild");
        assertThat(aborted.status()).as(aborted.toString()).isEqualTo(200);
        assertThat(aborted.json().get("state").asText()).isEqualTo("ABORTED");
        assertThat(collections()).doesNotContain(named("policy_views", generation), named("quote_views", generation),
                named("policy_holders", generation));
        assertThat(db.getCollection("trackingtokens").countDocuments(Filters.regex("processorName", "~rebuild")))
                .isZero();
        assertThat(liveGeneration()).isEqualTo(from);
        assertThat(views(query("uma"))).isEqualTo(before);
        Reply none = query("root").delete("/api/admin/projections/policies/rebuild");
        assertThat(none.status()).isEqualTo(409);
        assertThat(none.json().get("code").asText()).isEqualTo("NO_REBUILD");
        assertThat(query("root").get("/api/admin/projections/policies/rebuild").json().get("state").asText())
                .isEqualTo("ABORTED");

        SlowRebuildHandler.slow.set(false);
        Reply next = query("root").post("/api/admin/projections/policies/rebuild", "");
        assertThat(next.status()).as(next.toString()).isEqualTo(202);
        assertThat(next.json().get("generation").asInt()).as("a generation is never reused").isGreaterThan(generation);
        awaitJson(query("root"), "/api/admin/projections/policies/rebuild", p -> p.get("state").asText().equals("CUT_OVER"));
        assertThat(views(query("uma"))).isEqualTo(before);
    }

    /** Runs ops/rebuild as an operator does, from the project's root, against the query side. */
    static String[] rebuildScript(String... arguments) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<String> command = new ArrayList<>(List.of(root.resolve("ops/rebuild").toString()));
        command.addAll(List.of(arguments));
        command.add(system.queryUrl());
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
        builder.environment().put("COVERLEDGER_ADMIN", "root:root-pass");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        return new String[] {Integer.toString(process.exitValue()), output};
    }

    @Test
    void ops_rebuild_follows_a_rebuild_until_it_cuts_over_and_aborts_one() throws Exception {
        JsonNode claimsBefore = query("root").get("/api/admin/projections/claims").json();
        String[] done = rebuildScript("claims");
        assertThat(done[0]).as(done[1]).isEqualTo("0");
        assertThat(done[1]).contains("rebuilding claims into generation", "claims rebuilt and cut over.");
        String[] status = rebuildScript("--status", "claims");
        assertThat(status[0]).as(status[1]).isEqualTo("0");
        assertThat(status[1]).contains("CUT_OVER");
        String[] nothing = rebuildScript("--abort", "claims");
        assertThat(nothing[0]).as(nothing[1]).isEqualTo("1");
        assertThat(nothing[1]).contains("No rebuild of claims is running");
        assertThat(query("root").get("/api/admin/projections/claims").json().get("running").asBoolean())
                .isEqualTo(claimsBefore.get("running").asBoolean());

        SlowRebuildHandler.slow.set(true);
        assertThat(query("root").post("/api/admin/projections/policies/rebuild", "").status()).isEqualTo(202);
        String[] aborted = rebuildScript("--abort", "policies");
        assertThat(aborted[0]).as(aborted[1]).isEqualTo("0");
        assertThat(aborted[1]).contains("ABORTED");
        String[] unknown = rebuildScript("nope");
        assertThat(unknown[0]).isEqualTo("1");
        assertThat(unknown[1]).contains("refused (404)");
    }

    @Test
    void what_a_crash_leaves_is_cleaned_away_or_finished_by_the_next_start() {
        List<JsonNode> before = views(query("uma"));
        int live = liveGeneration();
        MongoDatabase store = db;
        // a rebuild whose instance died (its heartbeat stopped), with half-built collections and tokens
        int dead = live + 50;
        store.getCollection("projection_generations").updateOne(Filters.eq("_id", "policies"),
                new Document("$set", new Document("building", dead).append("builder", "gone/0")
                        .append("heartbeat", new Date(System.currentTimeMillis() - 60_000))
                        .append("startedAt", new Date())), new com.mongodb.client.model.UpdateOptions().upsert(true));
        store.getCollection(named("policy_views", dead)).insertOne(new Document("_id", "half"));
        store.getCollection("trackingtokens").insertOne(new Document("processorName", "policies~rebuild~g" + dead)
                .append("segment", 9).append("owner", "gone/0"));

        ConfigurableApplicationContext next = system.startAnotherQuerySide();
        try {
            assertThat(collections()).doesNotContain(named("policy_views", dead));
            Document state = store.getCollection("projection_generations").find(Filters.eq("_id", "policies")).first();
            assertThat(state.containsKey("building")).isFalse();
            assertThat(state.getInteger("live", 0)).isEqualTo(live);
            assertThat(store.getCollection("trackingtokens").countDocuments(
                    Filters.regex("processorName", "~rebuild"))).isZero();
            assertThat(views(Api.at(RunningSystem.urlOf(next), "uma"))).isEqualTo(before);
        } finally {
            next.close();
        }

        // a cut-over that switched the generation but died before the tokens were handed over
        List<Document> liveTokens = new ArrayList<>();
        store.getCollection("trackingtokens").find(Filters.eq("processorName", "policies")).forEach(liveTokens::add);
        for (Document token : liveTokens) {
            Document copy = new Document(token);
            copy.remove("_id");
            copy.put("processorName", "policies~rebuild~g" + live);
            copy.put("owner", null);
            copy.put("handedOver", true);
            store.getCollection("trackingtokens").insertOne(copy);
        }
        store.getCollection("projection_generations").updateOne(Filters.eq("_id", "policies"),
                new Document("$set", new Document("tokensFrom", "policies~rebuild~g" + live)));
        next = system.startAnotherQuerySide();
        try {
            assertThat(store.getCollection("trackingtokens").countDocuments(Filters.eq("processorName", "policies")))
                    .isEqualTo(liveTokens.size());
            assertThat(store.getCollection("trackingtokens").countDocuments(Filters.and(
                    Filters.eq("processorName", "policies"), Filters.eq("handedOver", true))))
                    .as("the rebuild's tokens are the live processor's now").isEqualTo(liveTokens.size());
            assertThat(store.getCollection("trackingtokens").countDocuments(
                    Filters.regex("processorName", "~rebuild"))).isZero();
            assertThat(store.getCollection("projection_generations").find(Filters.eq("_id", "policies")).first()
                    .containsKey("tokensFrom")).isFalse();
            change(policies.get(2), "After the recovery");
            awaitJson(query("uma"), "/api/policies/" + policies.get(2),
                    p -> p.toString().contains("After the recovery"));
        } finally {
            next.close();
        }
    }
}
