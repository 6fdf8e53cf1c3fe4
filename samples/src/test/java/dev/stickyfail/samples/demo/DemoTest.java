package dev.stickyfail.samples.demo;

import dev.stickyfail.testkit.workload.ScenarioResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo, shortened, against real servers: it must tell the story and meet its guarantees. */
@Timeout(value = 5, unit = TimeUnit.MINUTES) // two servers and an 8 s run
class DemoTest {

    @Test
    void aShortKillRunTellsTheStoryAndMeetsItsGuarantees() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        Demo.Outcome outcome = Demo.execute(DemoOptions.parse(new String[] {"--duration=8s", "--writers=4", "--rate=100"}), out);

        String narration = buffer.toString(StandardCharsets.UTF_8);
        assertThat(outcome.exitCode()).as(narration).isEqualTo(Demo.PASSED);
        ScenarioResult result = outcome.result();
        assertThat(result.audit().writesOnOldAfterFirstOnNew()).as("writes on db0 after the first on db1").isZero();
        assertThat(result.replication().ok()).as(result.replication().detail()).isTrue();
        assertThat(result.timeToFirstWriteOnBackup()).as("writes reached the backup").isPresent();
        assertThat(result.okOnSince(0, result.healedAtNanos())).as("writes on db0 once it was back (sticky)").isZero();
        assertThat(result.okOnSince(1, result.healedAtNanos())).as("writes on db1 once db0 was back").isPositive();
        assertThat(narration).contains("db0 killed (SIGKILL)", "stickyfail switched db0 -> db1 (epoch 2)",
                "first write on db1", "db0 restarted", "replication caught up", "Summary", "PASS");
    }

    @Test
    void aBadOptionIsExplainedWithExitCode2AndStartsNothing() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        int code = Demo.run(new String[] {"--fault=explode"}, out);

        assertThat(code).isEqualTo(Demo.USAGE);
        assertThat(buffer.toString(StandardCharsets.UTF_8))
                .contains("'explode' is not a fault; expected one of kill, freeze, blackhole")
                .contains("Usage:")
                .doesNotContain("Starting two MariaDB servers");
    }
}
