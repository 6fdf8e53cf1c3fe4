package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.ScenarioResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failover benchmark, shortened, against real servers: stickyfail and Connector/J side by side through a kill,
 * stickyfail's guarantees asserted, and the report written.
 */
class FailoverBenchmarkTest {

    @Test
    void aShortKillRunOfStickyfailAndConnectorJ(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        Path report = dir.resolve("report.html");

        FailoverBenchmark.Outcome outcome = FailoverBenchmark.run(new String[] {"--fault=kill", "--contenders=stickyfail,cj",
                "--writers=4", "--rate=100", "--before=2s", "--outage=2s", "--after=3s", "--report=" + report}, out);

        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(outcome.exitCode()).as(printed).isZero();
        assertThat(outcome.runs()).extracting(Run::contender).containsExactly("stickyfail", "cj");

        ScenarioResult sticky = outcome.runs().get(0).result();
        assertThat(sticky.audit().writesOnOldAfterFirstOnNew()).as("stickyfail: writes on db0 after the first on db1")
                .isZero();
        assertThat(sticky.replication().ok()).as(sticky.replication().detail()).isTrue();
        assertThat(sticky.timeToFirstWriteOnBackup()).as("stickyfail reached the backup").isPresent();
        assertThat(outcome.runs().get(0).faultToSwitch()).as("stickyfail switched").isPresent();
        assertThat(sticky.failuresBySqlState().keySet()).as("stickyfail's failures").isSubsetOf("08S01", "08007");

        ScenarioResult cj = outcome.runs().get(1).result();
        assertThat(cj.ok()).as("Connector/J's run wrote").isPositive();
        assertThat(cj.replication().ok()).as(cj.replication().detail()).isTrue();

        assertThat(printed).contains("to backup", "old after new", "HTML report: " + report.toAbsolutePath());
        String html = Files.readString(report);
        assertThat(html).contains("<svg", "kill: stickyfail", "kill: cj", "db0 killed (SIGKILL)");
        assertThat(html.replace("http://www.w3.org/2000/svg", "")).as("self-contained").doesNotContain("http://", "https://");
    }

    @Test
    void aBadOptionIsExplained() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        FailoverBenchmark.Outcome outcome = FailoverBenchmark.run(new String[] {"--contenders=stickyfail,pgbouncer"}, out);

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("'pgbouncer' is not a contender", "Usage:");
    }
}
