package dev.stickyfail.internal.health;

import com.mysql.cj.MysqlConnection;
import com.mysql.cj.NativeSession;
import com.mysql.cj.jdbc.JdbcConnection;
import com.mysql.cj.protocol.PacketReceivedTimeHolder;
import com.mysql.cj.protocol.PacketSentTimeHolder;
import com.mysql.cj.protocol.Protocol;

import java.sql.Connection;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the application's own sessions to one server show, read from the times Connector/J keeps anyway (its
 * {@code maintainTimeStats}, on by default: the "last packet received ... ms ago" of its error messages): when the
 * server last sent anything on any of them, and the oldest request sent after that which is still unanswered. A
 * connection still being opened is such a request too, from the moment its attempt started (a hung server's kernel
 * accepts the TCP connection, and the greeting never comes). Nothing is added to the statement path; a scan reads two
 * fields per connection.
 *
 * <p>A hung or cut-off server leaves every request unanswered from the moment it hangs, while a probe may be up to
 * {@code checkInterval} away. That evidence only makes the monitor probe at once: it never counts as a failure, since a
 * long statement, or a lock wait, also goes unanswered while the server is fine.
 */
final class ApplicationTraffic {

    /** A scan: both times on the wall clock in milliseconds (Connector/J's), 0 when unknown. */
    record Scan(long lastReceivedMillis, long oldestUnansweredMillis) {
        static final Scan NONE = new Scan(0, 0);

        /**
         * How long a request has waited that was sent when the server had been silent since {@code quietSinceMillis}
         * (its last answer to anyone, probes included) at the latest: 0 when none waits.
         */
        long silentWaitMillis(long nowMillis) {
            return oldestUnansweredMillis == 0 ? 0 : Math.max(0, nowMillis - oldestUnansweredMillis);
        }
    }

    private final ApplicationSessions sessions;

    ApplicationTraffic(ApplicationSessions sessions) {
        this.sessions = sessions;
    }

    /**
     * Reads every session: the latest receive, and the oldest send still unanswered that came after the server's last
     * answer on any session or to a probe ({@code answeredMillis}); a request sent before that answer is merely slow
     * (the server was alive after it was sent), so it is not evidence of silence.
     */
    Scan scan(long answeredMillis) {
        long lastReceived = 0;
        long[] pendingSends = null;
        int pending = 0;
        for (Connection c : sessions.established()) {
            Protocol<?> protocol = protocolOf(c);
            if (protocol == null) {
                continue;
            }
            long received;
            long sent;
            try {
                PacketReceivedTimeHolder r = protocol.getPacketReceivedTimeHolder();
                PacketSentTimeHolder s = protocol.getPacketSentTimeHolder();
                received = r == null ? 0 : r.getLastPacketReceivedTime();
                sent = s == null ? 0 : s.getLastPacketSentTime();
            } catch (RuntimeException e) {
                continue; // closed meanwhile
            }
            lastReceived = Math.max(lastReceived, received);
            // both in milliseconds: a request sent in the millisecond its session last received an answer is
            // unanswered if a statement still holds the session
            if (sent != 0 && (sent > received || sent == received && statementRunning(c))) {
                if (pendingSends == null) {
                    pendingSends = new long[8];
                } else if (pending == pendingSends.length) {
                    pendingSends = Arrays.copyOf(pendingSends, pending * 2);
                }
                pendingSends[pending++] = sent;
            }
        }
        long quiet = Math.max(lastReceived, answeredMillis);
        long oldest = 0;
        for (int i = 0; i < pending; i++) {
            oldest = olderSentAfter(quiet, oldest, pendingSends[i]);
        }
        for (long started : sessions.attemptStarts()) {
            oldest = olderSentAfter(quiet, oldest, started);
        }
        return new Scan(lastReceived, oldest);
    }

    /** {@code sent} if it is a request sent after the server fell quiet and older than {@code oldest} (0: none yet). */
    private static long olderSentAfter(long quiet, long oldest, long sent) {
        return sent >= quiet && (oldest == 0 || sent < oldest) ? sent : oldest;
    }

    /** The latest time (wall clock, milliseconds) any session received a packet from the server; 0 when none did. */
    long lastReceivedMillis() {
        long lastReceived = 0;
        for (Connection c : sessions.established()) {
            Protocol<?> protocol = protocolOf(c);
            if (protocol == null) {
                continue;
            }
            try {
                PacketReceivedTimeHolder r = protocol.getPacketReceivedTimeHolder();
                lastReceived = Math.max(lastReceived, r == null ? 0 : r.getLastPacketReceivedTime());
            } catch (RuntimeException e) {
                // closed meanwhile
            }
        }
        return lastReceived;
    }

    private static boolean statementRunning(Connection c) {
        try {
            return c instanceof JdbcConnection jc && jc.getConnectionLock() instanceof ReentrantLock lock
                    && lock.isLocked();
        } catch (RuntimeException e) {
            return false; // closed meanwhile
        }
    }

    private static Protocol<?> protocolOf(Connection c) {
        try {
            if (c instanceof MysqlConnection m && m.getSession() instanceof NativeSession s) {
                return s.getProtocol();
            }
        } catch (RuntimeException e) {
            // a closed connection may have no session any more
        }
        return null;
    }
}
