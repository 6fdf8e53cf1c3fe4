package dev.stickyfail.it;

import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.NoUsableServerException;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.LeaseEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchReason;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The runtime's side of a shared decision, on real servers, with a store whose other instances the test plays:
 * a decision made elsewhere is followed (and fences this instance's connections), a lost lease fails closed and
 * recovers by itself, and a switch waits for the other instances' acknowledgements or their leases.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SharedDecisionRuntimeTest {

    private final ServerGroup group;

    SharedDecisionRuntimeTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        List.of("shared-remote", "shared-lease", "shared-acks", "shared-admin", "shared-slow-listener", "shared-holddown",
                "shared-untrusted").forEach(InJvmSharedStore::reset);
        group.heal(Duration.ofSeconds(90));
    }

    private StickyFailDataSource dataSource(String name, String lease) {
        return Fixtures.dataSource(group, group.hostList(), name,
                "stickyfail.store=injvm&stickyfail.lease=" + lease + "&stickyfail.failoverTimeout=2s");
    }

    /**
     * MySQL goes on running a statement whose client went away: an instance that stops with one running must not tell
     * the others it left (they would stop waiting for it), while one that stops idle leaves. (Simulation seed -14.)
     */
    @Test
    void anInstanceStoppedWithAStatementRunningStaysAmongThoseASwitchWaitsFor() throws Exception {
        try (StickyFailDataSource ds = dataSource("shared-leaves", "2s");
             Connection c = ds.getConnection(); java.sql.Statement st = c.createStatement()) {
            st.execute("SELECT 1");
        }
        assertThat(InJvmSharedStore.CLOSED.get("shared-leaves")).as("stopped idle").isEqualTo("left");

        StickyFailDataSource ds = dataSource("shared-stays", "2s");
        Connection c = ds.getConnection();
        java.util.concurrent.CompletableFuture<Void> sleeping = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("SELECT SLEEP(30) /* stays */");
            } catch (java.sql.SQLException expected) {
                // cut when the group stops
            }
        });
        try (Connection root = group.adminConnection(0)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (java.sql.Statement st = root.createStatement(); java.sql.ResultSet rs = st.executeQuery(
                        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30) /* stays%'")) {
                    rs.next();
                    return rs.getInt(1) > 0;
                }
            });
            ds.close();
            assertThat(InJvmSharedStore.CLOSED.get("shared-stays")).as("stopped with a statement running")
                    .isEqualTo("stayed");
            assertThat(sleeping).succeedsWithin(Duration.ofSeconds(10));
            try (java.sql.Statement st = root.createStatement(); java.sql.ResultSet rs = st.executeQuery(
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP(30) /* stays%'")) {
                while (rs.next()) { // what the test started, it stops
                    try (java.sql.Statement kill = root.createStatement()) {
                        kill.execute("KILL QUERY " + rs.getLong(1));
                    }
                }
            }
        }
    }

    @Test
    void aDecisionMadeByAnotherInstanceIsFollowedAndFencesThisInstancesConnections() throws Exception {
        List<SwitchEvent> switches = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = dataSource("shared-remote", "2s")) {
            ds.setProperty("stickyfail.replaceIdleConnections", "false"); // held is idle: it would be replaced
            Connection held = ds.getConnection();
            assertThat(serverId(held)).isEqualTo(group.server(0).serverId());
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onSwitch(SwitchEvent e) {
                    switches.add(e);
                }
            });
            // another instance, which alone cannot reach db0, switches everybody to db1 (health is local, the switch shared)
            InJvmSharedStore.switchAsAnotherInstance("shared-remote", name(1), "other/1/ab",
                    "db0 marked DOWN on another instance");
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            await().atMost(Duration.ofSeconds(10)).until(() -> !switches.isEmpty()); // listeners run on the event thread
            assertThat(switches).singleElement().satisfies(e -> {
                assertThat(e.kind()).isEqualTo(SwitchReason.REMOTE);
                assertThat(e.evicted()).isGreaterThanOrEqualTo(1);
            });
            assertThat(admin.decision().orElseThrow().decidedBy()).isEqualTo("other/1/ab");
            assertThatThrownBy(() -> serverId(held)).as("although db0 is up for this instance")
                    .isInstanceOf(EvictedConnectionException.class);
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        }
    }

    @Test
    void anOperatorsSwitchTheStoreDidNotTakeFailsTheCallInsteadOfVanishing() throws Exception {
        try (StickyFailDataSource ds = dataSource("shared-admin", "10s")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            GroupAdmin admin = ds.admin();
            // the first connection needs only db0's answer; a switch needs the target up
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.servers().get(1).getState().equals("UP"));
            InJvmSharedStore.UNREACHABLE.add("shared-admin");
            // both servers are healthy: a retry behind the operator's back would find nothing to do, and say nothing;
            // nor can this instance tell whether another store call landed: it says so, and what it routes to
            assertThatThrownBy(() -> admin.switchTo(name(1))).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("outcome unknown").hasMessageContaining("injvm store unreachable")
                    .hasMessageContaining(name(0) + " (epoch 1)");
            assertThat(admin.activeServer()).contains(name(0));
            InJvmSharedStore.UNREACHABLE.remove("shared-admin");
            admin.switchTo(name(1));
            assertThat(admin.activeServer()).contains(name(1));
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            // the compare-and-set lands but its answer is lost: the operator is told it was made, not "not made"
            InJvmSharedStore.LOSES_ANSWERS.add("shared-admin");
            admin.switchTo(name(0));
            assertThat(admin.activeServer()).contains(name(0));
            assertThat(InJvmSharedStore.current("shared-admin").server()).isEqualTo(name(0));
            InJvmSharedStore.LOSES_ANSWERS.remove("shared-admin");
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
    }

    @Test
    void aLostLeaseFailsClosedAndRoutingResumesOnceTheDecisionIsConfirmed() throws Exception {
        List<LeaseEvent> leases = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = dataSource("shared-lease", "1s")) {
            GroupAdmin admin = ds.admin();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onLease(LeaseEvent e) {
                    leases.add(e);
                }
            });
            Connection held = ds.getConnection();
            assertThat(serverId(held)).isEqualTo(group.server(0).serverId());
            InJvmSharedStore.UNREACHABLE.add("shared-lease");
            await().atMost(Duration.ofSeconds(10)).until(() -> !admin.coordination().leaseHeld());
            assertThatThrownBy(() -> serverId(held)).as("statements on held connections are refused")
                    .isInstanceOf(EvictedConnectionException.class).hasMessageContaining("could not be confirmed");
            long start = System.nanoTime();
            assertThatThrownBy(ds::getConnection).isInstanceOf(NoUsableServerException.class)
                    .hasMessageContaining("injvm (test)").hasMessageContaining("could not be confirmed")
                    .hasMessageContaining("unreachable");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("held for failoverTimeout")
                    .isGreaterThanOrEqualTo(1_900);
            await().atMost(Duration.ofSeconds(5)).until(() -> group.server(0).connectionCount(group.appUser()) == 0);
            InJvmSharedStore.UNREACHABLE.remove("shared-lease");
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).as("resumes by itself").isEqualTo(group.server(0).serverId());
            }
            assertThat(leases).extracting(LeaseEvent::held).containsExactly(false, true);
        }
    }

    @Test
    void aSwitchWaitsForTheOtherInstancesAcknowledgementsOrTheirLeases() throws Exception {
        Map<String, Long> acks = new ConcurrentHashMap<>();
        acks.put("other/1", 1L);
        InJvmSharedStore.OTHER_ACKS.put("shared-acks", acks);
        List<SwitchEvent> switches = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = dataSource("shared-acks", "3s")) {
            GroupAdmin admin = ds.admin();
            ds.getConnection().close();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onSwitch(SwitchEvent e) {
                    switches.add(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            long start = System.nanoTime();
            admin.switchTo(name(1)); // the other instance never acknowledges epoch 2: its lease must run out first
            await().atMost(Duration.ofSeconds(30)).until(() -> !switches.isEmpty());
            long silentMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            // at least the lease (on any machine); the upper bound only says "not for ever" on a loaded one
            assertThat(silentMillis).as("waited one lease for the silent instance").isBetween(3_000L, 20_000L);
            try (Connection c = ds.getConnection()) { // a barrier that outlasted the lease still ends in routing (M1)
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }

            switches.clear();
            // The other instance now holds a 60 s lease: without its acknowledgement the switch would wait over a
            // minute, so "acknowledged" and "waited for the lease" are far apart whatever the machine's load.
            InJvmSharedStore.OTHER_LEASE.put("shared-acks", Duration.ofSeconds(60));
            start = System.nanoTime();
            Thread acker = new Thread(() -> {
                await().atMost(Duration.ofSeconds(10)).until(() -> admin.epoch() == 3);
                acks.put("other/1", 3L); // it fenced and acknowledged
            });
            acker.start();
            admin.switchTo(name(0));
            await().atMost(Duration.ofSeconds(90)).until(() -> !switches.isEmpty());
            acker.join();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("acknowledged: the other instance's 60 s lease was not waited for").isLessThan(30_000L);
        }
    }

    @Test
    void aSlowSwitchListenerCannotKeepAConnectionToTheServerLeftUsable() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean listenerReturned = new AtomicBoolean();
        try (StickyFailDataSource ds = dataSource("shared-slow-listener", "2s")) {
            ds.setProperty("stickyfail.replaceIdleConnections", "false");
            Connection held = ds.getConnection();
            assertThat(serverId(held)).isEqualTo(group.server(0).serverId());
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onSwitchStarting(dev.stickyfail.event.SwitchStartingEvent e) {
                    entered.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS); // a pool, a metrics exporter, anything slow
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    listenerReturned.set(true);
                }
            });
            InJvmSharedStore.switchAsAnotherInstance("shared-slow-listener", name(1), "other/2/cd", "db0 down elsewhere");
            assertThat(entered.await(10, TimeUnit.SECONDS)).as("the switch began").isTrue();
            // while the listener still runs (it holds the event thread for 20 s), the connection to the server the
            // decision left is fenced: the decider does not wait for listeners (C1). The event is queued just before the
            // local fence, so the listener may start a moment before the fence is done: wait for it, not past 5 s.
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThatThrownBy(() -> serverId(held)).isInstanceOf(EvictedConnectionException.class));
            assertThat(listenerReturned.get()).as("the listener still runs").isFalse();
            release.countDown();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        } finally {
            release.countDown();
        }
    }

    @Test
    void aRemoteDecisionForAServerThisInstanceSeesDownIsLeftAfterTheHoldDown() throws Exception {
        try (StickyFailDataSource ds = dataSource("shared-holddown", "2s")) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            group.server(1).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("DOWN"));
            // another instance, which sees db1 up, moves everybody there; this one cannot reach it (M3): it must not
            // stay without a usable server for ever, nor ping-pong at once
            InJvmSharedStore.switchAsAnotherInstance("shared-holddown", name(1), "other/3/ef", "seen from elsewhere");
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            assertThat(admin.coordination().routing()).isFalse();
            assertThat(admin.coordination().notRoutingWhy()).contains("unusable here");
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.activeServer().orElse("").equals(name(0)));
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
    }

    @Test
    void aRemoteDecisionForAServerUpHereThatFailsLaterIsLeftWithoutTheHoldDown() throws Exception {
        try (StickyFailDataSource ds = dataSource("shared-holddown", "1s")) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            // another instance moves everybody to db1, which this one sees up; then that instance and db1 are lost
            // together (one host lost). The hold-down (10 s here) is for servers seen down when the decision was
            // applied; waiting it out would leave this instance without a server for 10 s after db1 died.
            InJvmSharedStore.switchAsAnotherInstance("shared-holddown", name(1), "other/5/cd", "decided elsewhere");
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try (Connection c = ds.getConnection()) {
                    return serverId(c) == group.server(1).serverId();
                }
            });
            long killed = System.nanoTime();
            group.server(1).kill();
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.activeServer().orElse("").equals(name(0)));
            long tookMillis = (System.nanoTime() - killed) / 1_000_000;
            assertThat(tookMillis).as("left db1 well before the 10 s hold-down would have ended").isLessThan(9_000);
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
    }

    @Test
    void anUntrustedStateFileIsResolvedByTheSharedDecision(@TempDir Path dir) throws Exception {
        try (StickyFailDataSource first = dataSource("shared-untrusted", "2s")) {
            try (Connection c = first.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
        InJvmSharedStore.switchAsAnotherInstance("shared-untrusted", name(1), "other/4/ab", "decided elsewhere");
        Path file = dir.resolve("stickyfail.state");
        Files.writeString(file, "not a state file\n");
        try (StickyFailDataSource ds = dataSource("shared-untrusted", "2s")) {
            ds.setProperty("stickyfail.stateFile", file.toString());
            // with a local store this would refuse to choose (08001) until an operator acts (M6)
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            assertThat(Files.readString(file)).as("rewritten from the shared decision").contains("epoch=2")
                    .contains("decidedBy=other/4/ab");
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
