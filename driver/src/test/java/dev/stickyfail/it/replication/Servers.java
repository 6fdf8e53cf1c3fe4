package dev.stickyfail.it.replication;

import dev.stickyfail.internal.replication.AcknowledgedCommits;
import dev.stickyfail.internal.replication.GtidRange;
import dev.stickyfail.internal.replication.GtidSet;
import dev.stickyfail.internal.replication.MariaDbGtidSet;
import dev.stickyfail.internal.replication.MysqlGtidSet;
import dev.stickyfail.internal.replication.ReplicationSource;
import dev.stickyfail.internal.replication.ReplicationView;
import dev.stickyfail.internal.replication.ServerFlavour;
import dev.stickyfail.testkit.DbServer;
import dev.stickyfail.testkit.Flavour;
import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Helpers of the replication integration tests: rows, GTIDs and views on the group's real servers, in either
 * flavour's notation. A server's own transactions have an origin: MariaDB's {@code domain-server_id} (the testkit
 * gives every server its own domain, {@code gtid_domain_id = server_id}), MySQL's {@code server_uuid}.
 */
final class Servers {

    static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

    private Servers() {
    }

    static boolean mariaDb(ServerGroup group) {
        return group.flavour() == Flavour.MARIADB;
    }

    static ServerFlavour flavour(ServerGroup group) {
        return mariaDb(group) ? ServerFlavour.MARIADB : ServerFlavour.MYSQL;
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

    static String string(ServerGroup group, int index, String sql) throws SQLException {
        try (Connection c = group.adminConnection(index); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The GTID set in a server variable, e.g. {@code @@gtid_binlog_state}, in the group's notation. */
    static GtidSet variable(ServerGroup group, int index, String variable) throws SQLException {
        return flavour(group).parse(string(group, index, "SELECT " + variable));
    }

    /** What a server has itself, read straight from its variable: MariaDB's binary log state, MySQL's executed set. */
    static GtidSet own(ServerGroup group, int index) throws SQLException {
        return variable(group, index, mariaDb(group) ? "@@gtid_binlog_state" : "@@GLOBAL.gtid_executed");
    }

    /** MariaDB {@code server_id}, MySQL {@code server_uuid}: how a {@link ReplicationView} names its server. */
    static String identity(ServerGroup group, int index) throws SQLException {
        return mariaDb(group) ? Long.toString(group.server(index).serverId())
                : string(group, index, "SELECT @@server_uuid");
    }

    /** Where the transactions server {@code index} wrote itself come from: {@code domain-server_id} or its uuid. */
    static String origin(ServerGroup group, int index) throws SQLException {
        long id = group.server(index).serverId();
        return mariaDb(group) ? id + "-" + id : identity(group, index);
    }

    /** The transactions of {@code set} that server {@code index} wrote itself. */
    static GtidSet originatedBy(ServerGroup group, GtidSet set, int index) throws SQLException {
        if (mariaDb(group)) {
            return ((MariaDbGtidSet) set).onlyDomains(List.of(group.server(index).serverId()));
        }
        return set.minus(withoutOrigin(group, set, index));
    }

    /** {@code set} without the transactions server {@code index} wrote itself. */
    static GtidSet withoutOrigin(ServerGroup group, GtidSet set, int index) throws SQLException {
        return mariaDb(group)
                ? ((MariaDbGtidSet) set).withoutServer(group.server(index).serverId())
                : ((MysqlGtidSet) set).withoutSource(identity(group, index));
    }

    /** What server {@code index} wrote itself, from its binary log. */
    static GtidSet written(ServerGroup group, int index) throws SQLException {
        GtidSet position = mariaDb(group) ? variable(group, index, "@@gtid_binlog_pos") : own(group, index);
        return originatedBy(group, position, index);
    }

    /** The sequence number of the last transaction server {@code index} wrote itself (0 when none). */
    static long lastWritten(ServerGroup group, int index) throws SQLException {
        List<GtidRange> ranges = written(group, index).ranges();
        return ranges.isEmpty() ? 0 : ranges.get(ranges.size() - 1).to();
    }

    /** Transactions {@code from} to {@code to} that server {@code index} wrote, as the driver reports ranges. */
    static GtidRange range(ServerGroup group, int index, long from, long to) throws SQLException {
        return new GtidRange(origin(group, index), from, to, mariaDb(group));
    }

    /**
     * Records transactions {@code from} to {@code to} that server {@code index} wrote as acknowledged there, as its
     * replies report them (MariaDB's {@code last_gtid}, MySQL's {@code session_track_gtids}).
     */
    static void acknowledge(ServerGroup group, AcknowledgedCommits.Server server, int index, long from, long to)
            throws SQLException {
        String origin = origin(group, index);
        for (long seq = from; seq <= to; seq++) {
            if (mariaDb(group)) {
                server.recordMariaDb(origin + "-" + seq);
            } else {
                server.recordMysql(origin + ":" + seq);
            }
        }
    }

    static ReplicationView view(ServerGroup group, int replica, int source) throws SQLException {
        try (Connection c = group.adminConnection(replica)) {
            return ReplicationView.read(c, sourceOf(group.server(source)), READ_TIMEOUT);
        }
    }

    /**
     * Waits until server {@code replica} has received from {@code source} everything the source wrote itself: in its
     * relay log, applied, or in its own binary log. MySQL's {@code Retrieved_Gtid_Set} alone is not enough: on a
     * replica killed and restarted (with {@code relay_log_recovery}) by an earlier class of the shared group, it starts
     * again from what the replica fetches next (seen: 732-1248 retrieved of a source that wrote 1-1248).
     */
    static void awaitReceived(ServerGroup group, int replica, int source) throws SQLException {
        GtidSet written = written(group, source);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> {
                    GtidSet had = view(group, replica, source).had();
                    assertThat(had.containsAll(written)).as("server %d had %s; server %d wrote %s",
                            replica, had, source, written).isTrue();
                });
    }

    /**
     * Sessions of server {@code index} waiting for GTIDs ({@code MASTER_GTID_WAIT},
     * {@code WAIT_FOR_EXECUTED_GTID_SET}), not counting the one asking.
     */
    static int waitsRunning(ServerGroup group, int index) throws SQLException {
        try (Connection c = group.adminConnection(index); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.processlist "
                     + "WHERE (info LIKE 'SELECT MASTER_GTID_WAIT%' OR info LIKE 'SELECT WAIT_FOR_EXECUTED_GTID_SET%') "
                     + "AND id <> CONNECTION_ID()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
