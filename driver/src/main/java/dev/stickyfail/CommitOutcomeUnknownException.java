package dev.stickyfail;

import java.sql.SQLNonTransientConnectionException;

/**
 * {@code 08007}: something that may commit was in flight when the connection was aborted or broke: a {@code commit()},
 * a statement in autocommit mode, or a statement that commits implicitly (DDL, {@code COMMIT}, {@code BEGIN},
 * {@code SET autocommit=1}, a {@code CALL}). It may or may not have been committed (a hung server runs what it had
 * already received when it wakes up). Do not retry blindly: find out first (read what the transaction wrote, or make
 * the retry idempotent). The connection is unusable; pools must discard it.
 *
 * <p>A sibling of {@link EvictedConnectionException}, not a subclass: catching "evicted, safe to retry" never catches
 * this.
 */
public class CommitOutcomeUnknownException extends SQLNonTransientConnectionException implements AbortedConnection {

    private static final long serialVersionUID = 1L;

    private final String server;
    private final String activeServer;
    private final long epoch;

    public CommitOutcomeUnknownException(String message, String server, String activeServer, long epoch, Throwable cause) {
        super(message, SqlStates.TRANSACTION_RESOLUTION_UNKNOWN, cause);
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
