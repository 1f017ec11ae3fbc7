package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guessing passwords from one address is slowed down: after the budget of failures, 429 with Retry-After. */
class RateLimitIT {

    @TempDir
    Path data;

    @Test
    void a_client_that_failed_too_many_logins_is_told_to_wait() throws Exception {
        try (RunningSystem system = RunningSystem.startWith(data,
                List.of("--coverledger.rate-limit.login-failures-per-client=3"))) {
            for (String base : List.of(system.commandUrl(), system.queryUrl())) {
                for (int i = 0; i < 3; i++) {
                    assertThat(Api.as(base, "bob", "guess-" + i).get("/api/policies").status()).isEqualTo(401);
                }
                Reply limited = Api.at(base, "alice").get("/api/policies");
                assertThat(limited.status()).isEqualTo(429);
                assertThat(limited.json().get("code").asText()).isEqualTo("TOO_MANY_LOGIN_FAILURES");
                assertThat(Long.parseLong(limited.header("Retry-After"))).isPositive();
            }
            // registering needs no login and is not held up by other clients' failures
            Customers.register(system);
        }
    }
}
