package dev.stickyfail.internal.runtime;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.it.Fixtures;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The rehearsal of a switch ({@link SwitchRehearsal}) runs the switch's reads ahead, on real servers, and must do
 * nothing else: no kill, no write. Its effect on speed is measured by the failover benchmark (the first switch in a
 * fresh JVM), not here.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SwitchRehearsalTest {

    private final ServerGroup group;
    private final AppSessions sessions;

    SwitchRehearsalTest(ServerGroup group) {
        this.group = group;
        this.sessions = new AppSessions(group);
    }

    @Test
    void theFenceRehearsalListsTheApplicationsSessionsAndKillsNone() throws Exception {
        ServerAddress db0 = new ServerAddress("127.0.0.1", group.server(0).port());
        try (Connection root = group.adminConnection(0); Statement st = root.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + group.database() + ".rehearsal_lock (id INT PRIMARY KEY, v INT)");
            st.execute("REPLACE INTO " + group.database() + ".rehearsal_lock VALUES (1, 0)");
        }
        try (Connection locker = group.adminConnection(0); Statement lock = locker.createStatement();
             Connection app = sessions.open()) {
            locker.setAutoCommit(false);
            lock.executeQuery("SELECT v FROM " + group.database() + ".rehearsal_lock WHERE id = 1 FOR UPDATE").close();
            CompletableFuture<Integer> update = CompletableFuture.supplyAsync(() -> {
                try (Statement s = app.createStatement()) {
                    return s.executeUpdate("UPDATE rehearsal_lock SET v = 7 WHERE id = 1");
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> sessions.running(locker, "UPDATE rehearsal_lock"));

            ServerFence fence = new ServerFence("rehearsal", new ServerAddress[] {db0}, Duration.ofSeconds(2),
                    Duration.ofSeconds(2), null);
            fence.remember(sessions.account());
            String found = fence.rehearse(0, sessions.account());

            assertThat(found).as("the rehearsal saw the waiting session").startsWith("listed 1 session(s) of " + group.appUser());
            assertThat(sessions.running(locker, "UPDATE rehearsal_lock")).as("the UPDATE still waits: the rehearsal killed nothing").isTrue();
            locker.rollback();
            assertThat(update.get(30, TimeUnit.SECONDS)).as("the UPDATE committed once the lock went").isEqualTo(1);
        }
    }

    @Test
    void aStartingGroupRehearsesEachServerOnceAndWritesNothing() throws Exception {
        List<String> before = gtidStates();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "rehearsal-start", "")) {
            ds.getConnection().close();
            GroupRuntime runtime = RuntimeRegistry.find("rehearsal-start").orElseThrow();
            await().atMost(Duration.ofSeconds(60)).until(() -> runtime.rehearsal().outcome(0).isPresent()
                    && runtime.rehearsal().outcome(1).isPresent());

            // server 1 replicates from server 0 under the same name: a real catch-up's reads ran there
            assertThat(runtime.rehearsal().outcome(1).orElseThrow()).startsWith("catch-up CAUGHT_UP")
                    .contains("fence listed");
            assertThat(runtime.rehearsal().outcome(0).orElseThrow()).contains("fence listed");
            assertThat(gtidStates()).as("nothing was written on either server").isEqualTo(before);
        }
    }

    /**
     * The URL names the servers {@code localhost}, the replicas' connections name them {@code 127.0.0.1}: the catch-up
     * finds the old server's connection by its server_id, learnt by the rehearsal (before: "not applicable, it does
     * not replicate from localhost:...", and no wait at all).
     */
    @Test
    void aCatchUpFindsTheOldServerUnderAnotherNameByItsServerId() throws Exception {
        String hosts = "localhost:" + group.server(0).port() + ",localhost:" + group.server(1).port();
        List<CatchUpEvent> catchUps = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, hosts, "rehearsal-alias", "")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onCatchUp(CatchUpEvent e) {
                    catchUps.add(e);
                }
            });
            ds.getConnection().close();
            GroupRuntime runtime = RuntimeRegistry.find("rehearsal-alias").orElseThrow();
            await().atMost(Duration.ofSeconds(60)).until(() -> runtime.rehearsal().outcome(0).isPresent()
                    && runtime.rehearsal().outcome(1).isPresent());

            ds.admin().switchTo("localhost:" + group.server(1).port());

            await().atMost(Duration.ofSeconds(30)).until(() -> !catchUps.isEmpty());
            assertThat(catchUps).singleElement().satisfies(e -> assertThat(e.outcome())
                    .as("%s", e.detail()).isEqualTo("CAUGHT_UP"));
        } finally {
            group.heal(Duration.ofSeconds(90));
        }
    }

    private List<String> gtidStates() throws SQLException {
        List<String> states = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            try (Connection c = group.adminConnection(i); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@gtid_binlog_state, @@gtid_slave_pos")) {
                rs.next();
                states.add(rs.getString(1) + " / " + rs.getString(2));
            }
        }
        return states;
    }
}
