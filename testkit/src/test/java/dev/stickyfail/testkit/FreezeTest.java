package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Test 4: a frozen server makes a plain Connector/J query time out; after thaw, queries succeed. */
@MariaDbGroupTest
class FreezeTest {

    @AfterEach
    void heal(ServerGroup group) {
        group.heal(Duration.ofSeconds(60));
    }

    @Test
    void aFrozenServerMakesQueriesTimeOutAndThawRestoresIt(ServerGroup group) throws Exception {
        DbServer server = group.server(0);
        String url = server.jdbcUrl() + "?connectTimeout=1000&socketTimeout=1000";
        try (Connection c = DriverManager.getConnection(url, group.appUser(), group.appPassword())) {
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);

            server.freeze();
            assertThat(server.isFrozen()).isTrue();
            assertThat(server.isRunning()).as("frozen counts as running").isTrue();

            long start = System.nanoTime();
            Throwable thrown = catchThrowable(() -> Sql.queryLong(c, "SELECT 1"));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(thrown).isInstanceOf(SQLException.class);
            assertThat(Sql.hasSocketTimeoutCause(thrown) || "08S01".equals(((SQLException) thrown).getSQLState()))
                    .as("socket timeout / 08S01, got %s", Sql.chain(thrown)).isTrue();
            assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(15));
        }

        // A new connection to a frozen server: TCP connects (the kernel still accepts), the greeting never comes.
        long start = System.nanoTime();
        Throwable connectFailure = catchThrowable(
                () -> DriverManager.getConnection(url, group.appUser(), group.appPassword()).close());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(connectFailure).isInstanceOf(SQLException.class);
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(15));

        server.thaw();
        assertThat(server.isFrozen()).isFalse();
        try (Connection c = DriverManager.getConnection(url, group.appUser(), group.appPassword())) {
            assertThat(Sql.queryLong(c, "SELECT 1")).isEqualTo(1);
        }
    }

    @Test
    void theOtherServerKeepsWorkingWhileItsPeerIsFrozen(ServerGroup group) throws Exception {
        group.server(1).freeze();
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE IF NOT EXISTS freeze_rows (id INT AUTO_INCREMENT PRIMARY KEY)");
            Sql.exec(c, "INSERT INTO freeze_rows () VALUES ()");
        }
        assertThat(group.replicationStatus()).anySatisfy(s -> assertThat(s.healthy()).isFalse());
        group.server(1).thaw();
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        assertThat(Sql.count(group, 1, "freeze_rows")).isEqualTo(Sql.count(group, 0, "freeze_rows"));
    }
}
