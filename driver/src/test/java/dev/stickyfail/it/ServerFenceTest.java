package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.ServerFenceEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fence at the server, on real servers: what the old server already received cannot commit there after the switch.
 * The fault is one the client-side fence cannot stop: an autocommit UPDATE waiting on the old server for a row lock,
 * the old server healthy, an operator's switch, a write on the new server, then the lock released.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ServerFenceTest {

    private final ServerGroup group;

    ServerFenceTest(ServerGroup group) {
        this.group = group;
    }

    @BeforeEach
    void table() throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + group.database() + ".fence_lock (id INT PRIMARY KEY, v INT)");
            st.execute("REPLACE INTO " + group.database() + ".fence_lock VALUES (1, 0)");
            st.execute("CREATE TABLE IF NOT EXISTS " + group.database() + ".fence_marker (id INT AUTO_INCREMENT PRIMARY KEY, "
                    + "at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    @AfterEach
    void heal() throws SQLException {
        for (int i = 0; i < 2; i++) {
            try (Connection c = group.adminConnection(i); Statement st = c.createStatement()) {
                st.execute("SET GLOBAL read_only = OFF");
            }
        }
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void aStatementWaitingOnALockOnTheOldServerDoesNotCommitThereAfterTheSwitch() throws Exception {
        Outcome o = lockWaitAcrossASwitch("fence-lockwait", "");
        assertThat((Throwable) o.failure()).as("the waiting UPDATE's caller is told its connection is gone").isNotNull();
        assertThat(o.failure().getSQLState()).startsWith("08");
        assertThat(o.valueOnOld()).as("the UPDATE did not commit on the old server after the new one took a write")
                .isEqualTo(0);
        assertThat(o.fences()).anySatisfy(f -> {
            assertThat(f.server().toString()).isEqualTo(name(0));
            assertThat(f.answered()).isTrue();
            assertThat(f.killed()).isGreaterThanOrEqualTo(1);
            assertThat(f.remaining()).isZero();
        });
        assertThat(o.switched().reason()).contains("killed");
    }

    @Test
    void withoutTheFenceAtTheServerTheSameStatementCommitsOnTheOldServerLate() throws Exception {
        // the control: the fault does produce the bad outcome when only the client side is fenced
        Outcome o = lockWaitAcrossASwitch("fence-lockwait-off", "stickyfail.serverFence=false");
        assertThat(o.valueOnOld()).as("committed on the old server after the new server's first write").isEqualTo(42);
        assertThat(o.fences()).isEmpty();
    }

    @Test
    void withFenceReadOnlyTheOldServerIsMadeReadOnlyAndWritableAgainBeforeTheGroupReturns() throws Exception {
        List<ServerFenceEvent> fences = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "fence-readonly",
                "stickyfail.fenceReadOnly=true")) {
            ds.setProperty("stickyfail.fenceUser", group.rootUser());
            ds.setProperty("stickyfail.fencePassword", group.rootPassword());
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onServerFence(ServerFenceEvent e) {
                    fences.add(e);
                }
            });
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            admin.switchTo(name(1));
            assertThat(readOnly(0)).as("the server left is read-only").isTrue();
            assertThat(readOnly(1)).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> fences.stream().anyMatch(ServerFenceEvent::readOnly));
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO fence_marker () VALUES ()");
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            admin.switchTo(name(0));
            assertThat(readOnly(0)).as("writable again before the group uses it").isFalse();
            assertThat(readOnly(1)).isTrue();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO fence_marker () VALUES ()");
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
    }

    @Test
    void aSessionThatOutlivedTheSwitchIsKilledWhenTheOldServerIsSeenUpAgain() throws Exception {
        List<ServerFenceEvent> fences = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "fence-return", "")) {
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onServerFence(ServerFenceEvent e) {
                    fences.add(e);
                }
            });
            ds.getConnection().close();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            admin.switchTo(name(1));
            // a session of the application's account on the old server, opened after the switch (say by an instance
            // on the far side of a partition): this instance cannot know it, the server can
            Connection survivor = group.appConnection(0);
            group.server(0).freeze();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(0).getState().equals("DOWN"));
            } finally {
                group.server(0).thaw();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(0).getState().equals("UP"));
            await().atMost(Duration.ofSeconds(10)).until(() -> fences.stream()
                    .anyMatch(f -> f.server().toString().equals(name(0)) && f.killed() >= 1));
            assertThat(alive(survivor)).as("killed by the fence when the old server was seen up again").isFalse();
            survivor.close();
        }
    }

    @Test
    void aServerThatIsDownIsNotFencedAtTheServerAndTheSwitchSaysSo() throws Exception {
        List<SwitchEvent> switches = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "fence-down", "")) {
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onSwitch(SwitchEvent e) {
                    switches.add(e);
                }
            });
            ds.getConnection().close();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            group.server(0).freeze();
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> admin.activeServer().orElse("").equals(name(1)));
                await().atMost(Duration.ofSeconds(5)).until(() -> switches.stream().anyMatch(e -> e.from() != null));
                SwitchEvent e = switches.stream().filter(s -> s.from() != null).findFirst().orElseThrow();
                assertThat(e.reason()).contains("not fenced at the server").contains("(its probes fail here)");
            } finally {
                group.server(0).thaw();
            }
        }
    }

    // ---------------------------------------------------------------- the lock-wait scenario

    private record Outcome(SQLException failure, int valueOnOld, List<ServerFenceEvent> fences, SwitchEvent switched) {
    }

    private Outcome lockWaitAcrossASwitch(String groupName, String params) throws Exception {
        List<ServerFenceEvent> fences = new CopyOnWriteArrayList<>();
        List<SwitchEvent> switches = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), groupName, params);
             Connection locker = group.adminConnection(0); Statement lock = locker.createStatement()) {
            ds.setProperty("stickyfail.replaceIdleConnections", "false");
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onServerFence(ServerFenceEvent e) {
                    fences.add(e);
                }

                @Override
                public void onSwitch(SwitchEvent e) {
                    switches.add(e);
                }
            });
            Connection c = ds.getConnection();
            assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            // another session holds the row lock on the old server (root: not the application's account)
            locker.setAutoCommit(false);
            lock.executeQuery("SELECT v FROM " + group.database() + ".fence_lock WHERE id = 1 FOR UPDATE").close();
            CompletableFuture<SQLException> update = CompletableFuture.supplyAsync(() -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("UPDATE fence_lock SET v = 42 WHERE id = 1");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> waitingOnLock(locker));
            admin.switchTo(name(1)); // the old server stays up
            try (Connection b = ds.getConnection(); Statement st = b.createStatement()) {
                assertThat(serverId(b)).isEqualTo(group.server(1).serverId());
                st.executeUpdate("INSERT INTO fence_marker () VALUES ()"); // the new server's first write
            }
            locker.rollback(); // the lock is released only now
            locker.setAutoCommit(true);
            SQLException failure = update.get(30, TimeUnit.SECONDS);
            // the client was told long ago; what matters is what the server did once the lock was free
            await().atMost(Duration.ofSeconds(30)).until(() -> !waitingOnLock(locker));
            int value;
            try (ResultSet rs = lock.executeQuery("SELECT v FROM " + group.database() + ".fence_lock WHERE id = 1")) {
                rs.next();
                value = rs.getInt(1);
            }
            c.close();
            await().atMost(Duration.ofSeconds(5)).until(() -> !switches.isEmpty());
            return new Outcome(failure, value, List.copyOf(fences), switches.get(switches.size() - 1));
        }
    }

    private boolean waitingOnLock(Connection root) throws SQLException {
        try (Statement st = root.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + group.appUser()
                        + "' AND INFO LIKE 'UPDATE fence_lock%'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    private boolean readOnly(int server) throws SQLException {
        try (Connection c = group.adminConnection(server); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@global.read_only")) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }

    private static boolean alive(Connection c) {
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout(5);
            st.executeQuery("SELECT 1").close();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
