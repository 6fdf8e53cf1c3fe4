package dev.stickyfail.internal.runtime;

import com.mysql.cj.jdbc.JdbcConnection;
import dev.stickyfail.internal.replication.ServerFlavour;
import dev.stickyfail.probe.FailureKind;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Asks the server to report, in its replies on an application connection (Connector/J must have negotiated session
 * tracking, {@code trackSessionState=true}):
 * <ul>
 * <li>every change of session state ({@code session_track_state_change}), so that a connection aborted by a switch is
 * replaced only when the server said its session held nothing that cannot be restored;</li>
 * <li>the GTID of each commit (MariaDB: {@code last_gtid} added to {@code session_track_system_variables}; MySQL:
 * {@code session_track_gtids=OWN_GTID}), so that a switch can wait on the new server for every commit the application
 * was told succeeded. Neither needs a privilege.</li>
 * </ul>
 * One round trip when the connection is opened (two on a server that refuses the GTIDs), bounded by the connect
 * budget.
 */
final class SessionTracking {

    /** The server reports changes of session state. */
    static final int STATE = 1;
    /** The server reports the GTID of each commit. */
    static final int GTIDS = 2;

    private static final String STATE_CHANGES = "session_track_state_change = ON";
    /** Adds {@code last_gtid} to what the session tracks, keeping what it tracks already ({@code *} is everything). */
    private static final String MARIADB_GTIDS = "session_track_system_variables = IF(@@session.session_track_system_variables"
            + " = '*' OR FIND_IN_SET('last_gtid', @@session.session_track_system_variables) > 0, "
            + "@@session.session_track_system_variables, "
            + "CONCAT_WS(',', NULLIF(@@session.session_track_system_variables, ''), 'last_gtid'))";
    private static final String MYSQL_GTIDS = "session_track_gtids = OWN_GTID";

    private SessionTracking() {
    }

    /**
     * @param stateChanges ask for changes of session state
     * @param gtids        ask for each commit's GTID
     * @return what the server now reports on {@code physical}: {@link #STATE} and {@link #GTIDS} bits; 0 when
     *         Connector/J did not negotiate tracking or the server refused (a server error: the connection stays usable)
     * @throws SQLException when the connection broke (the caller treats it as a failed attempt to connect), or with
     *                      {@code HY000} when Connector/J is not laid out as expected (the connection is aborted)
     */
    static int enable(Connection physical, long budgetMillis, boolean stateChanges, boolean gtids) throws SQLException {
        try {
            return enableOrThrow(physical, budgetMillis, stateChanges, gtids);
        } catch (RuntimeException e) {
            // another Connector/J layout: the connection was never handed out, so it must not leak
            try {
                physical.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // already broken: it carries no traffic either way
            }
            throw new SQLException("stickyfail: could not ask the server to report session state changes on a new "
                    + "connection (" + e + "); stickyfail.replaceIdleConnections=false and stickyfail.switchCatchUp=false "
                    + "open connections without it", "HY000", e);
        }
    }

    private static int enableOrThrow(Connection physical, long budgetMillis, boolean stateChanges, boolean gtids)
            throws SQLException {
        if (!stateChanges && !gtids || !(physical instanceof JdbcConnection jc)
                || !jc.getSession().getServerSession().isSessionStateTrackingEnabled()) {
            return 0;
        }
        String gtidSetting = null;
        if (gtids) {
            gtidSetting = ServerFlavour.ofVersion(String.valueOf(jc.getServerVersion())) == ServerFlavour.MARIADB
                    ? MARIADB_GTIDS : MYSQL_GTIDS;
        }
        int userTimeout = physical.getNetworkTimeout();
        physical.setNetworkTimeout(Runnable::run, (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetMillis)));
        try (Statement st = physical.createStatement()) {
            if (gtidSetting != null) {
                try {
                    st.execute("SET SESSION " + (stateChanges ? STATE_CHANGES + ", " : "") + gtidSetting);
                    return (stateChanges ? STATE : 0) | GTIDS;
                } catch (SQLException e) {
                    if (FailureKind.of(e) != FailureKind.SERVER) {
                        throw e;
                    }
                    if (!stateChanges) {
                        return 0; // an older server: no GTIDs reported, and the catch-up waits for none
                    }
                }
            }
            st.execute("SET SESSION " + STATE_CHANGES);
            return STATE;
        } catch (SQLException e) {
            if (FailureKind.of(e) == FailureKind.SERVER) {
                return 0;
            }
            physical.abort(Runnable::run);
            throw e;
        } finally {
            if (!physical.isClosed()) {
                physical.setNetworkTimeout(Runnable::run, userTimeout);
            }
        }
    }
}
