package dev.stickyfail.testkit;

import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The state of one replication direction, {@code sourceIndex} to {@code replicaIndex}, as the replica reports it
 * ({@code SHOW SLAVE STATUS} or {@code SHOW REPLICA STATUS}).
 *
 * @param sourceIndex   the server whose changes are replicated
 * @param replicaIndex  the server that applies them
 * @param ioRunning     the replica's IO thread is connected to the source ("Yes", not "Connecting" or "No")
 * @param sqlRunning    the replica's SQL thread is running
 * @param lastIoError   the IO thread's last error, empty if none; when the replica could not be asked at all, why
 * @param lastSqlError  the SQL thread's last error, empty if none
 * @param secondsBehind the replica's lag, null when unknown (IO or SQL thread not running)
 */
public record ReplicationStatus(int sourceIndex, int replicaIndex, boolean ioRunning, boolean sqlRunning,
                                String lastIoError, String lastSqlError, Long secondsBehind) {

    public ReplicationStatus {
        lastIoError = lastIoError == null ? "" : lastIoError;
        lastSqlError = lastSqlError == null ? "" : lastSqlError;
    }

    /**
     * The first row of a replica status result, with the flavour's column names for the IO thread, the SQL thread
     * and the lag; no row means replication is not configured.
     */
    static ReplicationStatus read(ResultSet rs, int sourceIndex, int replicaIndex, String ioColumn,
                                  String sqlColumn, String behindColumn) throws SQLException {
        if (!rs.next()) {
            return new ReplicationStatus(sourceIndex, replicaIndex, false, false,
                    "replication is not configured on server " + replicaIndex, "", null);
        }
        long behind = rs.getLong(behindColumn);
        Long secondsBehind = rs.wasNull() ? null : behind;
        return new ReplicationStatus(sourceIndex, replicaIndex,
                "Yes".equalsIgnoreCase(rs.getString(ioColumn)),
                "Yes".equalsIgnoreCase(rs.getString(sqlColumn)),
                rs.getString("Last_IO_Error"), rs.getString("Last_SQL_Error"), secondsBehind);
    }

    /** Both threads running and no error recorded. */
    public boolean healthy() {
        return ioRunning && sqlRunning && lastIoError.isEmpty() && lastSqlError.isEmpty();
    }

    /** For messages: "0->1 io=Yes sql=Yes behind=0s" plus errors. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder()
                .append(sourceIndex).append("->").append(replicaIndex)
                .append(" io=").append(ioRunning ? "Yes" : "No")
                .append(" sql=").append(sqlRunning ? "Yes" : "No")
                .append(" behind=").append(secondsBehind == null ? "?" : secondsBehind + "s");
        if (!lastIoError.isEmpty()) {
            sb.append(" lastIoError=\"").append(lastIoError).append('"');
        }
        if (!lastSqlError.isEmpty()) {
            sb.append(" lastSqlError=\"").append(lastSqlError).append('"');
        }
        return sb.toString();
    }
}
