package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The production deployment files (ops/deploy) cannot run here (no Docker engine), so they are
 * read by a YAML parser (SnakeYAML, with Compose's anchors and merge keys) and checked against
 * the apps themselves: every setting given to an app is one the apps read, the services and
 * their health checks are there, the replica set is one, the instances behind the proxy are the
 * services defined, and the images copy jars the build makes.
 */
class DeployFilesTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Path DEPLOY = ROOT.resolve("ops/deploy");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> compose() throws IOException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options).load(Files.readString(DEPLOY.resolve("docker-compose.yml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object value) {
        return (Map<String, Object>) value;
    }

    @Test
    @SuppressWarnings("unchecked")
    void the_compose_file_describes_a_replica_set_two_instances_of_each_side_and_a_proxy() throws IOException {
        Map<String, Object> services = map(compose().get("services"));
        assertThat(services).containsKeys("mongo1", "mongo2", "mongo3", "mongo-init", "command-side-1",
                "command-side-2", "query-side-1", "query-side-2", "proxy");
        for (String mongo : List.of("mongo1", "mongo2", "mongo3")) {
            assertThat((List<String>) map(services.get(mongo)).get("command")).contains("--replSet", "rs0");
            assertThat(map(services.get(mongo))).containsKey("healthcheck");
        }
        String initiate = String.join(" ", (List<String>) map(services.get("mongo-init")).get("entrypoint"));
        for (String mongo : List.of("mongo1", "mongo2", "mongo3")) {
            assertThat(initiate).contains("host: '" + mongo + ":27017'");
        }
        Set<String> appSettings = appSettings();
        for (String app : List.of("command-side-1", "command-side-2", "query-side-1", "query-side-2")) {
            Map<String, Object> service = map(services.get(app));
            Map<String, Object> environment = map(service.get("environment"));
            assertThat(String.valueOf(environment.get("MONGODB_URI"))).as(app)
                    .contains("mongo1:27017,mongo2:27017,mongo3:27017", "replicaSet=rs0", "w=majority");
            assertThat(environment.get("COVERLEDGER_AGGREGATE_CACHE_ENTRIES")).as(app + ": several instances")
                    .isEqualTo("0");
            assertThat(String.valueOf(environment.get("COVERLEDGER_PRIVACY_MASTER_KEY"))).as("no default secret")
                    .contains(":?");
            for (String name : environment.keySet()) {
                assertThat(appSettings.contains(name) || name.startsWith("SPRING_") || name.startsWith("LOGGING_")
                        || name.startsWith("SERVER_")).as(app + ": " + name + " is a setting the apps read").isTrue();
            }
            assertThat(map(service.get("healthcheck")).get("test").toString()).contains("/actuator/health");
            assertThat(map(map(service.get("depends_on")).get("mongo-init")).get("condition"))
                    .isEqualTo("service_completed_successfully");
            String dockerfile = String.valueOf(map(service.get("build")).get("dockerfile"));
            assertThat(ROOT.resolve(dockerfile)).as(app).exists();
        }
        assertThat(map(map(services.get("query-side-1")).get("environment")))
                .containsKey("COVERLEDGER_AUDIT_SIGNING_KEY");
        Map<String, Object> proxy = map(services.get("proxy"));
        assertThat((List<String>) proxy.get("ports")).containsExactly("8080:8080", "8081:8081");
        assertThat(map(proxy.get("depends_on"))).containsOnlyKeys("command-side-1", "command-side-2", "query-side-1",
                "query-side-2");
    }

    @Test
    void the_proxy_balances_over_the_services_defined() throws IOException {
        String nginx = Files.readString(DEPLOY.resolve("nginx.conf"));
        Map<String, Object> services = map(compose().get("services"));
        Matcher upstreams = Pattern.compile("upstream (\\w+) \\{([^}]*)}").matcher(nginx);
        Set<String> servers = new HashSet<>();
        int count = 0;
        while (upstreams.find()) {
            count++;
            Matcher server = Pattern.compile("server ([\\w-]+):(\\d+)").matcher(upstreams.group(2));
            while (server.find()) {
                assertThat(services).as(server.group(1)).containsKey(server.group(1));
                assertThat(server.group(2)).isEqualTo(server.group(1).startsWith("command") ? "8080" : "8081");
                servers.add(server.group(1));
            }
        }
        assertThat(count).isEqualTo(2);
        assertThat(servers).containsExactlyInAnyOrder("command-side-1", "command-side-2", "query-side-1", "query-side-2");
        assertThat(nginx.chars().filter(c -> c == '{').count()).as("braces balance")
                .isEqualTo(nginx.chars().filter(c -> c == '}').count());
    }

    /**
     * The apps take the client's address (the audit trail's "from where", login limits) from
     * {@code X-Forwarded-For} only when the peer is the proxy: the setting binds to Tomcat's
     * {@code internal-proxies} (Spring Boot's own binder reads the variable), its pattern matches
     * the proxy's fixed address and no other private address (Tomcat matches the whole address),
     * containers are given addresses from a range without it, and nginx replaces whatever the
     * client sent in every X-Forwarded header the apps read with what it saw itself.
     */
    @Test
    @SuppressWarnings("unchecked")
    void client_addresses_are_taken_from_the_proxy_alone() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> services = map(compose.get("services"));
        String proxyAddress = String.valueOf(map(map(map(services.get("proxy")).get("networks")).get("default"))
                .get("ipv4_address"));
        Map<String, Object> ipam = map(map(map(compose.get("networks")).get("default")).get("ipam"));
        Map<String, Object> pool = ((List<Map<String, Object>>) ipam.get("config")).get(0);
        assertThat(inRange(proxyAddress, String.valueOf(pool.get("subnet")))).as("the proxy is in the subnet").isTrue();
        assertThat(inRange(proxyAddress, String.valueOf(pool.get("ip_range"))))
                .as("no container can be given the proxy's address").isFalse();
        for (String app : List.of("command-side-1", "command-side-2", "query-side-1", "query-side-2")) {
            Map<String, Object> environment = map(map(services.get(app)).get("environment"));
            assertThat(environment.get("SERVER_FORWARD_HEADERS_STRATEGY")).as(app).isEqualTo("native");
            Map<String, Object> variables = new java.util.HashMap<>();
            environment.forEach((name, value) -> variables.put(name, String.valueOf(value)));
            var binder = new org.springframework.boot.context.properties.bind.Binder(
                    org.springframework.boot.context.properties.source.ConfigurationPropertySources.from(
                            new org.springframework.core.env.SystemEnvironmentPropertySource(
                                    org.springframework.core.env.StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                    variables)));
            String trusted = binder.bind("server.tomcat.remoteip.internal-proxies", String.class)
                    .orElseThrow(() -> new AssertionError(app + ": server.tomcat.remoteip.internal-proxies is not set"));
            Pattern internalProxies = Pattern.compile(trusted);
            assertThat(internalProxies.matcher(proxyAddress).matches()).as(app + " trusts the proxy").isTrue();
            for (String other : List.of("10.250.17.100", "10.250.17.129", "10.250.17.1", "10.0.0.10", "192.168.0.10",
                    "127.0.0.1", "172.16.0.10", "10.250.17.101", "110.250.17.10")) {
                assertThat(internalProxies.matcher(other).matches()).as(app + " trusts " + other).isFalse();
            }
        }
        // Tomcat's valve (as Spring Boot sets it up) also reads X-Forwarded-Proto, -Host and -Port from a
        // trusted peer: nginx sets each itself in both servers, so nothing the client sent is passed on
        String nginx = Files.readString(DEPLOY.resolve("nginx.conf"));
        Map<String, String> ownValues = Map.of("X-Forwarded-For", "$remote_addr", "X-Forwarded-Proto", "$scheme",
                "X-Forwarded-Host", "$host", "X-Forwarded-Port", "$server_port");
        Matcher servers = Pattern.compile("server \\{(.*?)\\n    }", Pattern.DOTALL).matcher(nginx);
        int count = 0;
        while (servers.find()) {
            count++;
            for (Map.Entry<String, String> header : ownValues.entrySet()) {
                Matcher set = Pattern.compile("proxy_set_header\\s+" + header.getKey() + "\\s+([^;]+);").matcher(servers.group(1));
                assertThat(set.find()).as("server " + count + " sets " + header.getKey()).isTrue();
                assertThat(set.group(1)).as(header.getKey() + ": what the client sent is not passed on")
                        .isEqualTo(header.getValue());
            }
        }
        assertThat(count).isEqualTo(2);
    }

    /** Whether an IPv4 address lies in a CIDR range. */
    private static boolean inRange(String address, String cidr) {
        String[] range = cidr.split("/");
        int bits = Integer.parseInt(range[1]);
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (ipv4(address) & mask) == (ipv4(range[0]) & mask);
    }

    private static long ipv4(String address) {
        long value = 0;
        for (String part : address.split("\\.")) {
            value = value << 8 | Integer.parseInt(part);
        }
        return value;
    }

    @Test
    void the_images_copy_the_jars_the_build_makes_and_run_unprivileged() throws IOException {
        String version = Files.readString(ROOT.resolve("pom.xml")).replaceAll("(?s).*?<artifactId>coverledger-parent"
                + "</artifactId>\\s*<version>([^<]+)</version>.*", "$1");
        for (String side : List.of("command-side", "query-side")) {
            String dockerfile = Files.readString(DEPLOY.resolve("Dockerfile." + side));
            assertThat(dockerfile).contains("COPY " + side + "/target/" + side + "-" + version + "-exec.jar app.jar")
                    .contains("USER 10001", "HEALTHCHECK", "/actuator/health", "eclipse-temurin:17");
        }
    }

    @Test
    void the_example_environment_names_every_secret_the_compose_file_requires() throws IOException {
        String compose = Files.readString(DEPLOY.resolve("docker-compose.yml"));
        String example = Files.readString(DEPLOY.resolve("example.env"));
        Matcher required = Pattern.compile("\\$\\{(\\w+):\\?").matcher(compose);
        int found = 0;
        while (required.find()) {
            found++;
            assertThat(example).contains(required.group(1) + "=");
        }
        assertThat(found).isGreaterThanOrEqualTo(3);
    }

    /** The environment variables the apps' configuration reads (its ${NAME:default} placeholders). */
    private static Set<String> appSettings() throws IOException {
        Set<String> names = new HashSet<>();
        Pattern placeholder = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)");
        try (Stream<Path> files = Files.walk(ROOT)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".properties") && f.toString().contains("src/main/resources"))
                    .toList()) {
                Matcher matcher = placeholder.matcher(Files.readString(file));
                while (matcher.find()) {
                    names.add(matcher.group(1));
                }
            }
        }
        assertThat(names).contains("MONGODB_URI", "COVERLEDGER_PRIVACY_MASTER_KEY");
        return names;
    }
}
