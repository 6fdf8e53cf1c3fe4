package dev.stickyfail;

import dev.stickyfail.config.StickyFailProperty;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README is the product's front door: every property, its default and every SQLState must be in it. */
class ReadmeTest {

    @Test
    void configurationReferenceListsEveryPropertyWithItsDefaultAndHaproxyKeyword() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        for (StickyFailProperty p : StickyFailProperty.values()) {
            String row = readme.lines().filter(l -> l.startsWith("| `" + p.key() + "` |")).findFirst().orElse(null);
            assertThat(row).as("README row for " + p.key()).isNotNull();
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
