package dev.stickyfail;

import java.sql.SQLNonTransientConnectionException;

/**
 * {@code 08001}, and not transient: the group refuses to choose a server because its state file exists but cannot be
 * trusted (unreadable, corrupt, another group's, naming a server not in the URL, or left stale by a switch whose write
 * failed). Choosing the first server would risk writing to the server the group had left. An operator resolves it:
 * {@code switchTo} through JMX or the admin API, or deleting the file (then the group starts fresh). The message names
 * the file and what is wrong with it. {@code stickyfail.stateFileUnusable=fresh-start} opts out of this.
 */
public class UntrustedDecisionException extends SQLNonTransientConnectionException {

    private static final long serialVersionUID = 1L;

    public UntrustedDecisionException(String message) {
        super(message, SqlStates.UNABLE_TO_CONNECT);
    }
}
