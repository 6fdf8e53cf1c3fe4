package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * MySQL's GTID replication: {@code MASTER_AUTO_POSITION=1}, positions from {@code @@GLOBAL.gtid_executed} (a set of
 * {@code uuid:ranges}, which MySQL breaks over several lines: whitespace is removed) and {@code GTID_SUBSET}.
 *
 * <p>The statements changed names in 8.0.22 ({@code SHOW REPLICA STATUS}, {@code START REPLICA}) and 8.0.23
 * ({@code CHANGE REPLICATION SOURCE TO}), and 8.4 removed the old ones; the server's version, read once, picks
 * them. The replica asks for the source's RSA key ({@code GET_MASTER_PUBLIC_KEY}): the replication account uses
 * MySQL 8's default {@code caching_sha2_password} over a plain connection, like MySQL's own replicas by default.
 */
final class MysqlReplication implements ReplicationDialect {

    private volatile Boolean replicaSyntax;

    @Override
    public void configureReplication(Connection replica, String sourceHost, int sourcePort, Accounts accounts)
            throws SQLException {
        String change = replicaSyntax(replica)
                ? "CHANGE REPLICATION SOURCE TO SOURCE_HOST=%s, SOURCE_PORT=%d, SOURCE_USER=%s, SOURCE_PASSWORD=%s, "
                        + "SOURCE_AUTO_POSITION=1, SOURCE_CONNECT_RETRY=1, GET_SOURCE_PUBLIC_KEY=1"
                : "CHANGE MASTER TO MASTER_HOST=%s, MASTER_PORT=%d, MASTER_USER=%s, MASTER_PASSWORD=%s, "
                        + "MASTER_AUTO_POSITION=1, MASTER_CONNECT_RETRY=1, GET_MASTER_PUBLIC_KEY=1";
        Jdbc.execute(replica, String.format(change, Jdbc.sqlString(sourceHost), sourcePort,
                Jdbc.sqlString(accounts.replUser()), Jdbc.sqlString(accounts.replPassword())));
        startReplication(replica);
    }

    @Override
    public void startReplication(Connection replica) throws SQLException {
        Jdbc.execute(replica, replicaSyntax(replica) ? "START REPLICA" : "START SLAVE");
    }

    @Override
    public void stopApplier(Connection replica) throws SQLException {
        Jdbc.execute(replica, replicaSyntax(replica) ? "STOP REPLICA SQL_THREAD" : "STOP SLAVE SQL_THREAD");
    }

    @Override
    public void startApplier(Connection replica) throws SQLException {
        Jdbc.execute(replica, replicaSyntax(replica) ? "START REPLICA SQL_THREAD" : "START SLAVE SQL_THREAD");
    }

    @Override
    public void stopReplication(Connection replica) throws SQLException {
        Jdbc.execute(replica, replicaSyntax(replica) ? "STOP REPLICA" : "STOP SLAVE");
    }

    @Override
    public ReplicationStatus status(Connection replica, int sourceIndex, int replicaIndex) throws SQLException {
        boolean modern = replicaSyntax(replica);
        try (Statement st = replica.createStatement();
             ResultSet rs = st.executeQuery(modern ? "SHOW REPLICA STATUS" : "SHOW SLAVE STATUS")) {
            return modern
                    ? ReplicationStatus.read(rs, sourceIndex, replicaIndex, "Replica_IO_Running",
                            "Replica_SQL_Running", "Seconds_Behind_Source")
                    : ReplicationStatus.read(rs, sourceIndex, replicaIndex, "Slave_IO_Running", "Slave_SQL_Running",
                            "Seconds_Behind_Master");
        }
    }

    @Override
    public String position(Connection server) throws SQLException {
        return Jdbc.queryString(server, "SELECT @@GLOBAL.gtid_executed").replaceAll("\\s+", "");
    }

    @Override
    public boolean hasApplied(Connection replica, String sourcePosition) throws SQLException {
        try (PreparedStatement ps = replica.prepareStatement("SELECT GTID_SUBSET(?, @@GLOBAL.gtid_executed)")) {
            ps.setString(1, sourcePosition);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1) == 1;
            }
        }
    }

    /** MySQL 8.0.23 and later: the REPLICA/SOURCE statements (every one this class uses exists from there on). */
    private boolean replicaSyntax(Connection c) throws SQLException {
        Boolean known = replicaSyntax;
        if (known == null) {
            known = atLeast(Jdbc.queryString(c, "SELECT VERSION()"), 8, 0, 23);
            replicaSyntax = known;
        }
        return known;
    }

    /** {@code "8.0.15"}, {@code "8.4.3-log"}: at least major.minor.patch. */
    static boolean atLeast(String version, int major, int minor, int patch) {
        String[] parts = version.replaceFirst("[^0-9.].*$", "").split("\\.");
        int[] want = {major, minor, patch};
        for (int i = 0; i < want.length; i++) {
            int have = i < parts.length && !parts[i].isEmpty() ? Integer.parseInt(parts[i]) : 0;
            if (have != want[i]) {
                return have > want[i];
            }
        }
        return true;
    }
}
