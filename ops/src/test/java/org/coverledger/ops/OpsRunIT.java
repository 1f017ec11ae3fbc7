package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user does: {@code ./ops/run}, then the README's curl walk-through, then Ctrl-C;
 * and again, finding the data kept. Runs on free ports so it cannot disturb a running system.
 */
class OpsRunIT {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path data;

    @Test
    void ops_run_serves_the_readme_walk_through_and_stops_cleanly_keeping_the_data() throws Exception {
        int commandPort = freePort();
        int queryPort = freePort();
        int mongoPort = freePort();
        Map<String, String> env = environment(commandPort, queryPort, mongoPort);

        Process run = start(env, data.resolve("run-1.out"));
        String walkThrough = readmeWalkThrough()
                .replace("localhost:8080", "localhost:" + commandPort)
                .replace("localhost:8081", "localhost:" + queryPort);
        Process walk = new ProcessBuilder("bash", "-c", walkThrough).directory(data.toFile()) // it saves the e-policy
                .redirectErrorStream(true).start();
        assertThat(walk.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = new String(walk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output)
                .contains("\"accountId\"")
                .contains("\"codeSentTo\":\"139****0026\"", "\"status\":\"VERIFIED\"")
                .contains("\"status\":\"APPLIED\"")
                .contains("\"annualPremium\":\"500.00\"", "%PDF-")
                .contains("\"status\":\"MATERIALS_REQUESTED\"")
                .contains("\"beneficiary\":\"Wang Xiaoming\"")
                .contains("\"eventType\":\"PolicyIssued\"", "\"eventType\":\"PolicyChanged\"")
                .contains("\"requestId\":\"walk-1\"")
                .contains("\"code\":\"VALIDATION_FAILED\"", "\"code\":\"NOT_FOUND\"", "\"code\":\"FORBIDDEN\"");
        stop(run, List.of(commandPort, queryPort, mongoPort));
        jsonLogsNameRequestsAndCallersButNoPerson();

        Process again = start(env, data.resolve("run-2.out"));
        // the embedded store's figures on the terminal (README "Compacting the embedded store")
        assertThat(Files.readString(data.resolve("run-2.out"))).containsPattern("ops/run: store: [0-9.,]+ MB in [0-9,]+ "
                + "chunks, [0-9]+ % of their bytes live");
        Api.Reply policies = Api.at("http://127.0.0.1:" + queryPort, "alice").get("/api/policies");
        assertThat(policies.json().get("total").asInt()).as(policies.toString()).isEqualTo(1);
        // a second TERM while it stops (an impatient Ctrl-C) leaves no part of it running
        List<ProcessHandle> parts = again.toHandle().descendants().toList();
        assertThat(parts).isNotEmpty();
        again.destroy();
        Thread.sleep(300);
        again.destroy();
        stop(again, List.of(commandPort, queryPort, mongoPort));
        for (ProcessHandle part : parts) {
            assertThat(part.onExit().get(90, TimeUnit.SECONDS).isAlive()).as("%s stopped", part.info().command())
                    .isFalse();
        }
    }

    @Test
    void ops_run_says_loudly_when_the_embedded_mongodb_dies_and_stops_the_apps() throws Exception {
        int commandPort = freePort();
        int queryPort = freePort();
        int mongoPort = freePort();
        Map<String, String> env = environment(commandPort, queryPort, mongoPort);
        Path out = data.resolve("run.out");
        Process run = start(env, out);
        try {
            mongoDies(run, out, mongoPort, List.of(commandPort, queryPort, mongoPort));
        } finally {
            // whatever failed above, nothing of this ops/run outlives the test
            run.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
        }
    }

    private void mongoDies(Process run, Path out, int mongoPort, List<Integer> ports) throws Exception {
        List<ProcessHandle> parts = run.toHandle().children().toList();
        ProcessHandle mongo = parts.stream().filter(p -> p.info().commandLine().orElse("").contains("--port " + mongoPort))
                .findFirst().orElseThrow(() -> new AssertionError("no embedded MongoDB among " + parts));
        List<ProcessHandle> apps = parts.stream().filter(p -> p.info().commandLine().orElse("")
                .matches(".*(command|query)-side-.*-exec\\.jar.*")).toList();
        assertThat(apps).hasSize(2);

        mongo.destroyForcibly(); // kill -9, as the OOM killer would
        assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("ops/run stopped by itself").isTrue();
        assertThat(run.exitValue()).as("a failure, not a clean stop").isEqualTo(1);
        String said = Files.readString(out);
        assertThat(said).contains("*** mongodb DIED", "the embedded MongoDB is gone", "stopping them", "stopped.");
        for (ProcessHandle app : apps) {
            assertThat(app.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        }
        for (int port : ports) {
            assertThat(listening(port)).as("port %d released", port).isFalse();
        }
    }

    /**
     * Beside the readable logs, ops/run keeps each app's log as JSON lines (Elastic Common Schema):
     * every line parses, requests' lines carry their request id and the caller, and nothing the
     * walk-through's customer registered with (name, national ID, mobile, email) is in them.
     */
    private void jsonLogsNameRequestsAndCallersButNoPerson() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String app : List.of("command-side", "query-side")) {
            List<String> lines = Files.readAllLines(data.resolve("logs").resolve(app + ".json"));
            assertThat(lines).as(app).hasSizeGreaterThan(10);
            List<com.fasterxml.jackson.databind.JsonNode> entries = new java.util.ArrayList<>();
            for (String line : lines) {
                com.fasterxml.jackson.databind.JsonNode entry = json.readTree(line);
                assertThat(entry.has("@timestamp") && entry.has("message")).as(line).isTrue();
                entries.add(entry);
            }
            assertThat(entries.stream().filter(e -> e.has("requestId") && e.has("actor")))
                    .as(app + ": a refused request's line names its request and caller").isNotEmpty();
            assertThat(String.join("\n", lines)).as(app)
                    .doesNotContain("Wang Fang", "110105198807150026", "13912340000", "wang.fang@example.com");
        }
    }

    private Map<String, String> environment(int commandPort, int queryPort, int mongoPort) {
        return Map.of("COMMAND_PORT", String.valueOf(commandPort), "QUERY_PORT", String.valueOf(queryPort),
                "COVERLEDGER_MONGO_PORT", String.valueOf(mongoPort), "COVERLEDGER_DATA_DIR", data.toString());
    }

    private Process start(Map<String, String> env, Path out) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("ops/run").toString())
                .directory(ROOT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(out.toFile());
        builder.environment().putAll(env);
        builder.environment().remove("MONGODB_URI");
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
        while (System.nanoTime() < deadline) {
            String text = Files.readString(out);
            if (text.contains("CoverLedger is running.")) {
                return process;
            }
            if (!process.isAlive()) {
                throw new AssertionError("ops/run ended during start-up:\n" + text);
            }
            Thread.sleep(250);
        }
        process.destroyForcibly();
        throw new AssertionError("ops/run did not report running in time:\n" + Files.readString(out));
    }

    private static void stop(Process run, List<Integer> ports) throws Exception {
        run.destroy(); // SIGTERM, as Ctrl-C or a service manager would send
        assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("ops/run stopped").isTrue();
        assertThat(run.exitValue()).isZero();
        for (int port : ports) {
            assertThat(listening(port)).as("port %d released", port).isFalse();
        }
    }

    private static String readmeWalkThrough() throws IOException {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf("## Walk-through with curl");
        int start = readme.indexOf("```bash\n", section) + "```bash\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    private static boolean listening(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
