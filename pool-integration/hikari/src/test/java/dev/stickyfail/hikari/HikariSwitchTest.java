package dev.stickyfail.hikari;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFail;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.Fault;
import dev.stickyfail.testkit.workload.Op;
import dev.stickyfail.testkit.workload.ScenarioOptions;
import dev.stickyfail.testkit.workload.Topology;
import dev.stickyfail.testkit.workload.Workload;
import dev.stickyfail.testkit.workload.WorkloadClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 16 writers through HikariCP (16 connections) while the primary is killed or frozen. With the integration registered,
 * a switch fails only what was in flight on the old server; without it, a busy pool also hands out idle connections the
 * switch aborted (HikariCP skips validation within {@code aliveBypassWindowMs}), and those requests fail too.
 */
@MariaDbGroupTest(size = 2)
class HikariSwitchTest {

    private static final Logger LOG = LoggerFactory.getLogger(HikariSwitchTest.class);
    private static final int WRITERS = 16;
    private static final Path REPORT = Path.of("target", "hikari-switch-report.txt");

    private final ServerGroup group;

    HikariSwitchTest(ServerGroup group) {
        this.group = group;
    }

    enum Form { JDBC_URL, DATA_SOURCE_CLASS_NAME }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @ParameterizedTest(name = "{0}, primary {1}")
    @CsvSource({"JDBC_URL, KILL", "DATA_SOURCE_CLASS_NAME, KILL", "JDBC_URL, FREEZE", "DATA_SOURCE_CLASS_NAME, FREEZE"})
    void withTheIntegrationASwitchFailsOnlyWhatWasInFlightAndLeavesNoConnectionOnTheOldServer(Form form, Fault fault)
            throws Exception {
        Run run = run(form, fault, true);

        assertThat(run.failed).as("failures (at most one in-flight request per writer)").hasSizeLessThanOrEqualTo(WRITERS);
        assertThat(run.failed).as("every failure is an aborted or unknown-outcome statement")
                .allSatisfy(op -> assertThat(op.sqlState()).isIn("08S01", "08007"));
        assertThat(run.failed).as("no request that started once the switch began failed (none borrowed an aborted idle connection)")
                .allSatisfy(op -> assertThat(op.startNanos()).isLessThan(run.switchStartedNanos));
        assertThat(run.failed).as("no connectionTimeout pile-up")
                .noneSatisfy(op -> assertThat(op.error()).contains("Connection is not available"));
        assertThat(run.unfinished).isZero();
        assertThat(run.retirements).as("the pool was retired once, at the switch").isEqualTo(1);
    }

    /** The same runs without the integration: recorded for the docs, with what must hold either way. */
    @ParameterizedTest(name = "primary {0}")
    @EnumSource(value = Fault.class, names = {"KILL", "FREEZE"})
    void withoutTheIntegrationForContrast(Fault fault) throws Exception {
        Run run = run(Form.JDBC_URL, fault, false);

        assertThat(run.failed).allSatisfy(op -> assertThat(op.sqlState()).isIn("08S01", "08007"));
        assertThat(run.unfinished).isZero();
    }

    /**
     * The effect the integration removes, shown without a fault: an admin switch under load. Every writer reuses its
     * connection well within HikariCP's 500 ms validation bypass, so without the integration the next request of each
     * writer borrows the connection the switch aborted and fails; with it, nothing that started after the switch fails.
     */
    @ParameterizedTest(name = "integration {0}")
    @CsvSource({"true", "false"})
    void anAdminSwitchUnderLoadFailsNoRequestThatStartedAfterItOnlyWithTheIntegration(boolean integrated) throws Exception {
        Run run = run(Form.JDBC_URL, null, integrated);

        long startedAfter = run.failed.stream().filter(o -> o.startNanos() >= run.switchStartedNanos).count();
        if (integrated) {
            assertThat(startedAfter).as("requests that started after the switch began and failed").isZero();
            assertThat(run.retirements).isEqualTo(1);
        } else {
            assertThat(startedAfter).as("requests that borrowed an aborted idle connection").isPositive();
            assertThat(run.failed).filteredOn(o -> o.startNanos() >= run.switchStartedNanos)
                    .allSatisfy(op -> assertThat(op.error()).contains("was aborted"));
        }
        assertThat(run.failed).allSatisfy(op -> assertThat(op.sqlState()).isIn("08S01", "08007"));
    }

    /** {@code fault == null}: an admin switch to server 1 instead of a fault. */
    private Run run(Form form, Fault fault, boolean integrated) throws Exception {
        String name = ("hk-" + form + "-" + (fault == null ? "switchto" : fault) + (integrated ? "-on" : "-off")).toLowerCase(Locale.ROOT).replace('_', '-');
        ScenarioOptions options = ScenarioOptions.defaults().withWriters(WRITERS).withRate(400)
                .withFault(fault == null ? Fault.KILL : fault).withTable("hikari_switch");
        Topology topology = Topology.direct(group);
        FailoverScenario scenario = new FailoverScenario(topology, options, name);
        scenario.prepare();

        AtomicLong switchStartedAt = new AtomicLong();
        AtomicReference<SwitchEvent> switched = new AtomicReference<>();
        StickyFailHikari.Registration registration = null;
        StickyFailListener recorder = new StickyFailListener() {
            @Override
            public void onSwitchStarting(SwitchStartingEvent e) {
                if (e.group().equals(name) && e.from() != null) {
                    switchStartedAt.compareAndSet(0, System.nanoTime());
                }
            }

            @Override
            public void onSwitch(SwitchEvent e) {
                if (e.group().equals(name) && e.from() != null) {
                    switched.compareAndSet(null, e);
                }
            }
        };
        HikariDataSource pool = new HikariDataSource(config(form, name, integrated));
        try {
            if (integrated) {
                registration = StickyFailHikari.register(pool);
                assertThat(registration.group()).isEqualTo(name);
            }
            // after the integration: global listeners run in order, so "the switch began" is stamped once the pool
            // has been retired, and any request that starts later must not fail
            StickyFail.addGlobalListener(recorder);
            await().atMost(Duration.ofSeconds(30)).until(() -> group.server(0).connectionCount(group.appUser()) == WRITERS);

            Workload workload = new Workload(topology, List.of(new WorkloadClient("hikari", pool, null)), name, options);
            long origin = System.nanoTime();
            workload.start(origin);
            await().atMost(Duration.ofSeconds(30)).until(() -> workload.tick().okTotal() >= 400);

            long faultAt = System.nanoTime() - origin;
            if (fault == null) {
                StickyFail.group(name).orElseThrow().switchTo(group.server(1).hostAndPort());
            } else {
                fault.inject(topology, 0);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> switched.get() != null);
            long okAtSwitch = workload.tick().okTotal();
            await().atMost(Duration.ofSeconds(30)).until(() -> workload.tick().okTotal() - okAtSwitch >= 400);
            // every connection the pool holds now is on the new server, counted there
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                int total = pool.getHikariPoolMXBean().getTotalConnections();
                return total > 0 && group.server(1).connectionCount(group.appUser()) == total;
            });
            if (fault != null) {
                fault.heal(topology, 0);
            }
            // the old server, running again, has no session of the application left (a frozen one sees them end)
            await().atMost(Duration.ofSeconds(60)).until(() -> group.server(0).connectionCount(group.appUser()) == 0);

            List<Op> ops = workload.stop(Duration.ofSeconds(5));
            Run run = new Run(ops, switchStartedAt.get() - origin, registration == null ? 0 : registration.retirements());
            record(name, fault, integrated, run, faultAt, switched.get());
            return run;
        } finally {
            StickyFail.removeGlobalListener(recorder);
            if (registration != null) {
                registration.close();
            }
            pool.close();
            StickyFail.shutdown(name); // HikariCP never closes a DataSource it created
        }
    }

    private HikariConfig config(Form form, String name, boolean integrated) {
        String url = "jdbc:stickyfail:mysql://" + group.hostList() + "/" + group.database();
        // the driver's own replacement of idle connections is off: these runs measure what the pool integration does
        String props = "stickyfail.group=" + name + ";stickyfail.checkUser=" + group.probeUser()
                + ";stickyfail.checkPassword=" + group.probePassword() + ";stickyfail.replaceIdleConnections=false";
        HikariConfig hc = new HikariConfig();
        hc.setPoolName(name);
        hc.setMaximumPoolSize(WRITERS);
        hc.setMinimumIdle(WRITERS);
        if (form == Form.JDBC_URL) {
            hc.setJdbcUrl(url);
            hc.setUsername(group.appUser());
            hc.setPassword(group.appPassword());
            for (String pair : props.split(";")) {
                String[] kv = pair.split("=", 2);
                hc.addDataSourceProperty(kv[0], kv[1]);
            }
        } else {
            hc.setDataSourceClassName("dev.stickyfail.StickyFailDataSource");
            hc.addDataSourceProperty("url", url);
            hc.addDataSourceProperty("user", group.appUser());
            hc.addDataSourceProperty("password", group.appPassword());
            hc.addDataSourceProperty("connectionProperties", props);
        }
        if (integrated) {
            hc.setExceptionOverrideClassName(StickyFailExceptionOverride.class.getName());
        }
        return hc;
    }

    private static void record(String name, Fault fault, boolean integrated, Run run, long faultAt, SwitchEvent e)
            throws IOException {
        long afterSwitchStart = run.failed.stream().filter(o -> o.startNanos() >= run.switchStartedNanos).count();
        String line = String.format(Locale.ROOT, "%-36s %-6s integration=%-5s failed=%d (%s) of which started after the "
                        + "switch began=%d; switch %d ms after the fault, detection-to-serving %d ms, evicted %d%n",
                name, fault == null ? "SWITCH" : fault, integrated, run.failed.size(),
                run.failed.stream().collect(Collectors.groupingBy(Op::sqlState, Collectors.counting())),
                afterSwitchStart, (run.switchStartedNanos - faultAt) / 1_000_000, e.detectionToServing().toMillis(), e.evicted());
        LOG.info("result: {}", line.trim());
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static final class Run {
        final List<Op> failed;
        final long unfinished;
        final long switchStartedNanos;
        final long retirements;

        Run(List<Op> ops, long switchStartedNanos, long retirements) {
            this.failed = ops.stream().filter(o -> o.outcome() == Op.Outcome.FAILED).toList();
            this.unfinished = ops.stream().filter(o -> o.outcome() == Op.Outcome.UNFINISHED).count();
            this.switchStartedNanos = switchStartedNanos;
            this.retirements = retirements;
        }
    }
}
