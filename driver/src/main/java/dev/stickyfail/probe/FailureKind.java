package dev.stickyfail.probe;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/**
 * The one place that decides what an error says about a server: gone (refused), unreachable or hung
 * (communication), or alive but refusing (server). Probes and passive detection both use it.
 */
public enum FailureKind {
    /** A TCP connection was refused: nothing listens on the port. */
    REFUSED,
    /** The network or the server did not answer, or a session broke: SQLState class 08 (but 08003/08004), timeouts. */
    COMMUNICATION,
    /** The server answered with an error: too many connections (08004), a failed login (28000), an SQL error. */
    SERVER;

    public static FailureKind of(Throwable error) {
        if (error instanceof SQLException && isApplicationSide(((SQLException) error).getSQLState())) {
            return SERVER; // whatever broke the connection before, this error is about its use, not the server
        }
        if (error instanceof SQLException && answeredBySession(((SQLException) error).getErrorCode())) {
            return SERVER;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException && !(t instanceof NoRouteToHostException)) {
                return REFUSED;
            }
            if (t instanceof SocketTimeoutException || t instanceof UnknownHostException
                    || t instanceof SocketException || t instanceof java.io.EOFException) {
                return COMMUNICATION;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        if (error instanceof SQLException) {
            return isCommunicationState(((SQLException) error).getSQLState()) ? COMMUNICATION : SERVER;
        }
        return error instanceof java.io.IOException ? COMMUNICATION : SERVER;
    }

    /**
     * SQLState class 08 says the connection is broken, except 08003 (the application used a closed connection) and
     * 08004 (the server rejected the connection, e.g. too many connections: it is alive).
     */
    public static boolean isCommunicationState(String sqlState) {
        return sqlState != null && sqlState.startsWith("08") && !isApplicationSide(sqlState);
    }

    /**
     * Errors the server sends on a session that stays open, although Connector/J gives them SQLState 08S01: 1047
     * (a Galera node refusing statements while it is not ready: "WSREP has not yet prepared node for application use")
     * and 1153 (a packet larger than {@code max_allowed_packet}). The server answered; counting them as a broken
     * connection made a Galera view change, which refuses statements on every node for a moment, mark two healthy
     * nodes down within milliseconds.
     */
    private static boolean answeredBySession(int vendorCode) {
        return vendorCode == 1047 || vendorCode == 1153;
    }

    private static boolean isApplicationSide(String sqlState) {
        return "08003".equals(sqlState) || "08004".equals(sqlState);
    }
}
