package dev.stickyfail;

/**
 * What stickyfail's connection errors say about the switch behind them. Implemented by
 * {@link EvictedConnectionException} ({@code 08S01}: nothing committed, retry on a new connection) and
 * {@link CommitOutcomeUnknownException} ({@code 08007}: find out before retrying), which are siblings on purpose: code
 * that retries one must not retry the other by accident.
 */
public interface AbortedConnection {

    /** The server the connection went to. */
    String getServer();

    /** The active server when the connection was aborted, or {@code null} when there was none. */
    String getActiveServer();

    /** The decision's epoch when the connection was aborted. */
    long getEpoch();
}
