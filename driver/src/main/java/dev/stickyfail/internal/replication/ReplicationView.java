package dev.stickyfail.internal.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLNonTransientException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one server knows of the transactions of a source it replicates from, read in one go: what it has
 * <em>received</em> from that source, what it has <em>applied</em> as a replica, and what it <em>has</em> itself.
 *
 * <table>
 * <caption>Where each comes from</caption>
 * <tr><th></th><th>MariaDB</th><th>MySQL</th></tr>
 * <tr><td>{@link #received()}</td><td>{@code Gtid_IO_Pos} of the connection from the source
 *     ({@code SHOW ALL SLAVES STATUS})</td><td>{@code Retrieved_Gtid_Set} of the channel from the source
 *     ({@code SHOW REPLICA STATUS})</td></tr>
 * <tr><td>{@link #applied()}</td><td>{@code @@gtid_slave_pos}</td><td>{@code @@GLOBAL.gtid_executed}</td></tr>
 * <tr><td>{@link #own()}</td><td>{@code @@gtid_binlog_state}</td><td>{@code @@GLOBAL.gtid_executed}</td></tr>
 * </table>
 *
 * <p>Why {@code gtid_binlog_state} for what a server has, not {@code gtid_binlog_pos} or
 * {@code gtid_current_pos}: the binary log is exactly what a server ships to its replicas, so it is what a returning
 * old primary would send the new one. {@code gtid_binlog_pos} keeps only the last GTID per domain, which hides the
 * old primary's own writes as soon as it has replicated a later seq of the same domain from the new primary;
 * {@code gtid_binlog_state} keeps the last GTID per domain and server_id and so still shows them.
 * {@code gtid_current_pos} mixes in {@code gtid_slave_pos}, which may hold transactions applied without being
 * logged, and likewise one GTID per domain.
 */
public record ReplicationView(ServerFlavour flavour, String serverIdentity, ReplicationSource source,
                              Optional<ReplicaChannel> channel, GtidSet applied, GtidSet own, boolean gtidEnabled,
                              List<String> otherSources, Optional<String> statusUnreadable) {

    /**
     * @param otherSources     {@code host:port} of the replication connections that did not match {@code source}, so
     *                         that "does not replicate from" can say what it replicates from instead
     * @param statusUnreadable why the replication status could not be read (the account lacks the right, named), or
     *                         empty when it was: without it, what the server received is not known, only what it has
     */
    public ReplicationView {
        otherSources = List.copyOf(otherSources);
    }

    /** Whether the replication status was read: {@link #received()} and {@link #channel()} mean something. */
    public boolean statusReadable() {
        return statusUnreadable.isEmpty();
    }

    /** Received from the source; empty when this server does not replicate from it or the status was not readable. */
    public GtidSet received() {
        return channel.map(ReplicaChannel::received).orElse(flavour.empty());
    }

    /** What this server has: applied as a replica or in its own binary log. Needs no privilege to read. */
    public GtidSet has() {
        return applied.union(own);
    }

    /** Everything this server had: received, applied or in its own binary log. */
    public GtidSet had() {
        return received().union(applied).union(own);
    }

    /** Received but not yet applied (nor in this server's binary log some other way): what a catch-up waits for. */
    public GtidSet pending() {
        return received().minus(applied.union(own));
    }

    /** This view with {@code more} applied too: what a catch-up saw applied by the time it ended. */
    public ReplicationView withApplied(GtidSet more) {
        return new ReplicationView(flavour, serverIdentity, source, channel, applied.union(more), own, gtidEnabled,
                otherSources, statusUnreadable);
    }

    /**
     * Why a catch-up of what this server received from the source means nothing, or empty when it does: no GTIDs,
     * or no replication from the source. With the status unreadable, only the first is known.
     */
    public Optional<String> notApplicable() {
        if (!gtidEnabled) {
            return Optional.of(flavour == ServerFlavour.MYSQL ? "gtid_mode is not ON" : "GTIDs are off");
        }
        if (!statusReadable()) {
            return Optional.empty();
        }
        if (channel.isEmpty()) {
            return Optional.of("it does not replicate from " + source + (otherSources.isEmpty()
                    ? " (it replicates from no server)"
                    : " (it replicates from " + String.join(", ", otherSources) + "; if that is " + source
                            + " under another name, use the same name in the URL and in CHANGE MASTER TO)"));
        }
        if (!channel.get().usesGtid()) {
            return Optional.of("its replication from " + source + " does not use GTIDs (Using_Gtid=No)");
        }
        return Optional.empty();
    }

    /**
     * Reads the view of {@code source} on {@code server}; each statement is bounded by {@code timeout}. An account
     * that may not read the replication status gets a view without it ({@link #statusUnreadable()} says which right
     * is missing) rather than an error: what the server has needs no privilege.
     */
    public static ReplicationView read(Connection server, ReplicationSource source, Duration timeout)
            throws SQLException {
        return Sessions.withNetworkTimeout(server, timeout, () -> readNow(server, source));
    }

    /**
     * What {@code server} has itself ({@link #own()}: MariaDB {@code @@gtid_binlog_state}, MySQL
     * {@code @@GLOBAL.gtid_executed}), e.g. an abandoned server that is reachable again.
     */
    public static GtidSet readOwn(Connection server, Duration timeout) throws SQLException {
        return Sessions.withNetworkTimeout(server, timeout, () -> {
            try (Statement st = server.createStatement()) {
                ServerFlavour flavour;
                try (ResultSet rs = st.executeQuery("SELECT VERSION()")) {
                    rs.next();
                    flavour = ServerFlavour.ofVersion(rs.getString(1));
                }
                String column = flavour == ServerFlavour.MARIADB ? "@@gtid_binlog_state" : "@@GLOBAL.gtid_executed";
                try (ResultSet rs = st.executeQuery("SELECT " + column)) {
                    rs.next();
                    return gtid(flavour, rs.getString(1), column);
                }
            }
        });
    }

    /**
     * What {@code server} has now ({@link #has()}: MariaDB {@code @@gtid_slave_pos} and {@code @@gtid_binlog_state},
     * MySQL {@code @@GLOBAL.gtid_executed}), one statement bounded by {@code timeout}; needs no privilege.
     */
    public static GtidSet readHas(Connection server, ServerFlavour flavour, Duration timeout) throws SQLException {
        return Sessions.withNetworkTimeout(server, timeout, () -> {
            try (Statement st = server.createStatement()) {
                if (flavour == ServerFlavour.MARIADB) {
                    try (ResultSet rs = st.executeQuery("SELECT @@gtid_slave_pos, @@gtid_binlog_state")) {
                        rs.next();
                        return gtid(flavour, rs.getString(1), "@@gtid_slave_pos")
                                .union(gtid(flavour, rs.getString(2), "@@gtid_binlog_state"));
                    }
                }
                try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
                    rs.next();
                    return gtid(flavour, rs.getString(1), "@@gtid_executed");
                }
            }
        });
    }

    static ReplicationView readNow(Connection server, ReplicationSource source) throws SQLException {
        try (Statement st = server.createStatement()) {
            ServerFlavour flavour;
            try (ResultSet rs = st.executeQuery("SELECT VERSION()")) {
                rs.next();
                flavour = ServerFlavour.ofVersion(rs.getString(1));
            }
            String variables = flavour == ServerFlavour.MARIADB
                    ? "SELECT @@server_id AS server_identity, @@gtid_slave_pos AS applied, "
                            + "@@gtid_binlog_state AS own, 'ON' AS gtid_mode"
                    : "SELECT @@server_uuid AS server_identity, @@GLOBAL.gtid_executed AS applied, "
                            + "@@GLOBAL.gtid_executed AS own, @@GLOBAL.gtid_mode AS gtid_mode";
            List<Map<String, String>> vars = rows(st, variables);
            List<Map<String, String>> status;
            try {
                status = flavour == ServerFlavour.MARIADB ? rows(st, "SHOW ALL SLAVES STATUS") : mysqlStatus(st);
            } catch (SQLException e) {
                if (e.getErrorCode() == ACCESS_DENIED) {
                    return withoutStatus(flavour, vars.get(0), source, "cannot read the replication status ("
                            + e.getMessage() + "); the account needs " + statusRight(flavour));
                }
                throw e;
            }
            return of(flavour, vars.get(0), status, source);
        }
    }

    /** {@code ER_SPECIFIC_ACCESS_DENIED_ERROR}: the account lacks a global right the statement needs. */
    static final int ACCESS_DENIED = 1227;

    /** The right that lets an account read the replication status, in words. */
    public static String statusRight(ServerFlavour flavour) {
        return flavour == ServerFlavour.MARIADB
                ? "SLAVE MONITOR (MariaDB 10.5 and later) or REPLICATION CLIENT (earlier)"
                : "REPLICATION CLIENT";
    }

    /**
     * What the server has ({@link #has()}) without what it received: for an account that may not read the replication
     * status. {@code why} is kept in {@link #statusUnreadable()}.
     */
    public static ReplicationView withoutStatus(ServerFlavour flavour, Map<String, String> variables,
                                                ReplicationSource source, String why) throws SQLException {
        ReplicationView v = of(flavour, variables, List.of(), source);
        return new ReplicationView(flavour, v.serverIdentity, source, Optional.empty(), v.applied, v.own, v.gtidEnabled,
                List.of(), Optional.of(why));
    }

    private static List<Map<String, String>> mysqlStatus(Statement st) throws SQLException {
        try {
            return rows(st, "SHOW REPLICA STATUS");
        } catch (SQLException e) {
            if (e.getErrorCode() != 1064) { // not a syntax error (MySQL before 8.0.22): a real failure
                throw e;
            }
            return rows(st, "SHOW SLAVE STATUS");
        }
    }

    private static List<Map<String, String>> rows(Statement st, String sql) throws SQLException {
        List<Map<String, String>> result = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getString(i));
                }
                result.add(row);
            }
        }
        return result;
    }

    /**
     * Builds a view from rows as the server returned them: {@code variables} with {@code server_identity},
     * {@code applied}, {@code own} and {@code gtid_mode}, and the replica status rows (MariaDB
     * {@code SHOW ALL SLAVES STATUS}, MySQL {@code SHOW REPLICA STATUS} or {@code SHOW SLAVE STATUS}). Column names
     * are matched case-insensitively. A GTID value the flavour cannot read is an {@link SQLNonTransientException}
     * naming the column and the value.
     */
    public static ReplicationView of(ServerFlavour flavour, Map<String, String> variables,
                                     List<Map<String, String>> statusRows, ReplicationSource source)
            throws SQLException {
        Map<String, String> vars = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        vars.putAll(variables);
        boolean gtidEnabled = flavour == ServerFlavour.MARIADB
                || "ON".equalsIgnoreCase(trim(vars.get("gtid_mode")));
        GtidSet applied = gtid(flavour, vars.get("applied"),
                flavour == ServerFlavour.MARIADB ? "@@gtid_slave_pos" : "@@gtid_executed");
        GtidSet own = gtid(flavour, vars.get("own"),
                flavour == ServerFlavour.MARIADB ? "@@gtid_binlog_state" : "@@gtid_executed");
        ReplicaChannel channel = null;
        List<String> otherSources = new ArrayList<>();
        for (Map<String, String> raw : statusRows) {
            Map<String, String> row = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            row.putAll(raw);
            String host = column(row, "Source_Host", "Master_Host");
            String port = column(row, "Source_Port", "Master_Port");
            String identity = flavour == ServerFlavour.MARIADB
                    ? column(row, "Master_Server_Id")
                    : column(row, "Source_UUID", "Master_UUID");
            if (!source.matches(host, port, identity)) {
                otherSources.add(trim(host) + ":" + trim(port));
                continue;
            }
            if (channel != null) {
                throw new SQLNonTransientException("stickyfail: the server replicates from " + source
                        + " through more than one connection ('" + channel.name() + "' and '"
                        + nullToEmpty(column(row, "Connection_name", "Channel_Name")) + "'); cannot tell which "
                        + "one to wait for");
            }
            boolean usesGtid = flavour == ServerFlavour.MARIADB
                    ? !"No".equalsIgnoreCase(trim(column(row, "Using_Gtid")))
                    : gtidEnabled;
            String receivedColumn = flavour == ServerFlavour.MARIADB ? "Gtid_IO_Pos" : "Retrieved_Gtid_Set";
            channel = new ReplicaChannel(
                    nullToEmpty(column(row, "Connection_name", "Channel_Name")),
                    trim(host), parsePort(port),
                    "Yes".equalsIgnoreCase(trim(column(row, "Replica_IO_Running", "Slave_IO_Running"))),
                    "Yes".equalsIgnoreCase(trim(column(row, "Replica_SQL_Running", "Slave_SQL_Running"))),
                    usesGtid,
                    usesGtid ? gtid(flavour, column(row, receivedColumn), receivedColumn) : flavour.empty(),
                    nullToEmpty(column(row, "Last_IO_Error")),
                    nullToEmpty(column(row, "Last_SQL_Error")));
        }
        String identity = trim(vars.get("server_identity"));
        return new ReplicationView(flavour, identity == null ? "" : identity, source, Optional.ofNullable(channel),
                applied, own, gtidEnabled, otherSources, Optional.empty());
    }

    private static GtidSet gtid(ServerFlavour flavour, String value, String column) throws SQLException {
        try {
            return flavour.parse(value);
        } catch (GtidFormatException e) {
            throw new SQLNonTransientException("stickyfail: cannot read " + column + ": " + e.getMessage(), e);
        }
    }

    private static String column(Map<String, String> row, String... names) {
        for (String name : names) {
            if (row.containsKey(name)) {
                return row.get(name);
            }
        }
        return null;
    }

    private static int parsePort(String port) {
        try {
            return Integer.parseInt(port.trim());
        } catch (RuntimeException e) {
            return 0; // only reached for a row matched by identity with an odd port: report it as unknown
        }
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    /** For log lines: the server, what it received from the source, applied and has. */
    @Override
    public String toString() {
        return flavour.name().toLowerCase(java.util.Locale.ROOT) + " server " + serverIdentity + ": "
                + (statusReadable() ? channel.map(Object::toString).orElse("no replication from " + source)
                        : "replication status not readable")
                + ", applied " + applied + ", own " + own;
    }
}
