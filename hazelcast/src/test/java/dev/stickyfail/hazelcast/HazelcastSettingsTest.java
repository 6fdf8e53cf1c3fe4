package dev.stickyfail.hazelcast;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HazelcastSettingsTest {

    static final Duration LEASE = Duration.ofSeconds(8);
    @TempDir
    Path dir;

    private Path file(String name) throws Exception {
        return Files.writeString(dir.resolve(name), "hazelcast:\n  cluster-name: x\n");
    }

    private static void rejects(Map<String, String> props, String... fragments) {
        assertThatThrownBy(() -> HazelcastSettings.parse(props, LEASE))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08001"))
                .satisfies(e -> assertThat(e.getMessage()).contains(fragments));
    }

    @Test
    void defaults() throws Exception {
        Path f = file("member.yaml");
        HazelcastSettings s = HazelcastSettings.parse(Map.of(HazelcastSettings.CONFIG, f.toString()), LEASE);
        assertThat(s.source()).isEqualTo(HazelcastSettings.Source.EMBEDDED_MEMBER);
        assertThat(s.file()).isEqualTo(f.toAbsolutePath().normalize());
        assertThat(s.tune()).isTrue();
        assertThat(s.allowUnsafeMode()).isFalse();
        assertThat(s.callTimeout()).as("a quarter of the lease, at most 2 s").isEqualTo(Duration.ofSeconds(2));
        assertThat(HazelcastSettings.parse(Map.of(HazelcastSettings.CONFIG, f.toString()), Duration.ofSeconds(4)).callTimeout())
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(s.startTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void everyProperty() throws Exception {
        Path f = file("client.xml");
        HazelcastSettings s = HazelcastSettings.parse(Map.of(HazelcastSettings.CLIENT_CONFIG, f.toString(),
                HazelcastSettings.TUNE, "FALSE", HazelcastSettings.ALLOW_UNSAFE_MODE, "true",
                HazelcastSettings.CALL_TIMEOUT, "500ms", HazelcastSettings.START_TIMEOUT, "2m"), LEASE);
        assertThat(s.source()).isEqualTo(HazelcastSettings.Source.CLIENT);
        assertThat(s.tune()).isFalse();
        assertThat(s.allowUnsafeMode()).isTrue();
        assertThat(s.callTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.startTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(HazelcastSettings.parse(Map.of(HazelcastSettings.INSTANCE_NAME, "app"), LEASE).instanceName()).isEqualTo("app");
    }

    @Test
    void badValuesNameThePropertyTheValueAndTheExpectedForm() throws Exception {
        Path f = file("member.yaml");
        rejects(Map.of(), "needs exactly one of", "none is set");
        rejects(Map.of(HazelcastSettings.CONFIG, f.toString(), HazelcastSettings.INSTANCE_NAME, "x"), "several are set");
        rejects(Map.of(HazelcastSettings.CONFIG, dir.resolve("missing.yaml").toString()),
                "stickyfail.hazelcast.config=", "missing.yaml", "names no readable file");
        rejects(Map.of(HazelcastSettings.CONFIG, file("member.txt").toString()), "member.txt", ".xml, .yaml or .yml");
        rejects(Map.of(HazelcastSettings.CONFIG, f.toString(), HazelcastSettings.TUNE, "yes"),
                "stickyfail.hazelcast.tune=yes", "true or false");
        rejects(Map.of(HazelcastSettings.CONFIG, f.toString(), HazelcastSettings.CALL_TIMEOUT, "soon"),
                "stickyfail.hazelcast.callTimeout=soon", "500ms, 2s, 1m");
        rejects(Map.of(HazelcastSettings.CONFIG, f.toString(), HazelcastSettings.CALL_TIMEOUT, "-5s"),
                "callTimeout=-5s", "positive duration");
        rejects(Map.of(HazelcastSettings.CONFIG, f.toString(), HazelcastSettings.CALL_TIMEOUT, "8s"),
                "callTimeout=8s", "shorter than stickyfail.lease");
        Map<String, String> unknown = new HashMap<>(Map.of(HazelcastSettings.CONFIG, f.toString()));
        unknown.put("stickyfail.hazelcast.confg", "x.yaml");
        rejects(unknown, "unknown property stickyfail.hazelcast.confg=x.yaml", "stickyfail.hazelcast.config");
    }
}
