package dev.stickyfail;

/**
 * {@code 08007}: something that commits was in flight when the connection was aborted or broke: a {@code commit()},
 * or a statement that may change data in autocommit mode. It may or may not have been committed (a hung server
 * executes what it had already received when it wakes up); the application must find out (an idempotent retry, or
 * a read) before it retries.
 */
public class CommitOutcomeUnknownException extends EvictedConnectionException {

    private static final long serialVersionUID = 1L;

    public CommitOutcomeUnknownException(String message, String server, String activeServer, long epoch, Throwable cause) {
        super(message, SqlStates.TRANSACTION_RESOLUTION_UNKNOWN, server, activeServer, epoch, cause);
    }
}
