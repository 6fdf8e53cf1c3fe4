package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What is MySQL 8's own in the flavour: the servers, their GTID replication through {@code MASTER_AUTO_POSITION},
 * the replication status read from MySQL's columns, and a clean stop. The flavour-neutral tests of the testkit
 * ({@link ReplicationTest}, {@link FreezeTest}, ...) run on it too with {@code -Dstickyfail.testkit.flavour=mysql8}.
 */
@MariaDbGroupTest(flavour = Flavour.MYSQL8)
class Mysql8FlavourTest {

    private final ServerGroup group;

    Mysql8FlavourTest(ServerGroup group) {
        this.group = group;
    }

    @BeforeAll
    static void createTable(ServerGroup group) throws Exception {
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE IF NOT EXISTS mysql8_rows (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40))");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(60));
    }

    @Test
    void mysql8WithGtidsTlsAndItsDefaultAuthentication() throws Exception {
        assertThat(group.flavour()).isEqualTo(Flavour.MYSQL8);
        try (Connection a = group.adminConnection(0); Connection b = group.adminConnection(1)) {
            assertThat(Sql.queryString(a, "SELECT VERSION()")).startsWith("8.0.");
            assertThat(Sql.queryString(a, "SELECT @@gtid_mode")).isEqualTo("ON");
            assertThat(Sql.queryLong(a, "SELECT @@sync_binlog")).isZero();
            assertThat(Sql.queryString(a, "SELECT @@server_uuid")).as("each copy of the template has its own")
                    .isNotEqualTo(Sql.queryString(b, "SELECT @@server_uuid"));
            assertThat(Sql.column(a, "SELECT DISTINCT plugin FROM mysql.user WHERE user IN ('"
                    + group.rootUser() + "', '" + group.appUser() + "', '" + group.probeUser() + "', 'repl')"))
                    .containsExactly("caching_sha2_password");
        }
        try (Connection app = group.appConnection(1)) {
            // Connector/J's default sslMode=PREFERRED meets a server with TLS on, as MySQL ships
            try (Statement st = app.createStatement();
                 ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(2)).as("the session is encrypted").isNotBlank();
            }
        }
    }

    @Test
    void theReplicaStatusFollowsItsThreads() throws Exception {
        group.stopApplier(1);
        assertThat(direction(0, 1)).satisfies(s -> {
            assertThat(s.ioRunning()).isTrue();
            assertThat(s.sqlRunning()).isFalse();
        });
        long id;
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "INSERT INTO mysql8_rows (note) VALUES ('applier stopped')");
            id = Sql.queryLong(c, "SELECT LAST_INSERT_ID()");
        }
        try (Connection c = group.appConnection(1)) {
            assertThat(Sql.queryLong(c, "SELECT COUNT(*) FROM mysql8_rows WHERE id = " + id)).isZero();
        }
        group.startApplier(1);
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        try (Connection c = group.appConnection(1)) {
            assertThat(Sql.queryLong(c, "SELECT COUNT(*) FROM mysql8_rows WHERE id = " + id)).isEqualTo(1);
        }

        group.stopReplication(0);
        assertThat(direction(1, 0)).satisfies(s -> {
            assertThat(s.ioRunning()).isFalse();
            assertThat(s.sqlRunning()).isFalse();
        });
        group.heal(Duration.ofSeconds(60));
        group.assertReplicationHealthy();
    }

    @Test
    void aCleanStopAndStartKeepsPortDataAndReplication() throws Exception {
        DbServer server = group.server(1);
        int port = server.port();
        server.stop();
        assertThat(server.isRunning()).isFalse();
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "INSERT INTO mysql8_rows (note) VALUES ('while 1 is stopped')");
        }
        server.start();
        assertThat(server.port()).isEqualTo(port);
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(group::assertReplicationHealthy);
        assertThat(Sql.count(group, 1, "mysql8_rows")).isEqualTo(Sql.count(group, 0, "mysql8_rows"));
    }

    private ReplicationStatus direction(int source, int replica) {
        return group.replicationStatus().stream()
                .filter(s -> s.sourceIndex() == source && s.replicaIndex() == replica).findFirst().orElseThrow();
    }
}
