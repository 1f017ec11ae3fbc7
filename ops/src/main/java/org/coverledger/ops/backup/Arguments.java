package org.coverledger.ops.backup;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The command line of the backup tools: positional arguments, flags, and options with a value. */
record Arguments(List<String> positional, Set<String> flags, Map<String, String> values) {

    static Arguments parse(String[] args, Set<String> knownFlags, Set<String> knownOptions) {
        List<String> positional = new ArrayList<>();
        Set<String> flags = new HashSet<>();
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (knownFlags.contains(arg)) {
                flags.add(arg);
            } else if (knownOptions.contains(arg)) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                values.put(arg, args[++i]);
            } else if (arg.startsWith("-")) {
                throw new IllegalArgumentException("unknown option " + arg);
            } else {
                positional.add(arg);
            }
        }
        return new Arguments(positional, flags, values);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    String value(String name) {
        return values.get(name);
    }

    String valueOr(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    /** The option's whole number, at least {@code least}; the default when it is absent. */
    int number(String name, int otherwise, int least) {
        String value = values.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= least) {
                return number;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalArgumentException(name + " takes a whole number, " + least + " or more, not \"" + value + "\"");
    }

    /** Where the copies of the keys are: {@code --keys-dir}, or {@code keys} in the backup directory. */
    java.nio.file.Path keysDirectory(java.nio.file.Path backups) {
        String given = values.get("--keys-dir");
        return given == null ? backups.resolve("keys") : java.nio.file.Path.of(given);
    }

    /** At most one of the options may be given. */
    void oneOf(String... names) {
        if (java.util.Arrays.stream(names).filter(values::containsKey).count() > 1) {
            throw new IllegalArgumentException("give one of " + String.join(", ", names) + ", not several");
        }
    }
}
