package dev.stickyfail.internal.runtime;

import com.mysql.cj.jdbc.JdbcConnection;
import dev.stickyfail.probe.FailureKind;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Asks the server to report every change of session state on an application connection ({@code
 * session_track_state_change}; Connector/J must have negotiated session tracking, {@code trackSessionState=true}), so
 * that a connection aborted by a switch is replaced only when the server said its session held nothing that cannot be
 * restored. One round trip when the connection is opened, bounded by the connect budget.
 */
final class SessionTracking {

    private SessionTracking() {
    }

    /**
     * @return whether the server now reports session changes on {@code physical}; false when Connector/J did not
     *         negotiate tracking or the server does not know the variable (a server error: the connection stays usable)
     * @throws SQLException when the connection broke (the caller treats it as a failed attempt to connect), or with
     *                      {@code HY000} when Connector/J is not laid out as expected (the connection is aborted)
     */
    static boolean enable(Connection physical, long budgetMillis) throws SQLException {
        try {
            return enableOrThrow(physical, budgetMillis);
        } catch (RuntimeException e) {
            // another Connector/J layout: the connection was never handed out, so it must not leak
            try {
                physical.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // already broken: it carries no traffic either way
            }
            throw new SQLException("stickyfail: could not ask the server to report session state changes on a new "
                    + "connection (" + e + "); stickyfail.replaceIdleConnections=false opens connections without it",
                    "HY000", e);
        }
    }

    private static boolean enableOrThrow(Connection physical, long budgetMillis) throws SQLException {
        if (!(physical instanceof JdbcConnection jc) || !jc.getSession().getServerSession().isSessionStateTrackingEnabled()) {
            return false;
        }
        int userTimeout = physical.getNetworkTimeout();
        physical.setNetworkTimeout(Runnable::run, (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetMillis)));
        try (Statement st = physical.createStatement()) {
            st.execute("SET SESSION session_track_state_change = ON");
            return true;
        } catch (SQLException e) {
            if (FailureKind.of(e) == FailureKind.SERVER) {
                return false;
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
