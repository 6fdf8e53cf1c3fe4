package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.ScenarioResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The failover benchmark, shortened, against real servers: stickyfail and Connector/J side by side through a kill,
 * stickyfail's guarantees asserted, and the report written; and a real HAProxy in front of the same servers when
 * Debian's {@code haproxy} is installed (skipped, saying how to install it, otherwise).
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES) // servers, HAProxy, short runs
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
    void aShortKillRunThroughHaproxyWithALocalPeerReloadedAfterTheHeal(@TempDir Path dir) throws IOException {
        assumeTrue(HaproxyProcess.binary().isPresent(), HaproxyProcess.INSTALL_HINT);
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        Path report = dir.resolve("report.html");

        // the outage outlasts HAProxy's detection (inter 500 ms x fall 5) with room for a loaded machine; the reload
        // comes 1 s after db0 is back, and the pool then renews its connections through the new HAProxy process
        FailoverBenchmark.Outcome outcome = FailoverBenchmark.run(new String[] {"--fault=kill",
                "--contenders=haproxy-peers:reload=1s", "--writers=4", "--rate=100", "--before=2s", "--outage=6s",
                "--after=4s", "--report=" + report}, out);

        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(outcome.exitCode()).as(printed).isZero();
        assertThat(outcome.runs()).extracting(Run::contender).containsExactly("haproxy-peers:reload=1s");
        Run run = outcome.runs().get(0);
        ScenarioResult r = run.result();
        assertThat(r.timeToFirstWriteOnBackup()).as("HAProxy sent writes to the backup").isPresent();
        assertThat(run.faultToSwitch()).as("HAProxy's stick table moved to the backup").isPresent();
        assertThat(r.okOnSince(0, r.healedAtNanos())).as("writes on db0 once it was back: the stick table kept db1, "
                + "through the reload too").isZero();
        assertThat(r.replication().ok()).as(r.replication().detail()).isTrue();
        assertThat(printed).contains("HAProxy ", "haproxy-peers");
        assertThat(Files.readString(report)).contains("kill: haproxy-peers", "haproxy marked db0 DOWN", "haproxy reloaded");
        assertThat(ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").endsWith("haproxy")))
                .as("HAProxy processes left running").isEmpty();
    }

    @Test
    void haproxyCheckSettingsAreValidated() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        FailoverBenchmark.Outcome outcome = FailoverBenchmark.run(new String[] {"--contenders=haproxy:inter=1s"}, out);
        FailoverBenchmark.Outcome reload = FailoverBenchmark.run(new String[] {"--contenders=haproxy-peers:reload=soon"}, out);

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(reload.exitCode()).isEqualTo(2);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains(
                "HAProxy's inter must be a whole number of milliseconds, was '1s'", "reload must be", "was 'soon'");
    }

    @Test
    void theHaproxyConfigurationIsTheUsersOne() {
        HaproxyConfig config = new HaproxyConfig(3306, List.of("10.0.0.1:3306", "10.0.0.2:3306"), "haproxy_check",
                HaproxyConfig.Checks.parse("fall=3"), true, 10000, Path.of("/run/haproxy.sock"));

        assertThat(config.text()).contains(
                "    localpeer bench\n",
                "peers local\n    peer bench 127.0.0.1:10000\n",
                "    option mysql-check user haproxy_check\n",
                "    stick-table type integer size 1 peers local\n    stick on int(1)\n",
                "    server db0 10.0.0.1:3306 check inter 500 fall 3 rise 2 on-marked-down shutdown-sessions\n",
                "    server db1 10.0.0.2:3306 check inter 500 fall 3 rise 2 backup on-marked-down shutdown-sessions\n");
        assertThat(new HaproxyConfig(3306, List.of("a:1", "b:2"), "c", HaproxyConfig.Checks.DEFAULT, false, 0,
                Path.of("/s")).text()).doesNotContain("peer").contains("stick-table type integer size 1\n");
    }

    @Test
    void aBadOptionIsExplained() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        FailoverBenchmark.Outcome outcome = FailoverBenchmark.run(new String[] {"--contenders=stickyfail,pgbouncer"}, out);

        assertThat(outcome.exitCode()).isEqualTo(2);
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("'pgbouncer' is not a contender", "Usage:");
    }

    @Test
    void aBadOptionOfTheMultiInstanceModeIsExplained() {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

        assertThat(MultiInstanceBenchmark.run(new String[] {"--instances=3", "--fault=planned"}, out)).isEqualTo(2);
        assertThat(MultiInstanceBenchmark.run(new String[] {"--instances=3", "--contenders=haproxy"}, out)).isEqualTo(2);
        assertThat(MultiInstanceBenchmark.run(new String[] {"--instances=2"}, out)).isEqualTo(2);

        assertThat(buffer.toString(StandardCharsets.UTF_8))
                .contains("--fault with --instances takes kill, cut-one, pause-one, restart-one, restart-all, rolling, "
                        + "one-host-lost, lock-wait, freeze, blackhole or all, was 'planned'")
                .contains("--contenders with --instances takes shared, shared-readonly, alone or several, was 'haproxy'")
                .contains("--instances takes counts from 3 to 12, comma-separated, was '2'");
    }
}
