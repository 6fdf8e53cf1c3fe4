package dev.stickyfail.internal.replication;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

/** Runs statements on a caller's connection under a network (socket) timeout, then puts the old one back. */
final class Sessions {

    interface SqlWork<T> {
        T run() throws SQLException;
    }

    private Sessions() {
    }

    static <T> T withNetworkTimeout(Connection c, Duration timeout, SqlWork<T> work) throws SQLException {
        int previous = c.getNetworkTimeout();
        // A socket timeout of 0 means "for ever" to Connector/J: never set it by rounding a short one down.
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        c.setNetworkTimeout(Runnable::run, millis);
        try {
            return work.run();
        } finally {
            if (!c.isClosed()) {
                try {
                    c.setNetworkTimeout(Runnable::run, previous);
                } catch (SQLException ignored) {
                    // the connection broke meanwhile; the caller learns that from its own use of it
                }
            }
        }
    }
}
