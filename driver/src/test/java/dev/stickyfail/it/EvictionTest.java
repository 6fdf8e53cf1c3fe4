package dev.stickyfail.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.CommitOutcomeUnknownException;
import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The safety core: on a switch every connection to the abandoned server is aborted, pooled and in use alike. */
@MariaDbGroupTest(size = 2)
class EvictionTest {

    private final ServerGroup group;

    EvictionTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void pooledConnectionsHeldAcrossASwitchAreAbortedAndNoneIsLeftOnTheOldServer() throws Exception {
        String groupName = "evict-hikari";
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("evict-hikari");
        hc.setDataSourceClassName("dev.stickyfail.StickyFailDataSource");
        hc.addDataSourceProperty("url", Fixtures.url(group, group.hostList(), ""));
        hc.addDataSourceProperty("user", group.appUser());
        hc.addDataSourceProperty("password", group.appPassword());
        // the held connections are idle: this test is about the error they get when they are not replaced
        hc.addDataSourceProperty("connectionProperties", "stickyfail.replaceIdleConnections=false;stickyfail.group=" + groupName + ";stickyfail.checkUser="
                + group.probeUser() + ";stickyfail.checkPassword=" + group.probePassword());
        hc.setMaximumPoolSize(10);
        hc.setMinimumIdle(10);
        try (HikariDataSource pool = new HikariDataSource(hc)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> group.server(0).connectionCount(group.appUser()) == 10);
            List<Connection> held = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Connection c = pool.getConnection();
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                held.add(c);
            }
            GroupAdmin admin = StickyFail.group(groupName).orElseThrow();
            String old = name(0);
            String next = name(1);

            admin.switchTo(next);

            assertThat(admin.servers().get(0).getConnections()).as("registry: connections to the old server").isZero();
            for (Connection c : held) {
                assertThat(c.isValid(1)).isFalse();
                assertThatThrownBy(() -> serverId(c))
                        .isInstanceOf(EvictedConnectionException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08S01"))
                        .hasMessageContaining("connection to " + old + " was aborted")
                        .hasMessageContaining("admin switchTo(" + next + ")")
                        .hasMessageContaining("the active server is now " + next)
                        .hasMessageContaining("epoch " + admin.epoch());
                c.close();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> group.server(0).connectionCount(group.appUser()) == 0);
            assertThat(firstWorkingServerId(pool, 10)).isEqualTo(group.server(1).serverId());
        } finally {
            StickyFail.shutdown(groupName); // HikariCP never closes a DataSource it created
        }
    }

    @Test
    void connectionsInUseOnAFrozenPrimaryAreAbortedAndGoneFromItOnceItThaws() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "evict-freeze", "");
             HikariDataSource pool = pool(ds, 6)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> group.server(0).connectionCount(group.appUser()) == 6);
            Connection busy = pool.getConnection();
            Connection idle = pool.getConnection();
            assertThat(serverId(busy)).isEqualTo(group.server(0).serverId());
            CompletableFuture<Throwable> longQuery = CompletableFuture.supplyAsync(() -> {
                try (Statement st = busy.createStatement()) {
                    st.executeQuery("SELECT SLEEP(60)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            group.server(0).freeze();
            Throwable failure = longQuery.get(20, TimeUnit.SECONDS);
            assertThat(failure).isInstanceOf(EvictedConnectionException.class);
            assertThat(((SQLException) failure).getSQLState()).isEqualTo("08S01");
            assertThat(serverId(idle)).as("idle at the switch: replaced at its next use").isEqualTo(group.server(1).serverId());
            busy.close();
            idle.close();
            assertThat(firstWorkingServerId(pool, 6)).isEqualTo(group.server(1).serverId());
            group.server(0).thaw();
            // the aborted sockets are closed: once it runs again, the old primary sees every application session end
            await().atMost(Duration.ofSeconds(30)).until(() -> group.server(0).connectionCount(group.appUser()) == 0);
        }
    }

    @Test
    void aCommitInFlightWhenTheConnectionIsAbortedHasAnUnknownOutcome() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "evict-commit", "")) {
            createTable("commit_in_flight");
            Connection c = ds.getConnection();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO commit_in_flight (origin, ts) VALUES (@@server_id, NOW(6))");
            }
            group.server(0).freeze();
            CompletableFuture<Throwable> commit = CompletableFuture.supplyAsync(() -> {
                try {
                    c.commit();
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Throwable failure = commit.get(20, TimeUnit.SECONDS);
            assertThat(failure).isInstanceOf(CommitOutcomeUnknownException.class)
                    .hasMessageContaining("commit() was in flight")
                    .hasMessageContaining(name(0));
            assertThat(((SQLException) failure).getSQLState()).isEqualTo("08007");
            c.close();
        }
    }

    @Test
    void anAutocommitWriteInFlightToAHungServerHasAnUnknownOutcomeBecauseTheServerRunsItWhenItWakes() throws Exception {
        createTable("autocommit_in_flight");
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "evict-autocommit", "")) {
            Connection c = ds.getConnection();
            assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            group.server(0).freeze();
            CompletableFuture<Throwable> insert = CompletableFuture.supplyAsync(() -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO autocommit_in_flight (origin, ts, writer) VALUES (@@server_id, NOW(6), 1)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Throwable failure = insert.get(20, TimeUnit.SECONDS);
            assertThat(failure).isInstanceOf(CommitOutcomeUnknownException.class)
                    .hasMessageContaining("in autocommit mode").hasMessageContaining("its outcome is unknown");
            assertThat(((SQLException) failure).getSQLState()).isEqualTo("08007");
            c.close();
            group.server(0).thaw();
            // what "unknown" means: the hung server had the statement in its socket buffer and runs it on waking
            await().atMost(Duration.ofSeconds(20)).until(() -> rows(0, "autocommit_in_flight WHERE writer = 1") == 1);
        }
    }

    @Test
    void aWriteInFlightInsideATransactionIsNeverCommitted() throws Exception {
        createTable("transaction_in_flight");
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "evict-transaction", "")) {
            Connection c = ds.getConnection();
            c.setAutoCommit(false);
            group.server(0).freeze();
            CompletableFuture<Throwable> insert = CompletableFuture.supplyAsync(() -> {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO transaction_in_flight (origin, ts, writer) VALUES (@@server_id, NOW(6), 2)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            Throwable failure = insert.get(20, TimeUnit.SECONDS);
            assertThat(failure).isInstanceOf(EvictedConnectionException.class).isNotInstanceOf(CommitOutcomeUnknownException.class);
            assertThat(((SQLException) failure).getSQLState()).isEqualTo("08S01");
            c.close();
            group.server(0).thaw();
            // the server runs the insert on waking, then sees the connection gone and rolls the transaction back
            await().atMost(Duration.ofSeconds(20)).until(() -> group.server(0).connectionCount(group.appUser()) == 0);
            assertThat(rows(0, "transaction_in_flight")).isZero();
        }
    }

    private long rows(int server, String tableAndWhere) throws SQLException {
        try (Connection c = group.adminConnection(server); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + tableAndWhere)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * HikariCP hands out an idle connection without validating it when it was used less than 500 ms ago
     * (aliveBypassWindowMs), so after a switch it may hand out one the switch aborted: that one must fail at once with
     * 08S01 (and HikariCP then discards it). Within the pool's size, a working connection must come, on the new server.
     */
    private static long firstWorkingServerId(HikariDataSource pool, int poolSize) throws SQLException {
        for (int attempt = 0; attempt <= poolSize; attempt++) {
            try (Connection c = pool.getConnection()) {
                return serverId(c);
            } catch (EvictedConnectionException e) {
                assertThat(e.getSQLState()).isEqualTo("08S01");
            }
        }
        throw new AssertionError("no working connection after " + poolSize + " aborted ones");
    }

    private HikariDataSource pool(StickyFailDataSource ds, int size) {
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(size);
        hc.setMinimumIdle(size);
        hc.setConnectionTimeout(30_000);
        return new HikariDataSource(hc);
    }

    private void createTable(String table) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, origin INT NOT NULL, "
                    + "ts TIMESTAMP(6) NOT NULL, writer INT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
