package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.testkit.FaultProxy;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How a hung primary is detected under the application's traffic, on real servers, with the timings stretched so that
 * the bounds are generous and still tell the rules apart: {@code checkInterval=5s}, {@code checkTimeout=2s},
 * {@code checkFastInterval=200ms}, {@code fall=3}. The application's unanswered requests start a probe at once, and
 * the probes behind a late one start {@code checkFastInterval} apart: marked down about 0.1 + 2 + 2 x 0.2 = 2.5 s
 * after the freeze. Waiting for the next probe and counting one timeout after another would take 6 to 11 s. A stall
 * shorter than the silence that marks a server down (2.4 s here) leaves it where it is.
 */
@MariaDbGroupTest(size = 2)
class DetectionTest {

    private static final String STRETCHED = "stickyfail.checkInterval=5s&stickyfail.checkTimeout=2s"
            + "&stickyfail.checkFastInterval=200ms&stickyfail.fall=3";

    private final ServerGroup group;

    DetectionTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    /** Writers that insert in a loop until stopped, each on a connection of its own; errors end nothing. */
    private static final class Writers implements AutoCloseable {
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicLong ok = new AtomicLong();
        private final List<Thread> threads = new ArrayList<>();

        Writers(StickyFailDataSource ds, int n) throws SQLException {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS detection_writes (id BIGINT AUTO_INCREMENT PRIMARY KEY, w INT)");
            }
            for (int i = 0; i < n; i++) {
                int w = i;
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                            st.executeUpdate("INSERT INTO detection_writes (w) VALUES (" + w + ")");
                            ok.incrementAndGet();
                        } catch (SQLException e) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a failed write; the next one
                        }
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // the load's pace
                    }
                }, "detection-writer-" + i);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            long start = ok.get();
            await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > start + 4 * n);
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join(30_000);
            }
        }
    }

    @Test
    void aFrozenPrimaryUnderTrafficIsLeftAfterOneTimeoutAndTheFastIntervalsBehindItNotAfterFallTimeouts()
            throws Exception {
        Fixtures.Switches events = new Fixtures.Switches();
        String primary = group.server(0).host() + ":" + group.server(0).port();
        AtomicLong markedDownAt = new AtomicLong();
        AtomicReference<String> markedDownWhy = new AtomicReference<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "detection-freeze", STRETCHED)) {
            GroupAdmin admin = ds.admin();
            admin.addListener(events);
            admin.addListener(new StickyFailListener() {
                @Override
                public void onServerStateChange(ServerStateEvent e) {
                    if (e.to() == ServerState.DOWN && e.server().toString().equals(primary)
                            && markedDownAt.compareAndSet(0, System.nanoTime())) {
                        markedDownWhy.set(e.cause());
                    }
                }
            });
            try (Writers writers = new Writers(ds, 4)) {
                long frozen = System.nanoTime();
                group.server(0).freeze();
                await().atMost(Duration.ofSeconds(30)).until(() -> markedDownAt.get() != 0);
                long millis = TimeUnit.NANOSECONDS.toMillis(markedDownAt.get() - frozen);
                // 2.5 s configured. The writers' own logins, bounded by connectTimeout (2 s), would report the server
                // only after 2 s: 4.2 s by that route; the old rule needs at least fall x checkTimeout = 6 s
                assertThat(millis).as("freeze to marked down, ms (%s)", markedDownWhy.get()).isLessThan(3_800);
                assertThat(markedDownWhy.get()).contains("timed out");
                // the switch itself may then wait for commits the frozen server acknowledged and never sent to the
                // backup (switchCatchUpTimeout): that is not detection
                await().atMost(Duration.ofSeconds(30)).until(() -> events.failovers() >= 1);
                try (Connection c = ds.getConnection()) {
                    assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
                }
                group.server(0).thaw();
            }
        }
    }

    @Test
    void aStallShorterThanTheSilenceThatMarksAServerDownLeavesThePrimaryWhereItIs() throws Exception {
        try (FaultProxy p0 = FaultProxy.start(group.server(0).host(), group.server(0).port());
             FaultProxy p1 = FaultProxy.start(group.server(1).host(), group.server(1).port())) {
            Fixtures.Switches events = new Fixtures.Switches();
            try (StickyFailDataSource ds = Fixtures.dataSource(group, p0.hostAndPort() + "," + p1.hostAndPort(),
                    "detection-stall", STRETCHED)) {
                GroupAdmin admin = ds.admin();
                admin.addListener(events);
                try (Writers writers = new Writers(ds, 4)) {
                    for (int i = 0; i < 3; i++) {
                        long probes = events.probesOf(p0.hostAndPort());
                        p0.partition(); // nothing crosses, nothing is lost: delivered when it heals
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1_500)); // the stall's length, not a wait
                        p0.passThrough();
                        long ok = writers.ok.get();
                        await().atMost(Duration.ofSeconds(30)).until(() -> writers.ok.get() > ok + 20
                                && events.probesOf(p0.hostAndPort()) > probes);
                        assertThat(state(admin, 0)).isIn("UP", "GOING_DOWN");
                    }
                    assertThat(events.failovers()).as("switches after three 1.5 s stalls").isZero();
                    assertThat(admin.activeServer()).contains(p0.hostAndPort());
                }
            }
        }
    }

    private static String state(GroupAdmin admin, int index) {
        return admin.servers().get(index).getState();
    }
}
