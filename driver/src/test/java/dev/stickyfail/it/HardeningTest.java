package dev.stickyfail.it;

import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchReason;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.internal.runtime.GroupRuntime;
import dev.stickyfail.internal.runtime.RuntimeRegistry;
import dev.stickyfail.internal.runtime.TrackedConnection;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** What the review of the safety core found, each shown on real servers. */
@MariaDbGroupTest(size = 2)
class HardeningTest {

    private final ServerGroup group;

    HardeningTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() throws SQLException {
        SwitchableProbeFactory.FACTORY_THROWS.clear();
        SwitchableProbeFactory.CHECK_THROWS.clear();
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("SET sql_log_bin = 0");
            st.execute("ALTER USER '" + group.probeUser() + "'@'%' IDENTIFIED BY '" + group.probePassword() + "'");
        } catch (SQLException e) {
            // the server may be down; heal() restarts it with its accounts intact
        }
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void aConnectionOpenedWhileASwitchHappensIsNeverHandedOutToTheOldServer() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "race-connect", "")) {
            ds.getConnection().close();
            awaitUp(ds.admin(), 1);
            GroupRuntime runtime = RuntimeRegistry.find("race-connect").orElseThrow();
            GroupRuntime.ConnectionFactory real = GroupRuntime.connectionFactory(
                    java.util.Map.of("user", group.appUser(), "password", group.appPassword(), "sslMode", "DISABLED"),
                    group.database());
            CountDownLatch opened = new CountDownLatch(1);
            CountDownLatch switched = new CountDownLatch(1);
            List<String> openedTo = new CopyOnWriteArrayList<>();
            GroupRuntime.ConnectionFactory racing = (server, budget) -> {
                Connection c = real.open(server, budget);
                openedTo.add(server.toString());
                if (openedTo.size() == 1) {
                    opened.countDown();
                    try {
                        assertThat(switched.await(30, TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        throw new SQLException(e);
                    }
                }
                return c;
            };
            CompletableFuture<TrackedConnection> connect = CompletableFuture.supplyAsync(() -> {
                try {
                    return runtime.connect(racing);
                } catch (SQLException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(opened.await(30, TimeUnit.SECONDS)).isTrue();
            runtime.switchTo(name(1)); // completes while the first connection is still being opened
            switched.countDown();
            TrackedConnection t = connect.get(30, TimeUnit.SECONDS);
            assertThat(openedTo).as("opened to the old server first, then again").containsExactly(name(0), name(1));
            assertThat(t.server().toString()).isEqualTo(name(1));
            try (Statement st = t.physical().createStatement(); var rs = st.executeQuery("SELECT @@server_id")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(group.server(1).serverId());
            }
            t.physical().close();
            t.closed();
        }
    }

    @Test
    void aListenerThatCallsBackIntoStickyfailNeitherDeadlocksNorNestsASwitch() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "listener-reentry", "")) {
            ds.getConnection().close();
            GroupAdmin admin = ds.admin();
            awaitUp(admin, 1);
            List<String> order = new CopyOnWriteArrayList<>();
            AtomicInteger groupsSeen = new AtomicInteger();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onSwitchStarting(SwitchStartingEvent e) {
                    order.add("starting " + e.to() + " epoch " + e.epoch());
                }

                @Override
                public void onSwitch(SwitchEvent e) {
                    order.add("switched " + e.to() + " epoch " + e.epoch());
                    groupsSeen.set(StickyFail.groups().size());
                    if (e.to().toString().equals(name(1))) {
                        admin.switchTo(name(0)); // back again, from inside the listener
                    }
                }
            });
            admin.switchTo(name(1));
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.epoch() == 3 && admin.activeServer().orElse("").equals(name(0)));
            assertThat(order).as("the second switch starts after the first one has completed")
                    .containsExactly("starting " + name(1) + " epoch 2", "switched " + name(1) + " epoch 2",
                            "starting " + name(0) + " epoch 3", "switched " + name(0) + " epoch 3");
            assertThat(groupsSeen.get()).isGreaterThanOrEqualTo(1);
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
    }

    @Test
    void aProbeFactoryOrAProbeThatThrowsCountsAsFailedAndProbingGoesOn() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-throws",
                "stickyfail.check=switchable")) {
            GroupAdmin admin = ds.admin();
            ds.getConnection().close();
            SwitchableProbeFactory.CHECK_THROWS.add(name(0));
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            assertThat(admin.servers().get(0).getLastProbeDetail()).contains("NullPointerException");
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            SwitchableProbeFactory.CHECK_THROWS.clear();
            await("the probe thread survived: the server comes back up").atMost(Duration.ofSeconds(20))
                    .until(() -> admin.servers().get(0).getState().equals("UP"));
        }
        SwitchableProbeFactory.FACTORY_THROWS.add(name(0));
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "probe-factory-throws",
                "stickyfail.check=switchable")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).as("the primary's probe cannot even be created: the backup serves")
                        .isEqualTo(group.server(1).serverId());
            }
            assertThat(ds.admin().servers().get(0).getLastProbeDetail()).contains("could not be created");
            SwitchableProbeFactory.FACTORY_THROWS.clear();
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(0).getState().equals("UP"));
            assertThat(ds.admin().activeServer()).as("sticky").contains(name(1));
        }
    }

    @Test
    void aPrimaryThatAnswersTheProbeWithAccessDeniedDoesNotBlockTheFirstDecision() throws Exception {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("SET sql_log_bin = 0"); // only this server: the backup keeps the right password
            st.execute("ALTER USER '" + group.probeUser() + "'@'%' IDENTIFIED BY 'not-the-probe-password'");
        }
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "access-denied", "")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            assertThat(ds.admin().servers().get(0).getState()).isEqualTo("DOWN");
            assertThat(ds.admin().servers().get(0).getLastProbeDetail()).containsIgnoringCase("denied");
        }
    }

    @Test
    void groupsThatOverlapInOneJvmAreRefusedAndTwoDatabasesOnTheSameServersShareOneGroup() throws Exception {
        String forward = group.hostList();
        String reversed = name(1) + "," + name(0);
        try (StickyFailDataSource a = dataSourceWithDefaultGroup(forward, group.database());
             StickyFailDataSource b = dataSourceWithDefaultGroup(forward, "information_schema");
             StickyFailDataSource c = dataSourceWithDefaultGroup(reversed, group.database())) {
            a.getConnection().close();
            b.getConnection().close();
            assertThat(a.admin()).as("same servers, other database: one group").isSameAs(b.admin());
            assertThatThrownBy(c::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining(name(0)).hasMessageContaining("already watches")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
        }
    }

    @Test
    void abortMarksTheConnectionBeforeItsExecutorRunsAndStopRefusesAdminCalls() throws Exception {
        List<Runnable> deferred = new ArrayList<>();
        Executor later = deferred::add;
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "abort-executor", "")) {
            Connection c = ds.getConnection();
            c.abort(later);
            assertThat(deferred).as("Connector/J's abort has not run yet").hasSize(1);
            assertThatThrownBy(() -> serverId(c)).isInstanceOf(EvictedConnectionException.class)
                    .hasMessageContaining("aborted by the application");
            deferred.forEach(Runnable::run);
            assertThat(c.isClosed()).isTrue();
            GroupAdmin admin = ds.admin();
            assertThat(StickyFail.shutdown("abort-executor")).isTrue();
            assertThatThrownBy(() -> admin.switchTo(name(1))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stopped");
        }
    }

    @Test
    void aSwitchEventCarriesItsReasonAndTheTimeFromDetectionToServing() throws Exception {
        List<SwitchEvent> events = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "switch-reason", "")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onSwitch(SwitchEvent e) {
                    events.add(e);
                }
            });
            ds.getConnection().close();
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().activeServer().orElse("").equals(name(1)));
            await().atMost(Duration.ofSeconds(5)).until(() -> !events.isEmpty());
            SwitchEvent e = events.get(events.size() - 1);
            assertThat(e.kind()).isEqualTo(SwitchReason.MARKED_DOWN);
            assertThat(e.detectionToServing()).isPositive().isLessThan(Duration.ofSeconds(10));
            assertThat(e.detectionToServing()).isGreaterThanOrEqualTo(e.duration());
        }
    }

    private static void awaitUp(GroupAdmin admin, int server) {
        await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(server).getState().equals("UP"));
    }

    private StickyFailDataSource dataSourceWithDefaultGroup(String hostList, String database) {
        StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + hostList + "/" + database);
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.checkUser", group.probeUser());
        ds.setProperty("stickyfail.checkPassword", group.probePassword());
        return ds;
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
