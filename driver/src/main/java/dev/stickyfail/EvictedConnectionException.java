package dev.stickyfail;

import java.sql.SQLRecoverableException;

/**
 * {@code 08S01}: the connection was aborted because its server was marked down or stopped being the active server.
 * Nothing sent on it after the abort reached a server, and a transaction that was open on it was not committed (a
 * commit or an autocommit statement in flight gets {@link CommitOutcomeUnknownException} instead). Get a new
 * connection (it goes to the active server) and retry the transaction.
 */
public class EvictedConnectionException extends SQLRecoverableException {

    private static final long serialVersionUID = 1L;

    private final String server;
    private final String activeServer;
    private final long epoch;

    public EvictedConnectionException(String message, String sqlState, String server, String activeServer, long epoch,
                                      Throwable cause) {
        super(message, sqlState, cause);
        this.server = server;
        this.activeServer = activeServer;
        this.epoch = epoch;
    }

    /** The server the connection went to. */
    public String getServer() {
        return server;
    }

    /** The active server when the connection was aborted, or {@code null} when there was none. */
    public String getActiveServer() {
        return activeServer;
    }

    /** The decision's epoch when the connection was aborted. */
    public long getEpoch() {
        return epoch;
    }
}
