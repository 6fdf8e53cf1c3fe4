package dev.stickyfail.it;

import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The MySQL-aware probes, the probe SPI, and what happens to connections of a server marked down. */
@MariaDbGroupTest(size = 2)
class ProbesTest {

    private final ServerGroup group;

    ProbesTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() throws SQLException {
        SwitchableProbeFactory.HANGING.values().forEach(CountDownLatch::countDown);
        SwitchableProbeFactory.HANGING.clear();
        for (int i = 0; i < group.size(); i++) {
            if (group.server(i).isRunning() && !group.server(i).isFrozen()) {
                admin(i, "SET GLOBAL read_only = 0");
                admin(i, "START SLAVE");
            }
        }
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void sqlProbeLeavesAServerThatTurnedReadOnly() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-sql",
                "stickyfail.check=sql&stickyfail.checkSql=SELECT @@global.read_only = 0")) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            admin(0, "SET GLOBAL read_only = 1");
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            assertThat(admin.servers().get(0).getLastProbeDetail()).contains("stickyfail.checkSql returned 0");
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        }
    }

    @Test
    void replicaProbeMarksDownAServerWhoseReplicationStoppedButFailsOverToAReplicaOfADeadSource() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-replica", "stickyfail.check=replica")) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> state(admin, 1).equals("UP"));

            admin(1, "STOP SLAVE SQL_THREAD");
            await().atMost(Duration.ofSeconds(10)).until(() -> state(admin, 1).equals("DOWN"));
            assertThat(admin.servers().get(1).getLastProbeDetail()).contains("SQL thread not running");
            admin(1, "START SLAVE SQL_THREAD");
            await().atMost(Duration.ofSeconds(10)).until(() -> state(admin, 1).equals("UP"));

            // the source dies: the replica's IO thread cannot reach it, which is exactly when one fails over to it
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        }
    }

    @Test
    void galeraProbeDoesNotTakeAPlainServerForASyncedNode() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-galera",
                "stickyfail.check=galera&stickyfail.failoverTimeout=2s")) {
            GroupAdmin admin = ds.admin();
            await().atMost(Duration.ofSeconds(10)).until(() -> state(admin, 0).equals("DOWN") && state(admin, 1).equals("DOWN"));
            assertThat(admin.servers().get(0).getLastProbeDetail()).containsAnyOf("not a Galera node", "not synced");
            assertThatThrownBy(ds::getConnection).hasMessageContaining("no usable server");
        }
    }

    @Test
    void aCustomProbeThatHangsIsCountedFailedAtItsDeadlineAndTheServerIsLeft() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-spi", "stickyfail.check=switchable")) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            assertThat(admin.servers().get(0).getLastProbeResult()).isEqualTo("PASS");
            SwitchableProbeFactory.HANGING.put(name(0), new CountDownLatch(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            assertThat(admin.servers().get(0).getLastProbeDetail()).containsAnyOf("timed out", "still stuck");
            assertThat(state(admin, 1)).isEqualTo("UP");
        }
    }

    @Test
    void aPrimaryWhoseFirstProbeIsSlowIsStillTheFirstDecision() throws Exception {
        // a cold JVM on a busy machine: the first probe of the primary takes 1.5 s and cannot be aborted sooner, the
        // backup's answers at once; its timeouts used to count three times and send the first decision to the backup
        CountDownLatch slow = new CountDownLatch(1);
        SwitchableProbeFactory.HANGING.put(name(0), slow);
        ScheduledExecutorService fault = Executors.newSingleThreadScheduledExecutor();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-slow-first",
                "stickyfail.check=switchable")) {
            fault.schedule(() -> {
                SwitchableProbeFactory.HANGING.remove(name(0));
                slow.countDown();
            }, 1500, TimeUnit.MILLISECONDS);
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).as("the primary, not the backup that answered first")
                        .isEqualTo(group.server(0).serverId());
            }
            assertThat(ds.admin().activeServer()).contains(name(0));
        } finally {
            fault.shutdownNow();
        }
    }

    @Test
    void keepLeavesConnectionsOfADownServerAloneWhenNoSwitchFollowsAndShutdownSessionsAbortsThem() throws Exception {
        group.server(1).kill(); // no backup: marking the primary down cannot lead to a switch
        // one JVM, one group per set of servers: the two policies run one after the other
        try (StickyFailDataSource keep = Fixtures.dataSource(group, group.hostList(), "probe-keep", "stickyfail.onMarkedDown=keep")) {
            Connection kept = keep.getConnection();
            assertThat(serverId(kept)).isEqualTo(group.server(0).serverId());
            group.server(0).freeze();
            await().atMost(Duration.ofSeconds(10)).until(() -> state(keep.admin(), 0).equals("DOWN"));
            group.server(0).thaw();
            assertThat(serverId(kept)).as("kept: usable again once the server answers").isEqualTo(group.server(0).serverId());
            kept.close();
        }
        try (StickyFailDataSource shut = Fixtures.dataSource(group, group.hostList(), "probe-shutdown",
                "stickyfail.replaceIdleConnections=false")) { // the connection is idle: it would be replaced once db0 is back
            Connection shutdown = shut.getConnection();
            assertThat(serverId(shutdown)).isEqualTo(group.server(0).serverId());
            group.server(0).freeze();
            await().atMost(Duration.ofSeconds(10)).until(() -> state(shut.admin(), 0).equals("DOWN"));
            group.server(0).thaw();
            assertThatThrownBy(() -> serverId(shutdown)).isInstanceOf(EvictedConnectionException.class)
                    .hasMessageContaining("was marked down").hasMessageContaining("no other server is usable yet");
            shutdown.close();
        }
    }

    private void admin(int server, String sql) throws SQLException {
        try (Connection c = group.adminConnection(server); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }

    private static String state(GroupAdmin admin, int index) {
        return admin.servers().get(index).getState();
    }
}
