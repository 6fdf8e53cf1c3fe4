package dev.stickyfail.benchmarks.soak;

import dev.stickyfail.testkit.workload.Fault;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The soak run, short (CI's version of the 1,000-switch run in docs/benchmarks.md): 50 switches under 200 writes/s
 * through HikariCP, 35 operator switches and 5 each of kill, freeze and blackhole, about 85 s here. Asserted: every
 * switch sticky, no row on the old server sent after the new one's first, every write reported ok present once and
 * both servers agreeing, at most one failed request per writer per switch, and threads, file descriptors, heap after
 * GC and the application's sessions within the stated bounds.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class SoakTest {

    @Test
    void fiftySwitchesUnderLoadStayStickyLoseNothingAndLeakNothing(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        SoakBenchmark.Result result = SoakBenchmark.run(new String[] {"--switches=50", "--rate=200", "--sample-every=10",
                "--out=" + dir}, out);

        String printed = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(printed); // the surefire report keeps the run's table
        assertThat(result.error()).as(printed).isEmpty();
        assertThat(result.switches()).as("switches completed").hasSize(50);
        assertThat(result.switches().stream().map(SwitchRecord::fault).distinct())
                .containsExactlyInAnyOrder(Fault.PLANNED, Fault.KILL, Fault.FREEZE, Fault.BLACKHOLE);
        assertThat(result.switches()).as("every switch sticky: one switch event, and the group stayed on the new server "
                + "once the old one was up again").allMatch(SwitchRecord::sticky);

        SoakAudit audit = result.audit().orElseThrow();
        assertThat(audit.noWriteOnNew()).as("switches without a row on the new server").isEmpty();
        assertThat(audit.lateSentAfterTotal()).as("rows on the old server sent after the new one's first").isZero();
        assertThat(audit.lateReportedOkTotal()).as("rows on the old server after the new one's first, reported ok")
                .isZero();
        assertThat(audit.missingOk()).as("writes reported ok on no server").isZero();
        assertThat(audit.unknownRows()).isZero();
        assertThat(audit.serversAgree()).as(audit.serverDetail()).isTrue();
        assertThat(audit.rows()).isGreaterThan(result.okWrites() - 1);

        long[] failed = SoakReport.failedPerSwitch(result.switches(), result.failures());
        assertThat(Arrays.stream(failed).max().orElse(0)).as("failed writes in one switch").isLessThanOrEqualTo(8);
        assertThat(result.failures()).as("failures: outcome unknown or connection errors, never a duplicate key")
                .allMatch(f -> f.sqlState().startsWith("08"));

        assertThat(result.samples().size()).as("samples").isGreaterThanOrEqualTo(6);
        assertThat(result.violations()).as(printed).isEmpty(); // the resource bounds, and the rest again
        assertThat(result.exitCode()).isZero();

        assertThat(printed).contains("PASSED", "[  50/50]");
        assertThat(Files.readString(dir.resolve("soak.svg"))).startsWith("<svg").contains("polyline", "heap after GC");
        assertThat(Files.readAllLines(dir.resolve("switches.csv"))).hasSize(51);
        assertThat(Files.readAllLines(dir.resolve("samples.csv"))).hasSize(result.samples().size() + 1);

        // the plot redrawn from the CSV files alone, the same checks passing on them
        Files.delete(dir.resolve("soak.svg"));
        SoakBenchmark.Result replot = SoakBenchmark.run(new String[] {"--switches=50", "--sample-every=10",
                "--out=" + dir, "--replot"}, out);
        assertThat(replot.exitCode()).as(buffer.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(replot.switches()).isEqualTo(result.switches());
        assertThat(replot.failures()).hasSameSizeAs(result.failures());
        assertThat(Files.readString(dir.resolve("soak.svg"))).startsWith("<svg").contains("failed writes per switch");
    }

    @Test
    void badOptionsNameTheOptionTheValueAndTheExpectedForm() {
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--switches=abc"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContainingAll("--switches", "'abc'", "whole number from 1 to 100000");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--switches=0"}))
                .hasMessageContainingAll("--switches", "'0'", "from 1");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--rate"}))
                .hasMessageContainingAll("--rate", "without a value", "--rate=200");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--hold=soon"}))
                .hasMessageContainingAll("--hold", "'soon'", "500ms");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--mix=planned:7,crash:1"}))
                .hasMessageContainingAll("--mix", "'crash'", "planned, kill, freeze, blackhole");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--mix=planned:x"}))
                .hasMessageContainingAll("--mix", "'x'", "weight");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--writers=20", "--pool=16"}))
                .hasMessageContainingAll("--pool=16", "--writers=20");
        assertThatThrownBy(() -> SoakOptions.parse(new String[] {"--switchs=10"}))
                .hasMessageContainingAll("unknown option", "--switchs=10", "--switches");

        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        SoakBenchmark.Result r = SoakBenchmark.run(new String[] {"--rate=-1"},
                new PrintStream(buffer, true, StandardCharsets.UTF_8));
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("--rate='-1'", "Usage:");
    }

    @Test
    void theRotationSpreadsEachFaultEvenly() {
        SoakOptions options = SoakOptions.defaults();
        List<Fault> ten = options.rotation(10);
        assertThat(Collections.frequency(ten, Fault.PLANNED)).isEqualTo(7);
        assertThat(Collections.frequency(ten, Fault.KILL)).isEqualTo(1);
        assertThat(Collections.frequency(ten, Fault.FREEZE)).isEqualTo(1);
        assertThat(Collections.frequency(ten, Fault.BLACKHOLE)).isEqualTo(1);
        assertThat(options.rotation(1000)).containsSequence(ten).hasSize(1000);
        assertThat(Collections.frequency(options.rotation(50), Fault.KILL)).isEqualTo(5);
        assertThat(options.warmUpSwitches()).isLessThanOrEqualTo(10);
        assertThat(SoakOptions.parse(new String[] {"--mix=kill"}).rotation(3)).containsOnly(Fault.KILL);
    }
}
