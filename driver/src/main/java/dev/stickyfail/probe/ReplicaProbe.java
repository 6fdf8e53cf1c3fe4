package dev.stickyfail.probe;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * {@code stickyfail.check=replica}: where replication is configured, its SQL thread must run without error, and the
 * server may be at most {@code stickyfail.maxReplicationLag} behind. A replica whose IO thread cannot reach its
 * source (the source is down: exactly when one fails over to it) has applied all it received and passes. A server
 * with no replication configured passes. Needs {@code REPLICATION CLIENT} (MySQL) or {@code SLAVE MONITOR}
 * (MariaDB).
 */
public final class ReplicaProbe extends SessionProbe {

    private volatile boolean legacySyntax;

    public ReplicaProbe(ProbeTarget target) {
        super(target);
    }

    @Override
    protected ProbeResult verify(Connection session) throws SQLException {
        try (Statement st = session.createStatement(); ResultSet rs = status(st)) {
            if (!rs.next()) {
                return ProbeResult.pass("not a replica");
            }
            long maxLag = target.maxReplicationLag().toSeconds();
            do {
                String sqlRunning = column(rs, "Replica_SQL_Running", "Slave_SQL_Running");
                String lastSqlError = column(rs, "Last_SQL_Error", "Last_SQL_Error");
                if (!"Yes".equalsIgnoreCase(sqlRunning)) {
                    return ProbeResult.fail("replication SQL thread not running"
                            + (lastSqlError == null || lastSqlError.isEmpty() ? "" : ": " + lastSqlError));
                }
                String lag = column(rs, "Seconds_Behind_Source", "Seconds_Behind_Master");
                if (lag != null && Long.parseLong(lag) > maxLag) {
                    return ProbeResult.fail("replication lag " + lag + "s exceeds " + maxLag + "s");
                }
            } while (rs.next());
            return ProbeResult.pass();
        }
    }

    private ResultSet status(Statement st) throws SQLException {
        if (!legacySyntax) {
            try {
                return st.executeQuery("SHOW REPLICA STATUS");
            } catch (SQLException e) {
                if (e.getErrorCode() != 1064) { // not a syntax error: a real failure
                    throw e;
                }
                legacySyntax = true;
            }
        }
        return st.executeQuery("SHOW SLAVE STATUS");
    }

    private static String column(ResultSet rs, String name, String legacyName) throws SQLException {
        try {
            return rs.getString(name);
        } catch (SQLException e) {
            return rs.getString(legacyName);
        }
    }
}
