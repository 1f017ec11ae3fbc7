package org.coverledger.ops.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CPU time processes have used, read from Linux's {@code /proc/<pid>/stat} (user plus system
 * time of all their threads), so that a benchmark can say what one operation costs each process
 * and how many operations the machine's cores could serve at that cost, whatever waits are removed.
 */
final class CpuTimes {

    /** Clock ticks per second in {@code /proc}: 100 on every Linux this runs on (USER_HZ). */
    private static final double TICKS_PER_SECOND = 100;

    private final Map<String, Long> pids = new LinkedHashMap<>();

    /**
     * The processes named {@code name=pid,name=pid} (a blank pid is left out), and this one as
     * {@code bench client}.
     */
    CpuTimes(String named) {
        if (named != null) {
            for (String pair : named.split(",")) {
                String[] parts = pair.split("=", 2);
                if (parts.length == 2 && !parts[1].isBlank()) {
                    pids.put(parts[0], Long.parseLong(parts[1].trim()));
                }
            }
        }
        pids.put("bench client", ProcessHandle.current().pid());
    }

    /** Whether any process of the system (besides this one) is watched. */
    boolean watchesSystem() {
        return pids.size() > 1;
    }

    /** Milliseconds of CPU each process has used so far (missing where its /proc entry cannot be read). */
    Map<String, Double> now() {
        Map<String, Double> ms = new LinkedHashMap<>();
        pids.forEach((name, pid) -> {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                // the command name (2nd field) may hold spaces: count fields after its closing parenthesis
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
                ms.put(name, ticks * 1000 / TICKS_PER_SECOND);
            } catch (IOException | RuntimeException e) {
                // the process is gone or this is not Linux: it is left out of the figures
            }
        });
        return ms;
    }

    /** Milliseconds of CPU per operation for each process between two readings. */
    static Map<String, Double> perOperation(Map<String, Double> before, Map<String, Double> after, long operations) {
        Map<String, Double> per = new LinkedHashMap<>();
        before.forEach((name, ms) -> {
            Double later = after.get(name);
            if (later != null && operations > 0) {
                per.put(name, (later - ms) / operations);
            }
        });
        return per;
    }
}
