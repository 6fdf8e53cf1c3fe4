package dev.stickyfail;

import java.sql.SQLTransientConnectionException;

/**
 * {@code 08001}: no server of the group was usable within {@code stickyfail.failoverTimeout}. The message lists each
 * server with its state and last probe result.
 */
public class NoUsableServerException extends SQLTransientConnectionException {

    private static final long serialVersionUID = 1L;

    public NoUsableServerException(String message, Throwable cause) {
        super(message, SqlStates.UNABLE_TO_CONNECT, cause);
    }
}
