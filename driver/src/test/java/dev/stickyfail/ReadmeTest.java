package dev.stickyfail;

import dev.stickyfail.config.StickyFailProperty;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The docs stay true to the code: the configuration reference ({@code docs/configuration.md}) lists every property with
 * its default, and the README's error summary names every SQLState.
 */
class ReadmeTest {

    @Test
    void configurationReferenceListsEveryPropertyWithItsDefaultAndHaproxyKeyword() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        String reference = Files.readString(Path.of("..", "docs", "configuration.md"));
        for (StickyFailProperty p : StickyFailProperty.values()) {
            String row = reference.lines().filter(l -> l.startsWith("| `" + p.key() + "` |")).findFirst().orElse(null);
            assertThat(row).as("docs/configuration.md row for " + p.key()).isNotNull();
            if (p.defaultValue() != null) {
                assertThat(row).as(p.key() + " default").contains("| `" + p.defaultValue() + "` |");
            }
        }
        for (String state : new String[] {SqlStates.CONNECTION_ABORTED, SqlStates.TRANSACTION_RESOLUTION_UNKNOWN,
                SqlStates.UNABLE_TO_CONNECT}) {
            assertThat(readme).contains("`" + state + "`");
        }
    }
}
