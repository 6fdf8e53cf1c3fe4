package dev.stickyfail.probe;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Base of the probes that talk SQL: keeps one session open between probes (cheaper for the server than a login every
 * interval) and opens a fresh one when it broke. When an open session breaks quickly (reset, end of stream: a killed
 * server), the same probe tries a fresh login at once, so a server that is gone is reported as refused within one
 * probe instead of after {@code fall} of them.
 */
public abstract class SessionProbe implements Probe {

    protected final ProbeTarget target;
    private volatile Connection session;
    private volatile boolean closed;

    protected SessionProbe(ProbeTarget target) {
        this.target = target;
    }

    /** Checks the server through an open session; throws or returns a non-pass result when it may not take traffic. */
    protected abstract ProbeResult verify(Connection session) throws SQLException;

    @Override
    public final ProbeResult check() throws SQLException {
        Connection existing = session;
        if (existing != null) {
            long start = System.nanoTime();
            try {
                return verify(existing);
            } catch (SQLException e) {
                abort();
                boolean quick = System.nanoTime() - start < target.timeout().toNanos() / 2;
                if (FailureKind.of(e) != FailureKind.COMMUNICATION || !quick) {
                    throw e;
                }
                // fall through: a session that broke at once says little; a fresh login says whether the server is there
            }
        }
        Connection fresh = target.connect();
        if (closed) { // closed while the login ran: nobody would ever close this session
            abortQuietly(fresh);
            throw new SQLException("probe closed", "08003");
        }
        session = fresh;
        try {
            return verify(fresh);
        } catch (SQLException e) {
            abort();
            throw e;
        }
    }

    @Override
    public void abort() {
        Connection s = session;
        session = null;
        if (s != null) {
            try {
                s.abort(Runnable::run);
            } catch (SQLException | RuntimeException ignored) {
                // the session is being thrown away; nothing more to release
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        abort();
    }

    private static void abortQuietly(Connection c) {
        try {
            c.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // being thrown away
        }
    }

    /** Whether a column value means true: 1, ON, YES, TRUE (case-insensitive). */
    protected static boolean isTrue(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean) {
            return (Boolean) value;
        }
        if (value instanceof Number) {
            return ((Number) value).longValue() != 0;
        }
        String s = value.toString().trim();
        return s.equals("1") || s.equalsIgnoreCase("on") || s.equalsIgnoreCase("yes") || s.equalsIgnoreCase("true");
    }
}
