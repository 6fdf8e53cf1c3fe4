package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MariaDB's GTID replication: {@code MASTER_USE_GTID=slave_pos}, positions from {@code @@gtid_binlog_pos}. Every
 * server writes in its own GTID domain ({@code gtid_domain_id = server_id}).
 */
final class MariaDbReplication implements ReplicationDialect {

    static final MariaDbReplication INSTANCE = new MariaDbReplication();

    private MariaDbReplication() {
    }

    @Override
    public void configureReplication(Connection replica, String sourceHost, int sourcePort, Accounts accounts)
            throws SQLException {
        try (Statement st = replica.createStatement()) {
            st.execute("CHANGE MASTER TO MASTER_HOST=" + Jdbc.sqlString(sourceHost)
                    + ", MASTER_PORT=" + sourcePort
                    + ", MASTER_USER=" + Jdbc.sqlString(accounts.replUser())
                    + ", MASTER_PASSWORD=" + Jdbc.sqlString(accounts.replPassword())
                    + ", MASTER_USE_GTID=slave_pos"
                    + ", MASTER_CONNECT_RETRY=1"
                    + ", MASTER_SSL=0");
            st.execute("START SLAVE");
        }
    }

    @Override
    public void startReplication(Connection replica) throws SQLException {
        Jdbc.execute(replica, "START SLAVE");
    }

    @Override
    public void stopApplier(Connection replica) throws SQLException {
        Jdbc.execute(replica, "STOP SLAVE SQL_THREAD");
    }

    @Override
    public void startApplier(Connection replica) throws SQLException {
        Jdbc.execute(replica, "START SLAVE SQL_THREAD");
    }

    @Override
    public void stopReplication(Connection replica) throws SQLException {
        Jdbc.execute(replica, "STOP SLAVE");
    }

    @Override
    public ReplicationStatus status(Connection replica, int sourceIndex, int replicaIndex) throws SQLException {
        try (Statement st = replica.createStatement(); ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
            return ReplicationStatus.read(rs, sourceIndex, replicaIndex, "Slave_IO_Running", "Slave_SQL_Running",
                    "Seconds_Behind_Master");
        }
    }

    @Override
    public String position(Connection server) throws SQLException {
        return Jdbc.queryString(server, "SELECT @@gtid_binlog_pos");
    }

    /**
     * Within a domain sequence numbers grow monotonically (every server writes in its own), so "applied" means: for
     * every domain in the source's binary log, the replica's binary log (it logs what it applies) has reached at
     * least the same sequence number.
     */
    @Override
    public boolean hasApplied(Connection replica, String sourcePosition) throws SQLException {
        Map<Long, Long> source = parseGtidPosition(sourcePosition);
        Map<Long, Long> applied = parseGtidPosition(position(replica));
        for (Map.Entry<Long, Long> domain : source.entrySet()) {
            if (applied.getOrDefault(domain.getKey(), -1L) < domain.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** "1-1-20,2-2-7" to {1=20, 2=7}: the highest sequence number per domain. */
    static Map<Long, Long> parseGtidPosition(String position) {
        Map<Long, Long> result = new LinkedHashMap<>();
        if (position == null || position.isBlank()) {
            return result;
        }
        for (String gtid : position.split(",")) {
            String[] parts = gtid.trim().split("-");
            if (parts.length != 3) {
                throw new IllegalArgumentException("not a MariaDB GTID position: " + position);
            }
            result.merge(Long.parseLong(parts[0]), Long.parseLong(parts[2]), Math::max);
        }
        return result;
    }
}
