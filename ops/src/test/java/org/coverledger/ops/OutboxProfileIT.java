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
    void without_the_embedded_profile_there_is_no_outbox_endpoint() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data, List.of("--spring.profiles.active=production"))) {
            Customers.Customer li = Customers.register(system, "Li Na");
            assertThat(li.command(system).post("/api/accounts/" + li.accountId() + "/verification",
                    "{\"bankCardNumber\":\"" + AccountLifecycleIT.cardHeldBy(li.nationalId()) + "\"}").status())
                    .isEqualTo(202);
            assertThat(Api.at(system.commandUrl(), "root").get("/api/admin/outbox?accountId=" + li.accountId())
                    .status()).isEqualTo(404);
        }
    }
}
