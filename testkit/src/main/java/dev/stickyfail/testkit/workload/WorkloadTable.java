package dev.stickyfail.testkit.workload;

import dev.stickyfail.testkit.ServerGroup;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The table writers insert into. One row per successful operation, keyed by the run, the writer and its sequence
 * number; {@code origin} is the {@code @@server_id} of the server that executed the insert and {@code ts} that
 * server's {@code NOW(6)}. Both are part of the row image, so they replicate unchanged. Ids are auto-increment
 * values, which the testkit draws from a separate residue class per server: writes on two servers never collide.
 */
final class WorkloadTable {

    /** A row read back: the server (index) that executed it, and its server-side time (µs since the epoch). */
    record Row(int origin, long tsMicros) {
    }

    private WorkloadTable() {
    }

    static String insertSql(String table) {
        return "INSERT INTO " + table + " (run, client, writer, seq, origin, ts) VALUES (?, ?, ?, ?, @@server_id, NOW(6))";
    }

    /** Creates the table on server 0 if it is missing and waits until every server has it. */
    static void create(ServerGroup group, String table) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + table + " ("
                    + "id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                    + "run VARCHAR(64) NOT NULL, "
                    + "client INT NOT NULL, "
                    + "writer INT NOT NULL, "
                    + "seq BIGINT NOT NULL, "
                    + "origin INT NOT NULL, "
                    + "ts TIMESTAMP(6) NOT NULL, "
                    + "KEY run_writer_seq (run, writer, seq)"
                    + ") ENGINE=InnoDB");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    /**
     * Every row of {@code run} that server {@code index} has, by {@link Op#key(int, long)}; {@code origin} mapped
     * from {@code server_id} to the server's index (or -1 for an unknown id).
     */
    static Map<Long, Row> read(ServerGroup group, int index, String table, String run) throws SQLException {
        Map<Long, Integer> indexOfServerId = new HashMap<>();
        for (int i = 0; i < group.size(); i++) {
            indexOfServerId.put(group.server(i).serverId(), i);
        }
        Map<Long, Row> rows = new HashMap<>();
        try (Connection c = group.adminConnection(index);
             PreparedStatement ps = c.prepareStatement(
                     "SELECT writer, seq, origin, UNIX_TIMESTAMP(ts) FROM " + table + " WHERE run = ?")) {
            ps.setString(1, run);
            ps.setFetchSize(Integer.MIN_VALUE);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    BigDecimal seconds = rs.getBigDecimal(4);
                    long micros = seconds.movePointRight(6).longValue();
                    rows.put(Op.key(rs.getInt(1), rs.getLong(2)),
                            new Row(indexOfServerId.getOrDefault(rs.getLong(3), -1), micros));
                }
            }
        }
        return rows;
    }
}
