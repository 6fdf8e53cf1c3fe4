package dev.stickyfail.internal.replication;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one account may do on one server, for the features that need more than a login, read once through a session
 * of that account:
 *
 * <ul>
 * <li>reading the replication status (the {@code replica} probe, the full catch-up, the errant-transaction
 * report's baseline): tried ({@code SHOW ALL SLAVES STATUS} on MariaDB, {@code SHOW REPLICA STATUS} or
 * {@code SHOW SLAVE STATUS} on MySQL), since reading has no effect;</li>
 * <li>setting {@code read_only} (the read-only fence): from the global privileges {@code SHOW GRANTS} lists
 * (the account's own and its active roles'), since trying it would change the server, and setting it back to what
 * was read could undo a change another session made meanwhile;</li>
 * <li>session tracking of GTIDs (the catch-up of acknowledged commits): tried on this session, where it changes only
 * what the server reports to it;</li>
 * <li>whether the server has GTIDs at all (MySQL {@code gtid_mode}).</li>
 * </ul>
 *
 * <p>{@code SHOW GRANTS} lines may hold a password hash (MariaDB): only the privilege names are kept, never a line.
 *
 * @param flavour              MariaDB or MySQL
 * @param version              {@code SELECT VERSION()}
 * @param account              {@code CURRENT_USER()} as {@code 'user'@'host'}, ready for a {@code GRANT}
 * @param statusDenied         the server's refusal to show the replication status, or empty when it showed it
 * @param globalPrivileges     the privileges granted {@code ON *.*}, upper case, underscores as spaces
 *                             ({@code READ ONLY ADMIN}, {@code SYSTEM VARIABLES ADMIN}, {@code ALL PRIVILEGES})
 * @param gtidTrackingRefused  the server's refusal of GTID session tracking, or empty when it accepted it
 * @param gtidModeOn           false only for a MySQL server whose {@code gtid_mode} is not {@code ON}
 */
public record AccountRights(ServerFlavour flavour, String version, String account, String statusDenied,
                            Set<String> globalPrivileges, String gtidTrackingRefused, boolean gtidModeOn) {

    private static final Pattern GLOBAL_GRANT = Pattern.compile("^GRANT (.+?) ON \\*\\.\\* TO ",
            Pattern.CASE_INSENSITIVE);

    public AccountRights {
        globalPrivileges = Collections.unmodifiableSet(new TreeSet<>(globalPrivileges));
    }

    /** Reads them through {@code session} (a fresh session of the account), each statement bounded by {@code timeout}. */
    public static AccountRights read(Connection session, Duration timeout) throws SQLException {
        return Sessions.withNetworkTimeout(session, timeout, () -> {
            try (Statement st = session.createStatement()) {
                String version;
                String account;
                try (ResultSet rs = st.executeQuery("SELECT VERSION(), CURRENT_USER()")) {
                    rs.next();
                    version = rs.getString(1);
                    account = quoteAccount(rs.getString(2));
                }
                ServerFlavour flavour = ServerFlavour.ofVersion(version);
                boolean gtidModeOn = true;
                if (flavour == ServerFlavour.MYSQL) {
                    try (ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_mode")) {
                        rs.next();
                        gtidModeOn = "ON".equalsIgnoreCase(rs.getString(1));
                    }
                }
                String statusDenied = statusDenied(st, flavour);
                Set<String> privileges = new TreeSet<>();
                try (ResultSet rs = st.executeQuery("SHOW GRANTS")) {
                    while (rs.next()) {
                        privileges.addAll(globalPrivileges(rs.getString(1)));
                    }
                }
                String refused = "";
                try {
                    st.execute(flavour == ServerFlavour.MARIADB
                            ? "SET SESSION session_track_system_variables = 'last_gtid'"
                            : "SET SESSION session_track_gtids = OWN_GTID");
                } catch (SQLException e) {
                    if (e.getSQLState() != null && e.getSQLState().startsWith("08")) {
                        throw e;
                    }
                    refused = e.getMessage();
                }
                return new AccountRights(flavour, version, account, statusDenied, privileges, refused, gtidModeOn);
            }
        });
    }

    private static String statusDenied(Statement st, ServerFlavour flavour) throws SQLException {
        try {
            if (flavour == ServerFlavour.MARIADB) {
                st.executeQuery("SHOW ALL SLAVES STATUS").close();
            } else {
                try {
                    st.executeQuery("SHOW REPLICA STATUS").close();
                } catch (SQLException e) {
                    if (e.getErrorCode() != 1064) { // not a syntax error (before 8.0.22): a real answer
                        throw e;
                    }
                    st.executeQuery("SHOW SLAVE STATUS").close();
                }
            }
            return "";
        } catch (SQLException e) {
            if (e.getErrorCode() == ReplicationView.ACCESS_DENIED) {
                return e.getMessage();
            }
            throw e;
        }
    }

    /**
     * The privileges a {@code SHOW GRANTS} line grants {@code ON *.*}, normalised; none for any other line (database
     * or table grants, role grants, {@code PROXY}).
     */
    static Set<String> globalPrivileges(String grantLine) {
        Set<String> result = new TreeSet<>();
        if (grantLine == null) {
            return result;
        }
        Matcher m = GLOBAL_GRANT.matcher(grantLine.trim());
        if (!m.find()) {
            return result;
        }
        for (String p : m.group(1).split(",")) {
            String name = p.trim().replace('_', ' ').replaceAll("\\s+", " ").toUpperCase(Locale.ROOT);
            if (!name.isEmpty() && !name.startsWith("`") && !name.startsWith("'")) {
                result.add(name.equals("ALL") ? "ALL PRIVILEGES" : name);
            }
        }
        return result;
    }

    /** {@code app@%} as {@code 'app'@'%'}. */
    static String quoteAccount(String currentUser) {
        if (currentUser == null) {
            return "";
        }
        int at = currentUser.lastIndexOf('@');
        String user = at < 0 ? currentUser : currentUser.substring(0, at);
        String host = at < 0 ? "%" : currentUser.substring(at + 1);
        return "'" + user.replace("'", "''") + "'@'" + host.replace("'", "''") + "'";
    }

    /** Whether the account may read the replication status. */
    public boolean readsReplicationStatus() {
        return statusDenied.isEmpty();
    }

    /**
     * The privilege that lets an account read the replication status on this server: MySQL {@code REPLICATION CLIENT};
     * MariaDB {@code SLAVE MONITOR} from 10.5.9, {@code REPLICATION SLAVE ADMIN} in 10.5.2 to 10.5.8,
     * {@code REPLICATION CLIENT} before.
     */
    public String replicationStatusPrivilege() {
        if (flavour == ServerFlavour.MYSQL) {
            return "REPLICATION CLIENT";
        }
        if (atLeast(10, 5, 9)) {
            return "SLAVE MONITOR";
        }
        return atLeast(10, 5, 2) ? "REPLICATION SLAVE ADMIN" : "REPLICATION CLIENT";
    }

    /**
     * Whether the account may set {@code read_only}: MySQL {@code SYSTEM_VARIABLES_ADMIN} or {@code SUPER}; MariaDB
     * from 11.0.1 {@code READ_ONLY ADMIN} only (MDEV-29596 took it out of {@code SUPER}), from 10.5.2
     * {@code READ_ONLY ADMIN} or {@code SUPER}, before that {@code SUPER}; {@code ALL PRIVILEGES} on all of them.
     */
    public boolean setsReadOnly() {
        if (globalPrivileges.contains("ALL PRIVILEGES")) {
            return true;
        }
        if (flavour == ServerFlavour.MYSQL) {
            return globalPrivileges.contains("SYSTEM VARIABLES ADMIN") || globalPrivileges.contains("SUPER");
        }
        boolean readOnlyAdmin = globalPrivileges.contains("READ ONLY ADMIN");
        if (atLeast(11, 0, 1)) {
            return readOnlyAdmin;
        }
        return readOnlyAdmin && atLeast(10, 5, 2) || globalPrivileges.contains("SUPER");
    }

    /** The privilege to grant for {@link #setsReadOnly()}. */
    public String readOnlyPrivilege() {
        if (flavour == ServerFlavour.MYSQL) {
            return "SYSTEM_VARIABLES_ADMIN";
        }
        return atLeast(10, 5, 2) ? "READ_ONLY ADMIN" : "SUPER";
    }

    /** {@code GRANT <privilege> ON *.* TO <account>}. */
    public String grant(String privilege) {
        return "GRANT " + privilege + " ON *.* TO " + account;
    }

    /** Whether the server reports each commit's GTID to a session that asks. */
    public boolean tracksGtids() {
        return gtidTrackingRefused.isEmpty();
    }

    private boolean atLeast(int major, int minor, int patch) {
        Matcher m = Pattern.compile("^(\\d{1,6})\\.(\\d{1,6})\\.(\\d{1,6})").matcher(version == null ? "" : version);
        if (!m.find()) {
            return true; // an unreadable version: assume a current server
        }
        int[] v = {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))};
        int[] w = {major, minor, patch};
        for (int i = 0; i < 3; i++) {
            if (v[i] != w[i]) {
                return v[i] > w[i];
            }
        }
        return true;
    }
}
