package org.coverledger.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The two applications share no Spring code (the module layout has no place for it: the shared
 * module carries no Spring), so a few infrastructure classes exist once per side. They must
 * stay the same but for the side's name; this fails the build when one twin changes alone.
 */
class TwinSourcesTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final List<String> TWINS = List.of("SecurityConfiguration", "Logins", "LoginRateLimit",
            "RequestIdFilter", "MongoHealth", "BearerTokens");

    @Test
    void the_infrastructure_twins_of_both_sides_are_the_same_but_for_the_side() throws IOException {
        for (String twin : TWINS) {
            String command = neutral(ROOT.resolve("command-side/src/main/java/org/coverledger/command/infra/" + twin + ".java"));
            String query = neutral(ROOT.resolve("query-side/src/main/java/org/coverledger/query/infra/" + twin + ".java"));
            assertThat(query).as(twin + " differs between the command side and the query side").isEqualTo(command);
        }
    }

    private static String neutral(Path source) throws IOException {
        return Files.readString(source).replaceAll("(?i)command|query", "SIDE");
    }
}
