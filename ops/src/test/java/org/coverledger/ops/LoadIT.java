package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.coverledger.ops.load.LoadDriver;
import org.junit.jupiter.api.Test;

/**
 * ops/load's driver, briefly, against the shared running system: every operation of its mix is
 * answered as a client expects (no 5xx, no refusal the mix does not allow for), and the report
 * has its percentiles and both apps' memory. Bounded: a few seconds at two clients.
 */
class LoadIT {

    @Test
    void the_mix_runs_against_a_live_system_without_server_errors() throws Exception {
        RunningSystem system = RunningSystem.shared();
        String report = new LoadDriver(system.commandUrl(), system.queryUrl()).run(2, Duration.ofSeconds(8));
        List<String> rows = report.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| operation")
                && !l.startsWith("| all") && !l.startsWith("| app") && !l.contains(" side |")).toList();
        assertThat(rows).as(report).extracting(r -> r.split("\\|")[1].trim())
                .contains("quote", "purchase", "policy-list");
        for (String row : rows) {
            String[] cells = row.split("\\|");
            assertThat(cells[4].trim()).as("failed: " + row + "\n" + report).isEqualTo("0");
            assertThat(cells[5].trim()).as("5xx: " + row).isEqualTo("0");
        }
        assertThat(report).doesNotContain("not answered").contains("p99.9 ms");
        assertThat(report).containsPattern("\\| command side \\| \\d+ \\|").containsPattern("\\| query side \\| \\d+ \\|");
    }
}
