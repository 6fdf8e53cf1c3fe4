package dev.stickyfail.internal.health;

import java.sql.Connection;

/** The application's side of one server, as its monitor reads it in the background (never on the statement path). */
public interface ApplicationSessions {

    /** The application's established connections to the server (Connector/J's), a live view. */
    Iterable<? extends Connection> established();

    /**
     * When each of the application's attempts to open a connection to the server, still in progress, started (wall
     * clock, milliseconds); empty when none. A hung server accepts the TCP connection and never sends its greeting: an
     * application that opens connections often waits there, not in a statement.
     */
    long[] attemptStarts();
}
