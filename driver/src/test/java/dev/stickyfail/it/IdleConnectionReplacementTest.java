package dev.stickyfail.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A connection idle when a switch aborts it is replaced at its next use, with the settings the application made, when
 * the server reported no session state that would be lost; so with plain HikariCP (only the URL swapped, default
 * settings: a borrow within 500 ms of the last use is not validated) the requests that fail are those in flight.
 */
@MariaDbGroupTest(size = 2)
class IdleConnectionReplacementTest {

    private static final int WRITERS = 8;

    private final ServerGroup group;

    IdleConnectionReplacementTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    /** One request: when its statement was created (nanoTime), and what it was told (null: success). */
    private record Request(long preparedAt, String sqlState, boolean inBorrow) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"kill", "freeze", "switch"})
    void onlyRequestsStartedBeforeTheSwitchFailAndNothingReachesTheOldServerAfterIt(String fault) throws Exception {
        String table = "replaced_" + fault;
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, origin INT NOT NULL, "
                    + "ts TIMESTAMP(6) NOT NULL, writer INT NOT NULL, seq BIGINT NOT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        String groupName = "replace-" + fault;
        Map<Long, Request> requests = new ConcurrentHashMap<>(); // key: writer * 1e9 + seq
        AtomicLong switchStartedAt = new AtomicLong();
        AtomicLong afterSwitch = new AtomicLong();
        AtomicLong written = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        String backup = group.server(1).hostAndPort();
        HikariConfig hc = new HikariConfig(); // HikariCP's defaults: 10 connections, aliveBypassWindowMs 500
        hc.setJdbcUrl(Fixtures.url(group, group.hostList(), "stickyfail.group=" + groupName + "&stickyfail.checkUser="
                + group.probeUser() + "&stickyfail.checkPassword=" + group.probePassword()));
        hc.setUsername(group.appUser());
        hc.setPassword(group.appPassword());
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            GroupAdmin admin = StickyFail.group(groupName).orElseThrow();
            admin.addListener(new StickyFailListener() {
                @Override
                public void onSwitchStarting(SwitchStartingEvent e) { // on the decider, before the fence
                    if (e.from() != null) {
                        switchStartedAt.compareAndSet(0, System.nanoTime());
                    }
                }
            });
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            try {
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    writers.submit(() -> {
                        for (long seq = 0; !stop.get(); seq++) {
                            long key = writer * 1_000_000_000L + seq;
                            Connection c;
                            try {
                                c = pool.getConnection();
                            } catch (SQLException e) {
                                requests.put(key, new Request(System.nanoTime(), String.valueOf(e.getSQLState()), true));
                                continue;
                            }
                            long prepared = System.nanoTime();
                            try (c; PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                                    + " (origin, ts, writer, seq) VALUES (@@server_id, NOW(6), ?, ?)")) {
                                ps.setInt(1, writer);
                                ps.setLong(2, seq);
                                ps.executeUpdate();
                                requests.put(key, new Request(prepared, null, false));
                                written.incrementAndGet();
                                if (switchStartedAt.get() != 0) {
                                    afterSwitch.incrementAndGet();
                                }
                            } catch (SQLException e) {
                                requests.put(key, new Request(prepared, String.valueOf(e.getSQLState()), false));
                            }
                            // an application's pace: most pooled connections are idle at any moment, most of them
                            // last used less than HikariCP's 500 ms ago (so a borrow does not validate them)
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50 + ThreadLocalRandom.current().nextInt(200)));
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > 150
                        && pool.getHikariPoolMXBean().getTotalConnections() == hc.getMaximumPoolSize());
                switch (fault) {
                    case "kill" -> group.server(0).kill();
                    case "freeze" -> group.server(0).freeze();
                    default -> admin.switchTo(backup);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> admin.activeServer().orElse("").equals(backup));
                await().atMost(Duration.ofSeconds(30)).until(() -> afterSwitch.get() > 150);
            } finally {
                stop.set(true);
                writers.shutdown();
                assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).as("no writer stays blocked").isTrue();
            }
        } finally {
            StickyFail.shutdown(groupName); // HikariCP never closes a group opened through DriverManager
        }
        long switched = switchStartedAt.get();
        assertThat(switched).as("a switch happened").isNotZero();

        List<Request> failed = requests.values().stream().filter(r -> r.sqlState != null).toList();
        assertThat(failed.stream().filter(Request::inBorrow).toList()).as("failed borrows").isEmpty();
        List<Request> failedAfter = failed.stream().filter(r -> r.preparedAt - switched > 0).toList();
        assertThat(failedAfter).as("requests that failed although their statement was created after the switch began")
                .isEmpty();
        Map<String, Long> byState = new TreeMap<>();
        failed.forEach(r -> byState.merge(r.sqlState, 1L, Long::sum));
        assertThat(byState.keySet()).as("failures by SQLState " + byState).allMatch(s -> s.startsWith("08"));
        if (fault.equals("freeze")) {
            // nothing completes on a frozen server: each writer loses at most its one hung request
            assertThat(failed.size()).as("failed requests " + byState).isLessThanOrEqualTo(WRITERS);
        }

        group.heal(Duration.ofSeconds(90));
        long oldId = group.server(0).serverId();
        long late = 0;
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT writer, seq FROM " + table + " WHERE origin = " + oldId)) {
            while (rs.next()) {
                Request r = requests.get(rs.getLong(1) * 1_000_000_000L + rs.getLong(2));
                assertThat(r).as("a row on the old server that no writer sent").isNotNull();
                if (r.preparedAt - switched > 0) {
                    late++;
                }
            }
        }
        assertThat(late).as("rows on the old server from statements created after the switch began").isZero();
        System.out.printf("replace fault=%s: %d requests, %d failed %s, all created before the switch began%n", fault,
                requests.size(), failed.size(), byState);
    }

    @Test
    void idleConnectionsAreReplacedWithTheirSettingsUnlessTheirSessionHeldState() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "replace-state", "")) {
            GroupAdmin admin = ds.admin();
            long oldId = group.server(0).serverId();
            long newId = group.server(1).serverId();
            Connection plain = ds.getConnection();
            Connection configured = ds.getConnection();
            Connection userVariable = ds.getConnection();
            Connection temporaryTable = ds.getConnection();
            Connection usedAfter = ds.getConnection();
            try {
                assertThat(serverId(plain)).isEqualTo(oldId);
                Statement openBefore = plain.createStatement(); // left open across the switch
                configured.setCatalog("information_schema");
                configured.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                configured.setReadOnly(true);
                configured.setAutoCommit(false);
                configured.setClientInfo("ApplicationName", "replace-test");
                assertThat(serverId(configured)).isEqualTo(oldId);
                configured.commit(); // idle: no transaction open
                try (Statement st = userVariable.createStatement()) {
                    st.execute("SET @x = 1");
                }
                try (Statement st = temporaryTable.createStatement()) {
                    st.execute("CREATE TEMPORARY TABLE replace_tmp (id INT)");
                }
                Statement staleStatement = usedAfter.createStatement();
                await().atMost(Duration.ofSeconds(10)).until(() -> admin.servers().get(1).getState().equals("UP"));

                admin.switchTo(group.server(1).hostAndPort());

                assertThat(serverId(plain)).as("an idle connection, replaced at its next use").isEqualTo(newId);
                assertThatThrownBy(() -> openBefore.executeQuery("SELECT 1"))
                        .as("a statement created before the switch stays on the old connection")
                        .isInstanceOf(EvictedConnectionException.class);

                assertThat(configured.isValid(2)).as("replaced on validation").isTrue();
                assertThat(configured.getAutoCommit()).isFalse();
                assertThat(configured.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_READ_COMMITTED);
                assertThat(configured.isReadOnly()).isTrue();
                assertThat(configured.getCatalog()).isEqualTo("information_schema");
                assertThat(configured.getClientInfo("ApplicationName")).isEqualTo("replace-test");
                try (Statement st = configured.createStatement();
                     ResultSet rs = st.executeQuery("SELECT @@server_id, @@autocommit, @@transaction_isolation, "
                             + "@@transaction_read_only, DATABASE()")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("the new physical connection's server").isEqualTo(newId);
                    assertThat(rs.getInt(2)).as("@@autocommit on the server").isZero();
                    assertThat(rs.getString(3)).isEqualTo("READ-COMMITTED");
                    assertThat(rs.getInt(4)).as("@@transaction_read_only on the server").isOne();
                    assertThat(rs.getString(5)).isEqualTo("information_schema");
                }
                configured.rollback();

                for (Connection tainted : List.of(userVariable, temporaryTable)) {
                    assertThat(tainted.isValid(2)).isFalse();
                    assertThatThrownBy(() -> serverId(tainted))
                            .isInstanceOf(EvictedConnectionException.class)
                            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08S01"));
                }
                assertThatThrownBy(() -> staleStatement.executeQuery("SELECT 1"))
                        .isInstanceOf(EvictedConnectionException.class);
                assertThatThrownBy(() -> serverId(usedAfter))
                        .as("a connection whose old statement was used after the switch is not replaced")
                        .isInstanceOf(EvictedConnectionException.class);
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> group.server(0).connectionCount(group.appUser()) == 0);
                assertThat(admin.servers().get(0).getConnections()).as("registry: connections to the old server").isZero();
                assertThat(admin.servers().get(1).getConnections()).as("registry: the two replacements").isEqualTo(2);
            } finally {
                for (Connection c : new ArrayList<>(List.of(plain, configured, userVariable, temporaryTable, usedAfter))) {
                    c.close();
                }
            }
        }
    }

    @Test
    void withReplacementOffAnIdleConnectionFailsAsBefore() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "replace-off",
                "stickyfail.replaceIdleConnections=false")) {
            Connection c = ds.getConnection();
            try {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                await().atMost(Duration.ofSeconds(10)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
                ds.admin().switchTo(group.server(1).hostAndPort());
                assertThat(c.isValid(2)).isFalse();
                assertThatThrownBy(() -> serverId(c)).isInstanceOf(EvictedConnectionException.class);
            } finally {
                c.close();
            }
        }
    }
}
