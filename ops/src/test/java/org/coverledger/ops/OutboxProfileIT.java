package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outside the embedded profile nobody reads one-time codes over HTTP, not even an admin. */
class OutboxProfileIT {

    @TempDir
    Path data;

    @Test
    void without_the_embedded_profile_there_is_no_outbox_endpoint_and_customers_log_in_with_two_factors() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data, List.of("--spring.profiles.active=production"))) {
            Customers.Customer li = Customers.register(system, "Li Na");
            // two factors are on by default: the password alone opens nothing but the login
            Api.Reply basic = li.command(system).post("/api/accounts/" + li.accountId() + "/verification",
                    "{\"bankCardNumber\":\"" + AccountLifecycleIT.cardHeldBy(li.nationalId()) + "\"}");
            assertThat(basic.status()).isEqualTo(401);
            assertThat(basic.json().get("code").asText()).isEqualTo("BEARER_TOKEN_REQUIRED");
            assertThat(li.command(system).send("POST", "/api/sessions", null, "X-Device-Id", "phone-0000-0001")
                    .status()).as("a new device is asked for a code").isEqualTo(202);
            // a code went out through the outbox, which nobody reads over HTTP outside the embedded profile
            assertThat(Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + li.accountId())
                    .status()).isEqualTo(404);
        }
    }
}
