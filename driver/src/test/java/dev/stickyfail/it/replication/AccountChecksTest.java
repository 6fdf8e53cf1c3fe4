package dev.stickyfail.it.replication;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.AccountCheck;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The check of the accounts' rights at start, on real servers of either flavour: the application's own account
 * ({@code GRANT ALL ON app.*}) is told which features it cannot run and the {@code GRANT} for each; an account given
 * exactly those grants runs every feature, the read-only fence included; and {@code SUPER} alone sets
 * {@code read_only} on MySQL 8 but no longer on MariaDB 11.4 (MDEV-29596).
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AccountChecksTest {

    private static final String OPS = "stickyfail_ops";
    private static final String SU = "stickyfail_su";
    private static final String PASSWORD = "Ops-pw-1";

    private final ServerGroup group;

    AccountChecksTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void cleanUp() throws SQLException {
        onEachServer("SET GLOBAL read_only = OFF", // first: MySQL's super_read_only refuses even DROP USER to root
                "DROP USER IF EXISTS '" + OPS + "'@'%'", "DROP USER IF EXISTS '" + SU + "'@'%'");
        group.heal(Duration.ofSeconds(90));
    }

    /** On every server, outside the binary log: accounts are not replicated, and replication is not disturbed. */
    private void onEachServer(String... statements) throws SQLException {
        for (int i = 0; i < group.size(); i++) {
            try (Connection c = group.adminConnection(i); Statement st = c.createStatement()) {
                st.execute("SET SESSION sql_log_bin = 0");
                for (String sql : statements) {
                    st.execute(sql);
                }
            }
        }
    }

    private StickyFailDataSource dataSource(String name, String params) {
        StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + group.hostList() + "/"
                + group.database() + "?" + params);
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.group", name);
        return ds;
    }

    private static Map<String, AccountCheck> checks(StickyFailDataSource ds) throws SQLException {
        await().atMost(Duration.ofSeconds(30)).until(() -> !ds.admin().accountChecks().isEmpty());
        return ds.admin().accountChecks().stream().collect(Collectors.toMap(AccountCheck::feature, Function.identity()));
    }

    private String statusRight() {
        return Servers.mariaDb(group) ? "SLAVE MONITOR" : "REPLICATION CLIENT";
    }

    private String readOnlyRight() {
        return Servers.mariaDb(group) ? "READ_ONLY ADMIN" : "SYSTEM_VARIABLES_ADMIN";
    }

    @Test
    void theApplicationsOwnAccountIsToldWhichFeaturesCannotWorkAndTheGrantThatEnablesEach() throws Exception {
        String name = "rights-app";
        try (StickyFailDataSource ds = dataSource(name, "stickyfail.fenceReadOnly=true")) {
            ds.getConnection().close();
            Map<String, AccountCheck> checks = checks(ds);
            String app = "'" + group.appUser() + "'@'%'";
            assertThat(checks).containsOnlyKeys("full catch-up", "catch-up of acknowledged commits",
                    "errant-transaction report", "read-only fence");
            assertThat(checks.get("full catch-up")).satisfies(c -> {
                assertThat(c.available()).isFalse();
                assertThat(c.account()).isEqualTo(app);
                assertThat(c.grant()).isEqualTo("GRANT " + statusRight() + " ON *.* TO " + app);
                assertThat(c.detail()).contains("a switch waits only for the commits this application was told succeeded");
            });
            assertThat(checks.get("errant-transaction report").grant()).isEqualTo("GRANT " + statusRight() + " ON *.* TO " + app);
            assertThat(checks.get("catch-up of acknowledged commits").available()).isTrue();
            assertThat(checks.get("read-only fence")).satisfies(c -> {
                assertThat(c.available()).isFalse();
                assertThat(c.grant()).isEqualTo("GRANT " + readOnlyRight() + " ON *.* TO " + app);
            });
            String[] unavailable = (String[]) ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName("dev.stickyfail:type=Group,name=" + ObjectName.quote(name)), "UnavailableFeatures");
            assertThat(unavailable).hasSize(3).allSatisfy(line -> assertThat(line).contains("to enable it: GRANT ")
                    .doesNotContain(group.appPassword()));
        }
    }

    @Test
    void theReplicaProbeIsNamedEvenWhenNoServerComesUpBecauseOfIt() throws Exception {
        try (StickyFailDataSource ds = dataSource("rights-replica", "stickyfail.check=replica&stickyfail.failoverTimeout=0")) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class);
            AccountCheck replica = checks(ds).get("replica lag probe");
            assertThat(replica.available()).isFalse();
            assertThat(replica.property()).isEqualTo("stickyfail.check=replica");
            assertThat(replica.grant()).isEqualTo("GRANT " + statusRight() + " ON *.* TO '" + group.appUser() + "'@'%'");
        }
    }

    @Test
    void anAccountWithTheGrantsTheDocsNameRunsEveryFeatureAndFencesTheServerLeftReadOnly() throws Exception {
        onEachServer("CREATE USER '" + OPS + "'@'%' IDENTIFIED BY '" + PASSWORD + "'",
                "GRANT " + statusRight() + ", " + readOnlyRight() + " ON *.* TO '" + OPS + "'@'%'");
        try (StickyFailDataSource ds = dataSource("rights-granted", "stickyfail.fenceReadOnly=true&stickyfail.check=replica")) {
            ds.setProperty("stickyfail.checkUser", OPS);
            ds.setProperty("stickyfail.checkPassword", PASSWORD);
            ds.setProperty("stickyfail.fenceUser", OPS);
            ds.setProperty("stickyfail.fencePassword", PASSWORD);
            ds.getConnection().close();
            assertThat(checks(ds).values()).hasSize(5).allSatisfy(c -> assertThat(c.available()).as(c.describe()).isTrue());
            ds.admin().switchTo(group.server(1).hostAndPort());
            assertThat(readOnly(0)).as("db0 made read-only by " + OPS).isTrue();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                assertThat(st.executeQuery("SELECT @@server_id").next()).isTrue();
            }
        }
    }

    @Test
    void superAloneSetsReadOnlyOnMysql8ButNotOnMariaDb114() throws Exception {
        onEachServer("CREATE USER '" + SU + "'@'%' IDENTIFIED BY '" + PASSWORD + "'", "GRANT SUPER ON *.* TO '" + SU + "'@'%'");
        boolean serverAllows;
        String noDatabase = "jdbc:mysql://" + group.server(0).host() + ":" + group.server(0).port() + "/";
        try (Connection c = DriverManager.getConnection(noDatabase, SU, PASSWORD);
             Statement st = c.createStatement()) {
            st.execute("SET GLOBAL read_only = @@GLOBAL.read_only"); // no change: nothing else runs on db0 now
            serverAllows = true;
        } catch (SQLException e) {
            assertThat(e.getErrorCode()).isEqualTo(1227);
            serverAllows = false;
        }
        assertThat(serverAllows).as("SUPER sets read_only").isEqualTo(!Servers.mariaDb(group));
        try (StickyFailDataSource ds = dataSource("rights-super", "stickyfail.fenceReadOnly=true")) {
            ds.setProperty("stickyfail.fenceUser", SU);
            ds.setProperty("stickyfail.fencePassword", PASSWORD);
            ds.getConnection().close();
            assertThat(checks(ds).get("read-only fence").available()).as("the check agrees with the server")
                    .isEqualTo(serverAllows);
        }
    }

    private boolean readOnly(int server) throws SQLException {
        try (Connection c = group.adminConnection(server); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@GLOBAL.read_only")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
