package dev.stickyfail.hazelcast;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/configuration.md lists every {@code stickyfail.hazelcast.*} key, with the defaults the store applies. */
class HazelcastReferenceTest {

    @TempDir
    Path dir;

    @Test
    void configurationReferenceListsEveryHazelcastKeyWithItsDefault() throws Exception {
        String reference = Files.readString(Path.of("..", "docs", "configuration.md"));
        List<String> keys = new ArrayList<>();
        for (Field f : HazelcastSettings.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == String.class) {
                String key = (String) f.get(null);
                if (key.startsWith(HazelcastSettings.PREFIX) && !key.equals(HazelcastSettings.PREFIX)) {
                    keys.add(key);
                }
            }
        }
        assertThat(keys).hasSize(8);
        for (String key : keys) {
            assertThat(row(reference, key)).as("docs/configuration.md row for " + key).isNotNull();
        }

        Path member = Files.writeString(dir.resolve("member.yaml"), "hazelcast:\n  cluster-name: x\n");
        HazelcastSettings defaults = HazelcastSettings.parse(Map.of(HazelcastSettings.CONFIG, member.toString()),
                Duration.ofSeconds(10)); // stickyfail.lease's default
        assertThat(row(reference, HazelcastSettings.TUNE)).contains("| `" + defaults.tune() + "` |");
        assertThat(row(reference, HazelcastSettings.CLAIM_SERVERS)).contains("| `" + defaults.claimServers() + "` |");
        assertThat(row(reference, HazelcastSettings.ALLOW_UNSAFE_MODE)).contains("| `" + defaults.allowUnsafeMode() + "` |");
        assertThat(row(reference, HazelcastSettings.START_TIMEOUT))
                .contains("| `" + defaults.startTimeout().toSeconds() + "s` |");
        assertThat(defaults.callTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(row(reference, HazelcastSettings.CALL_TIMEOUT)).contains("a quarter of `stickyfail.lease`, at most `2s`");
    }

    private static String row(String reference, String key) {
        return reference.lines().filter(l -> l.startsWith("| `" + key + "` |")).findFirst().orElse(null);
    }
}
