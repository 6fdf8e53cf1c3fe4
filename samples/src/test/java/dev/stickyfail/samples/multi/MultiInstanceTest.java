package dev.stickyfail.samples.multi;

import dev.stickyfail.testkit.Flavour;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three application instances in separate JVMs, one shared decision in Hazelcast's CP Subsystem, two real masters
 * (MariaDB; MySQL 8 in the second run): the primary killed, one instance cut off from it alone, one instance paused
 * while the others switch, one instance and then all three restarted after a failover (state files), and rolling
 * restarts, each instance twice, under load. Each must end with every instance on the backup, no write on the old primary after the first write on the
 * backup (but writes in flight at the fault, reported 08007), and every write reported committed on the servers.
 */
class MultiInstanceTest {

    @TempDir
    Path dir;

    /** Every fault; in the MySQL 8 run (-Dstickyfail.testkit.flavour=mysql8) only the kill, for CI's time. */
    static Stream<MultiInstanceScenario.Fault> faults() {
        return Flavour.fromSystemProperty() == Flavour.MYSQL8
                ? Stream.of(MultiInstanceScenario.Fault.KILL)
                : Stream.of(MultiInstanceScenario.Fault.values());
    }

    @ParameterizedTest
    @MethodSource("faults")
    void oneDecisionForEveryInstanceAndNoDoubleWrite(MultiInstanceScenario.Fault fault) throws Exception {
        try (MultiInstanceScenario s = new MultiInstanceScenario(dir)) {
            MultiInstanceScenario.Result r;
            try {
                s.start(Duration.ofSeconds(3), 2, 40);
                r = s.run(fault, Duration.ofSeconds(2), Duration.ofSeconds(3));
            } catch (RuntimeException | AssertionError e) {
                for (Path log : s.logs()) {
                    System.err.println("==== " + log + "\n" + (Files.exists(log) ? tail(Files.readString(log)) : "(none)"));
                }
                throw e;
            }
            System.out.println(r + " startupMillis=" + s.startupMillis());
            assertThat(r.misreported()).as("writes on the old primary after the first on the backup").isEmpty();
            assertThat(r.lost()).as("writes reported committed that are on neither server").isEmpty();
            assertThat(r.finalStatus().values()).as("every instance on the backup, trusting its lease")
                    .allMatch(v -> v.contains("active=db1:") && v.contains("lease=true"));
            assertThat(r.replicationHealthy()).isTrue();
            assertThat(r.writes()).isGreaterThan(100);
            r.failuresByInstance().values().forEach(f -> assertThat(f.keySet()).isSubsetOf("08S01", "08007", "08001"));
        }
    }

    private static String tail(String s) {
        return s.length() < 6000 ? s : s.substring(s.length() - 6000);
    }
}
