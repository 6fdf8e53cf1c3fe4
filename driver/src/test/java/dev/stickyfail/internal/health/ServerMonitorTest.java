package dev.stickyfail.internal.health;

import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.probe.Probe;
import dev.stickyfail.probe.ProbeResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitor's scheduling and counting rules, with probes scripted in memory: how a server that stops answering is
 * counted down, and which hiccups are not counted. Real servers really frozen, cut off and disturbed are in the
 * failover tests and in the hostile suite (benchmarks); this pins the rules themselves.
 */
class ServerMonitorTest {

    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor();
    private final List<String> changes = new CopyOnWriteArrayList<>();
    private ServerMonitor monitor;

    @AfterEach
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
        watchdog.shutdownNow();
    }

    /** What one probe does: pass at once, or hang until aborted, or pass after a while. */
    private static final class ScriptedProbe implements Probe {
        private final IntFunction<Long> hangMillisByNumber;
        private final AtomicInteger numbers;
        private final AtomicBoolean verdictFails;
        /** Each check waits on a latch of its own: an abort ends the check running, not the next one (a fresh session). */
        private volatile CountDownLatch aborted = new CountDownLatch(1);

        ScriptedProbe(AtomicInteger numbers, AtomicBoolean verdictFails, IntFunction<Long> hangMillisByNumber) {
            this.numbers = numbers;
            this.verdictFails = verdictFails;
            this.hangMillisByNumber = hangMillisByNumber;
        }

        @Override
        public ProbeResult check() throws Exception {
            long hang = hangMillisByNumber.apply(numbers.incrementAndGet());
            CountDownLatch mine = new CountDownLatch(1);
            aborted = mine;
            if (hang > 0 && mine.await(hang, TimeUnit.MILLISECONDS)) {
                throw new SQLNonTransientConnectionException("aborted", "08S01");
            }
            return verdictFails.get() ? ProbeResult.fail("not ready") : ProbeResult.pass();
        }

        @Override
        public void abort() {
            aborted.countDown();
        }
    }

    private final AtomicBoolean verdictFails = new AtomicBoolean();

    private ServerMonitor start(String props, AtomicInteger numbers, IntFunction<Long> hangMillis) throws SQLException {
        StickyFailConfig config = StickyFailConfig.from("jdbc:stickyfail:mysql://a:3306,b:3306/app?" + props, null);
        monitor = new ServerMonitor("t", 0, new ServerAddress("a", 3306), config,
                () -> new ScriptedProbe(numbers, verdictFails, hangMillis), new ServerMonitor.Observer() {
                    @Override
                    public void onProbe(ServerMonitor m, ProbeResult result, Duration latency) {
                    }

                    @Override
                    public void onStateChange(ServerMonitor m, ServerState from, ServerState to, String cause) {
                        changes.add(to + ": " + cause);
                    }
                }, watchdog, null);
        monitor.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.state() == ServerState.UP);
        return monitor;
    }

    @Test
    void aServerThatStopsAnsweringIsCountedDownOneFastIntervalApartNotOneTimeoutApart() throws SQLException {
        // a long checkTimeout makes the difference plain: one timeout after another needs fall x 2 s = 6 s; probes
        // that overlap once one is late collect their failures 100 ms apart: 2 s + 2 x 100 ms
        AtomicBoolean hung = new AtomicBoolean();
        AtomicInteger numbers = new AtomicInteger();
        start("stickyfail.checkTimeout=2s&stickyfail.checkInterval=200ms&stickyfail.checkFastInterval=100ms"
                + "&stickyfail.fall=3", numbers, n -> hung.get() ? 60_000L : 0L);
        long hangs = System.nanoTime();
        hung.set(true);
        await().atMost(Duration.ofSeconds(20)).until(() -> monitor.state() == ServerState.DOWN);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - hangs);
        assertThat(millis).as("marked down after %d ms", millis).isLessThan(4_500);
        assertThat(changes).last().asString().startsWith("DOWN");
    }

    @Test
    void oneSlowProbeAmongAnsweredOnesIsNotCounted() throws SQLException {
        AtomicInteger numbers = new AtomicInteger();
        AtomicInteger slow = new AtomicInteger(-1);
        // fall 1: a single counted timeout would mark the server down
        start("stickyfail.checkTimeout=300ms&stickyfail.checkInterval=100ms&stickyfail.checkFastInterval=50ms"
                + "&stickyfail.fall=1", numbers, n -> n == slow.get() ? 1_000L : 0L);
        slow.set(numbers.get() + 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers.get() > slow.get() + 5);
        assertThat(monitor.state()).isEqualTo(ServerState.UP);
        assertThat(changes).noneMatch(c -> c.startsWith("DOWN"));
    }

    @Test
    void aPassiveFailureCountsOnceUntilAProbePassesSoErrorsInterleavedWithTheProbesTheyTriggerAreNotFall()
            throws SQLException {
        // a Galera view change: statements refused on every session, the confirming probe's verdict fails too; before,
        // error, probe, error counted fall = 3 within milliseconds and left a healthy node
        AtomicInteger numbers = new AtomicInteger();
        start("stickyfail.checkTimeout=300ms&stickyfail.checkInterval=10s&stickyfail.checkFastInterval=10s"
                + "&stickyfail.checkDownInterval=10s&stickyfail.fall=3", numbers, n -> 0L);
        SQLException broken = new SQLNonTransientConnectionException("Communications link failure", "08S01");
        verdictFails.set(true);
        int before = numbers.get();
        assertThat(monitor.reportPassiveFailure(broken)).isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers.get() > before); // the confirming probe failed
        await().atMost(Duration.ofSeconds(10)).until(() -> changes.stream().anyMatch(c -> c.startsWith("GOING_DOWN")));
        // the next error (its probe will pass) does not add a third failure: before, it marked the server down here
        verdictFails.set(false);
        int failedProbes = numbers.get();
        assertThat(monitor.reportPassiveFailure(broken)).as("counted again before a probe passed").isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> numbers.get() > failedProbes && monitor.state() == ServerState.UP);
        // once a probe passed, the next error counts again
        assertThat(monitor.reportPassiveFailure(broken)).isTrue();
        assertThat(changes).noneMatch(c -> c.startsWith("DOWN"));
    }
}
