package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.events.common.Permission;
import org.coverledger.events.common.Role;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every endpoint of the permission table against every role, and personal data masked by role. */
class AccessControlIT {

    private static final Map<Role, String> DEMO_USER = Map.of(Role.CUSTOMER, "alice", Role.UNDERWRITER, "uma",
            Role.ADJUSTER, "adam", Role.COMPLIANCE, "cora", Role.ANALYST, "ana", Role.ADMIN, "root");

    @TempDir
    static Path data;
    static RunningSystem system;

    @BeforeAll
    static void start() throws Exception {
        system = RunningSystem.start(data);
    }

    @AfterAll
    static void stop() {
        system.close();
    }

    @Test
    void every_endpoint_answers_every_role_as_the_permission_table_says() {
        List<String> wrong = new ArrayList<>();
        for (Permission permission : Permission.values()) {
            String base = permission.side() == Permission.Side.COMMAND ? system.commandUrl() : system.queryUrl();
            String path = permission.path().replace("/**", "/projections").replace("*", UUID.randomUUID().toString());
            Reply anonymous = call(Api.at(base, null), permission.method(), path);
            if (anonymous.status() != 401) {
                wrong.add(permission + " anonymous: " + anonymous.status());
            }
            for (Role role : Role.values()) {
                int status = call(Api.at(base, DEMO_USER.get(role)), permission.method(), path).status();
                boolean allowed = permission.roles().contains(role);
                if (allowed ? status == 401 || status == 403 : status != 403) {
                    wrong.add(permission + " " + role + ": " + status + (allowed ? " (allowed)" : " (not allowed)"));
                }
            }
        }
        assertThat(wrong).isEmpty();
    }

    private static Reply call(Api api, String method, String path) {
        return "GET".equals(method) ? api.get(path) : api.post(path, "{}");
    }

    @Test
    void personal_data_is_masked_unless_the_role_has_a_written_need() {
        String accountId = Api.at(system.commandUrl(), "alice").post("/api/accounts",
                "{\"name\":\"王小明\",\"nationalId\":\"11010519491231002X\",\"mobile\":\"13812345678\"}")
                .json().get("accountId").asText();
        String path = "/api/accounts/" + accountId;

        JsonNode own = awaitJson(Api.at(system.queryUrl(), "alice"), path, a -> true);
        assertThat(own.get("nationalId").asText()).isEqualTo("110105********002X");
        assertThat(own.get("mobile").asText()).isEqualTo("13812345678");
        assertThat(own.get("name").asText()).isEqualTo("王小明");

        JsonNode underwriter = Api.at(system.queryUrl(), "uma").get(path).json();
        assertThat(underwriter.get("nationalId").asText()).isEqualTo("11010519491231002X");
        assertThat(underwriter.get("mobile").asText()).isEqualTo("13812345678");

        JsonNode compliance = Api.at(system.queryUrl(), "cora").get(path).json();
        assertThat(compliance.get("nationalId").asText()).isEqualTo("11010519491231002X");

        JsonNode admin = Api.at(system.queryUrl(), "root").get(path).json();
        assertThat(admin.get("nationalId").asText()).isEqualTo("110105********002X");
        assertThat(admin.get("mobile").asText()).isEqualTo("138****5678");

        JsonNode analystList = Api.at(system.queryUrl(), "ana").get("/api/accounts?size=200").json();
        JsonNode seenByAnalyst = null;
        for (JsonNode item : analystList.get("items")) {
            if (item.get("accountId").asText().equals(accountId)) {
                seenByAnalyst = item;
            }
        }
        assertThat(seenByAnalyst).isNotNull();
        assertThat(seenByAnalyst.get("name").asText()).isEqualTo("王*");
        assertThat(seenByAnalyst.get("mobile").asText()).isEqualTo("138****5678");
        assertThat(seenByAnalyst.get("nationalId").asText()).isEqualTo("110105********002X");

        assertThat(Api.at(system.queryUrl(), "bob").get(path).status()).isEqualTo(404);
        assertThat(Api.at(system.queryUrl(), "ana").get(path).status()).isEqualTo(403);
        assertThat(Api.at(system.queryUrl(), "alice").get("/api/accounts").status()).isEqualTo(403);
    }
}
