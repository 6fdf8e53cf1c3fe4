package dev.stickyfail.internal.runtime;

import dev.stickyfail.CommitOutcomeUnknownException;
import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.config.ServerAddress;

import java.sql.SQLException;

/** Why connections to a server were aborted, and what the group looked like then. Immutable; shared by a batch. */
public final class Eviction {

    private final ServerAddress server;
    private final String why;
    private final ServerAddress active;
    private final long epoch;
    private final String message;

    public Eviction(String group, ServerAddress server, String why, ServerAddress active, long epoch) {
        this.server = server;
        this.why = why;
        this.active = active;
        this.epoch = epoch;
        this.message = "stickyfail[" + group + "]: connection to " + server + " was aborted (" + why + "); "
                + (active == null ? "no other server is usable yet" : "the active server is now " + active)
                + " (epoch " + epoch + ")";
    }

    public ServerAddress server() {
        return server;
    }

    public String why() {
        return why;
    }

    /** {@code 08S01}: any use of the connection after the abort, and anything in flight that cannot have committed. */
    public SQLException toException(SQLException cause) {
        return new EvictedConnectionException(message, server.toString(), active == null ? null : active.toString(),
                epoch, cause);
    }

    /**
     * {@code 08007}: the abort hit something that may commit while it may have been in flight; a hung server executes
     * what it had received when it wakes up.
     */
    public SQLException toUnknownOutcomeException(SQLException cause, String inFlight) {
        return new CommitOutcomeUnknownException(message + "; " + inFlight + " was in flight: its outcome is unknown",
                server.toString(), active == null ? null : active.toString(), epoch, cause);
    }
}
