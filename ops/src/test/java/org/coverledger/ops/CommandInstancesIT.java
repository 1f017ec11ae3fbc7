package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.coverledger.ops.WalkingSkeletonIT.awaitJson;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import org.coverledger.eventstore.MongoCommitLogEngine;
import org.coverledger.ops.Api.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two command-side instances change one policy at the same time: optimistic concurrency lets
 * one writer win each race, the loser's command is retried against the new state, and what
 * still cannot win answers 409. Every accepted change is in the history exactly once.
 */
class CommandInstancesIT {

    @TempDir
    Path data;

    @Test
    void racing_instances_never_both_win_and_every_accepted_change_is_recorded_once() throws Exception {
        try (RunningSystem system = RunningSystem.start(data)) {
            ConfigurableApplicationContext second = system.startAnotherCommandSide();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                Api alice = Api.at(system.commandUrl(), "alice");
                String accountId = Customers.ALICE_ACCOUNT;
                String policyId = Policies.buy(alice, accountId).policyId();
                long before = system.storedEvents();
                List<String> bases = List.of(system.commandUrl(), RunningSystem.urlOf(second));
                ConcurrentLinkedQueue<Reply> replies = new ConcurrentLinkedQueue<>();
                List<Future<?>> running = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    int n = i;
                    running.add(clients.submit(() -> replies.add(Api.at(bases.get(n % 2), "uma")
                            .post("/api/policies/" + policyId + "/changes", "{\"beneficiary\":\"Heir " + n + "\"}"))));
                }
                for (Future<?> f : running) {
                    f.get(120, TimeUnit.SECONDS);
                }
                long accepted = replies.stream().filter(r -> r.status() == 202).count();
                List<Reply> refused = replies.stream().filter(r -> r.status() != 202).toList();
                assertThat(refused).allSatisfy(r -> {
                    assertThat(r.status()).isEqualTo(409);
                    assertThat(r.json().get("code").asText()).isEqualTo("CONCURRENT_MODIFICATION");
                });
                assertThat(accepted).isPositive();
                long conflicts = second.getBean(MongoCommitLogEngine.class).concurrencyConflicts()
                        + system.commandSide().getBean(MongoCommitLogEngine.class).concurrencyConflicts();
                assertThat(conflicts).as("the instances really raced").isPositive();

                JsonNode policy = awaitJson(Api.at(system.queryUrl(), "uma"), "/api/policies/" + policyId,
                        p -> p.get("changes").size() == accepted);
                List<Long> sequences = new ArrayList<>();
                policy.get("changes").forEach(c -> sequences.add(c.get("sequence").asLong()));
                assertThat(sequences).isSorted().doesNotHaveDuplicates();
                // issued at 0 and started at 1 (bought on its start date), changes 2..n+1
                assertThat(sequences.get(sequences.size() - 1)).isEqualTo(accepted + 1);
                assertThat(system.storedEvents()).isEqualTo(before + accepted);
            } finally {
                clients.shutdownNow();
                second.close();
            }
        }
    }
}
