package dev.stickyfail;

import java.sql.SQLTransientConnectionException;

/**
 * {@code 08001}, transient: no server of the group was usable within {@code stickyfail.failoverTimeout} (every server
 * down, a failover that took longer, or the group being stopped). Try again later; nothing was sent anywhere. The
 * message lists each server with its state and last probe result. Misconfiguration is never this class: it is a
 * {@link java.sql.SQLNonTransientConnectionException} with the same SQLState.
 */
public class NoUsableServerException extends SQLTransientConnectionException {

    private static final long serialVersionUID = 1L;

    public NoUsableServerException(String message, Throwable cause) {
        super(message, SqlStates.UNABLE_TO_CONNECT, cause);
    }
}
