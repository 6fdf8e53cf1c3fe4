package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Test 1: a 2-server group starts, with real accounts and replication running both ways. Its start time is printed
 * (about 5 to 15 s, more when it includes the first unpack of MariaDB); the bound only catches a hang.
 */
class GroupStartupTest {

    @Test
    void twoServerGroupStartsWithReplicationBothWays() throws Exception {
        long start = System.nanoTime();
        try (ServerGroup group = ServerGroup.start(2)) {
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            System.out.printf("2-server group started in %d ms (group's own measure: %d ms)%n",
                    elapsed.toMillis(), group.startupTime().toMillis());
            assertThat(elapsed).isLessThan(Duration.ofMinutes(3));

            assertThat(group.size()).isEqualTo(2);
            assertThat(group.database()).isEqualTo("app");
            assertThat(group.hostList()).isEqualTo("127.0.0.1:" + group.server(0).port()
                    + ",127.0.0.1:" + group.server(1).port());
            for (DbServer server : group.servers()) {
                assertThat(server.isRunning()).isTrue();
                assertThat(server.isFrozen()).isFalse();
                assertThat(server.pid()).isPositive();
                assertThat(ProcessHandle.of(server.pid())).isPresent();
                assertThat(server.jdbcUrl()).isEqualTo("jdbc:mysql://127.0.0.1:" + server.port() + "/app");
                try (Connection c = group.adminConnection(server.index())) {
                    assertThat(Sql.queryLong(c, "SELECT @@server_id")).isEqualTo(server.serverId());
                    assertThat(Sql.queryLong(c, "SELECT @@auto_increment_increment")).isEqualTo(2);
                    assertThat(Sql.queryLong(c, "SELECT @@auto_increment_offset")).isEqualTo(server.index() + 1);
                    assertThat(Sql.queryString(c, "SELECT @@binlog_format")).isEqualTo("ROW");
                    assertThat(Sql.queryLong(c, "SELECT @@log_slave_updates")).isEqualTo(1);
                    assertThat(Sql.queryString(c, "SELECT @@bind_address")).isEqualTo("127.0.0.1");
                }
            }
            assertThat(group.replicationStatus())
                    .extracting(s -> s.sourceIndex() + "->" + s.replicaIndex())
                    .containsExactly("0->1", "1->0");
            group.assertReplicationHealthy();
        }
    }

    @Test
    void accountsNeedTheirPasswordsAndHaveTheirPrivileges() throws Exception {
        try (ServerGroup group = ServerGroup.start(2)) {
            String url = group.server(0).jdbcUrl();
            // Grant tables are on: a wrong password is refused.
            assertThatThrownBy(() -> DriverManager.getConnection(url, group.appUser(), "wrong").close())
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Access denied");
            try (Connection app = group.appConnection(0)) {
                Sql.exec(app, "CREATE TABLE privileges_check (id INT PRIMARY KEY)");
                assertThatThrownBy(() -> Sql.exec(app, "CREATE DATABASE not_mine"))
                        .isInstanceOf(SQLException.class);
            }
            // The probe has no privilege on app, so it cannot open it: probes connect without a database.
            assertThatThrownBy(() -> DriverManager.getConnection(url, group.probeUser(), group.probePassword()))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("Access denied");
            String noDatabase = "jdbc:mysql://" + group.server(0).hostAndPort() + "/";
            try (Connection probe = DriverManager.getConnection(noDatabase, group.probeUser(),
                    group.probePassword())) {
                // The probe can see replication state and the process list, and nothing else.
                Sql.column(probe, "SHOW SLAVE STATUS");
                Sql.column(probe, "SHOW PROCESSLIST");
                assertThatThrownBy(() -> Sql.queryLong(probe, "SELECT COUNT(*) FROM app.privileges_check"))
                        .isInstanceOf(SQLException.class);
            }
            try (Connection root = DriverManager.getConnection(url, group.rootUser(), group.rootPassword())) {
                assertThat(Sql.queryString(root, "SELECT CURRENT_USER()")).isEqualTo("root@%");
            }
        }
    }
}
