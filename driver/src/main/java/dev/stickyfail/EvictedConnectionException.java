package dev.stickyfail;

import java.sql.SQLRecoverableException;

/**
 * {@code 08S01}: the connection was aborted because its server was marked down or stopped being the active server,
 * or it broke while nothing that could commit was in flight. Nothing sent on it after the abort reached a server, and a
 * transaction that was open on it was not committed. Safe to retry: get a new connection (it goes to the active
 * server) and run the whole transaction again.
 *
 * <p>Not a superclass of {@link CommitOutcomeUnknownException}: an unknown outcome is never "safe to retry".
 */
public class EvictedConnectionException extends SQLRecoverableException implements AbortedConnection {

    private static final long serialVersionUID = 1L;

    private final String server;
    private final String activeServer;
    private final long epoch;

    public EvictedConnectionException(String message, String server, String activeServer, long epoch, Throwable cause) {
        super(message, SqlStates.CONNECTION_ABORTED, cause);
        this.server = server;
        this.activeServer = activeServer;
        this.epoch = epoch;
    }

    @Override
    public String getServer() {
        return server;
    }

    @Override
    public String getActiveServer() {
        return activeServer;
    }

    @Override
    public long getEpoch() {
        return epoch;
    }
}
