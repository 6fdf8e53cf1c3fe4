package dev.stickyfail.it.replication;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.it.Fixtures;
import dev.stickyfail.admin.ErrantReport;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.ErrantTransactionsEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The switch as wired in the driver: it makes the new server apply its backlog before it takes writes, and reports
 * what the old server did alone once it is back. On real servers, through a stickyfail DataSource.
 */
@MariaDbGroupTest(size = 2)
class SwitchReplicationTest {

    private final ServerGroup group;

    SwitchReplicationTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    private StickyFailDataSource dataSource(String name, String params) {
        return Fixtures.dataSource(group, group.hostList(), name, params);
    }

    private void table(String name) throws Exception {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + name);
            st.execute("CREATE TABLE " + name + " (id INT PRIMARY KEY, v INT NOT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    @Test
    void aSwitchWaitsForTheLaggingBackupAndItsFirstWritesDoNotConflict() throws Exception {
        table("lag_switch");
        List<CatchUpEvent> catchUps = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = dataSource("repl-lag", "")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onCatchUp(CatchUpEvent e) {
                    catchUps.add(e);
                }
            });
            // the backlog drains only once the switch is seen waiting for it on the backup
            Thread drain = new Thread(() -> {
                await().atMost(Duration.ofSeconds(30)).until(() -> Servers.waitsRunning(group, 1) > 0);
                group.startApplier(1);
            });
            group.stopApplier(1);
            try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement("INSERT INTO lag_switch VALUES (?, 0)")) {
                for (int i = 0; i < 300; i++) {
                    ps.setInt(1, i);
                    ps.executeUpdate();
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            drain.start();
            ds.admin().switchTo(group.server(1).hostAndPort());
            drain.join();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                // the first thing the application does on the new primary touches the rows it had not applied yet
                assertThat(st.executeUpdate("UPDATE lag_switch SET v = 1")).as("every row was there").isEqualTo(300);
            }
            assertThat(catchUps).singleElement().satisfies(e -> {
                assertThat(e.outcome()).isEqualTo("CAUGHT_UP");
                assertThat(e.waitedFor()).isNotEmpty();
            });
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        group.assertReplicationHealthy();
    }

    /**
     * The catch-up runs on a session opened ahead of the switch; one that died meanwhile (killed here, as a server's
     * restart or its {@code wait_timeout} would) is replaced, not used: the catch-up still reads the new server.
     */
    @Test
    void aSpareCatchUpSessionThatDiedIsReplacedAtTheSwitch() throws Exception {
        table("spare_session");
        List<CatchUpEvent> catchUps = new CopyOnWriteArrayList<>();
        // probes every second reuse their sessions: the one idle for 3 s and more is the spare
        try (StickyFailDataSource ds = dataSource("repl-spare", "stickyfail.checkInterval=1s")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onCatchUp(CatchUpEvent e) {
                    catchUps.add(e);
                }
            });
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO spare_session VALUES (1, 0)");
            }
            long spare = await().atMost(Duration.ofSeconds(30)).until(() -> idleSession(1, group.probeUser(), 3), id -> id > 0);
            try (Connection c = group.adminConnection(1); Statement st = c.createStatement()) {
                st.execute("KILL " + spare);
            }
            ds.admin().switchTo(group.server(1).hostAndPort());
            await().atMost(Duration.ofSeconds(10)).until(() -> !catchUps.isEmpty());
            assertThat(catchUps).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("CAUGHT_UP"));
            assertThat(ds.admin().activeServer()).contains(group.server(1).hostAndPort());
        }
    }

    /** A session of {@code user} on server {@code index} idle for at least {@code seconds}, or 0. */
    private long idleSession(int index, String user, int seconds) throws Exception {
        try (Connection c = group.adminConnection(index); PreparedStatement ps = c.prepareStatement(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = ? AND COMMAND = 'Sleep' AND TIME >= ? "
                        + "ORDER BY TIME DESC LIMIT 1")) {
            ps.setString(1, user);
            ps.setInt(2, seconds);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    @Test
    void aBackupThatCannotCatchUpInTimeIsSwitchedToAnywayAndSaysSo() throws Exception {
        table("lag_timeout");
        List<CatchUpEvent> catchUps = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = dataSource("repl-timeout", "stickyfail.switchCatchUpTimeout=1s")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onCatchUp(CatchUpEvent e) {
                    catchUps.add(e);
                }
            });
            group.stopApplier(1);
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO lag_timeout VALUES (1, 0)");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            long start = System.nanoTime();
            ds.admin().switchTo(group.server(1).hostAndPort());
            assertThat((System.nanoTime() - start) / 1_000_000).as("held at most about the timeout, ms").isLessThan(15_000);
            // listeners run on the group's event thread, after the change: the event may follow switchTo's return
            await().atMost(Duration.ofSeconds(10)).until(() -> !catchUps.isEmpty());
            assertThat(catchUps).singleElement().satisfies(e -> assertThat(e.outcome()).isIn("TIMED_OUT"));
            assertThat(ds.admin().activeServer()).contains(group.server(1).hostAndPort());
        }
    }

    @Test
    void whatTheOldPrimaryCommittedAloneIsReportedWhenItReturnsAndNothingAfterACleanSwitch() throws Exception {
        table("errant_switch");
        List<ErrantTransactionsEvent> errant = new CopyOnWriteArrayList<>();
        List<String> upAgain = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = dataSource("repl-errant", "")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onErrantTransactions(ErrantTransactionsEvent e) {
                    errant.add(e);
                }

                @Override
                public void onServerStateChange(dev.stickyfail.event.ServerStateEvent e) {
                    if (e.to() == dev.stickyfail.admin.ServerState.UP) {
                        upAgain.add(e.server().toString()); // delivered after that server's errant check
                    }
                }
            });
            ds.getConnection().close();
            group.stopReplication(1); // db1 stops receiving: what db0 commits now, it never ships
            try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
                for (int i = 0; i < 5; i++) {
                    st.executeUpdate("INSERT INTO errant_switch VALUES (" + i + ", 0)");
                }
            }
            long last = Servers.lastWritten(group, 0);
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> ds.admin().activeServer().orElse("").equals(group.server(1).hostAndPort()));
            group.server(0).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> !errant.isEmpty());
            ErrantReport report = errant.get(0).report();
            assertThat(report.count()).isEqualTo(5);
            assertThat(report.oldServer()).isEqualTo(group.server(0).hostAndPort());
            assertThat(report.ranges()).isEqualTo(Servers.range(group, 0, last - 4, last).toString());
            assertThat(ds.admin().errantTransactions()).containsExactly(report);

            // a clean switch back: db1 -> db0 after healing; db1 returns with nothing of its own
            group.heal(Duration.ofSeconds(90));
            await().atMost(Duration.ofSeconds(30)).until(() -> ds.admin().servers().get(0).getState().equals("UP"));
            errant.clear();
            ds.admin().switchTo(group.server(0).hostAndPort());
            group.server(1).kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> ds.admin().servers().get(1).getState().equals("DOWN"));
            upAgain.clear();
            group.server(1).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> upAgain.contains(group.server(1).hostAndPort()));
            assertThat(errant).as("nothing errant after a clean switch").isEmpty();
        }
    }
}
