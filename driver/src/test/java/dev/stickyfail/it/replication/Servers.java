package dev.stickyfail.it.replication;

import dev.stickyfail.internal.replication.MariaDbGtidSet;
import dev.stickyfail.internal.replication.ReplicationSource;
import dev.stickyfail.internal.replication.ReplicationView;
import dev.stickyfail.testkit.DbServer;
import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/** Helpers of the replication integration tests: rows, positions and views on the group's real servers. */
final class Servers {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private Servers() {
    }

    static ReplicationSource sourceOf(DbServer server) {
        return new ReplicationSource(server.host(), server.port());
    }

    /** Created on server 0 and replicated everywhere before returning. */
    static void createTable(ServerGroup group, String table) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                    + "origin INT NOT NULL, note VARCHAR(64) NOT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
    }

    /** {@code rows} inserts on server {@code index}, each its own transaction (one GTID each). */
    static void insert(ServerGroup group, int index, String table, int rows, String note) throws SQLException {
        try (Connection c = group.adminConnection(index);
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " (origin, note) VALUES (?, ?)")) {
            for (int i = 0; i < rows; i++) {
                ps.setInt(1, index);
                ps.setString(2, note);
                ps.executeUpdate();
            }
        }
    }

    static long count(ServerGroup group, int index, String table, String note) throws SQLException {
        try (Connection c = group.adminConnection(index);
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE note = ?")) {
            ps.setString(1, note);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    static MariaDbGtidSet variable(ServerGroup group, int index, String variable) throws SQLException {
        try (Connection c = group.adminConnection(index); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + variable)) {
            rs.next();
            return MariaDbGtidSet.parse(rs.getString(1));
        }
    }

    /** The GTID domain server {@code index} writes in (the testkit sets gtid_domain_id = server_id). */
    static long domainOf(ServerGroup group, int index) {
        return group.server(index).serverId();
    }

    static ReplicationView view(ServerGroup group, int replica, int source) throws SQLException {
        try (Connection c = group.adminConnection(replica)) {
            return ReplicationView.read(c, sourceOf(group.server(source)), READ_TIMEOUT);
        }
    }

    /** Waits until server {@code replica} has received from {@code source} everything the source wrote itself. */
    static void awaitReceived(ServerGroup group, int replica, int source) throws SQLException {
        List<Long> domain = List.of(domainOf(group, source));
        MariaDbGtidSet written = variable(group, source, "@@gtid_binlog_pos").onlyDomains(domain);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> view(group, replica, source).received().containsAll(written));
    }

    /** Sessions of server {@code index} running {@code MASTER_GTID_WAIT}, not counting the one asking. */
    static int waitsRunning(ServerGroup group, int index) throws SQLException {
        try (Connection c = group.adminConnection(index); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.processlist "
                     + "WHERE info LIKE 'SELECT MASTER_GTID_WAIT%' AND id <> CONNECTION_ID()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
