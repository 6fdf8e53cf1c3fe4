package dev.stickyfail.internal.replication;

import dev.stickyfail.internal.replication.CatchUpResult.Outcome;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits, on the server a switch is about to make active, until it has applied every transaction it had received
 * from the server being abandoned: MariaDB {@code MASTER_GTID_WAIT(pos, timeout)}, MySQL
 * {@code WAIT_FOR_EXECUTED_GTID_SET(set, timeout)}.
 *
 * <p>Bounded: {@link #run()} returns within {@code timeout} of being called (plus the time to notice a broken
 * socket), whatever the server does. Every statement runs under a socket timeout no longer than what remains, and
 * the server-side wait is shorter still, so a live server answers "timed out" itself, before the socket gives up.
 * {@link #abort()} from another thread ends it at once by aborting the connection.
 *
 * <p>It waits only for what is pending (received, not yet applied): a caught-up server costs the three reads of
 * the view and no wait, and domains or sources the server already has are not waited on (a MariaDB replica may list
 * its own domain in {@code Gtid_IO_Pos}, which {@code gtid_slave_pos} never reaches).
 *
 * <p>The connection is the caller's; it should be a fresh session to the new server with the rights to read
 * replication status ({@code SLAVE MONITOR} or {@code REPLICATION CLIENT}). After {@link #abort()} it is unusable.
 * One instance runs once.
 */
public final class CatchUp {

    /**
     * Time left for the answer to arrive after the server's own wait ends (at most a quarter of what remains): a
     * loaded server that answers "timed out" a little late must not look like a dead one.
     */
    private static final long ANSWER_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How often MySQL is asked, once less than a whole second of server-side wait is left. */
    private static final long POLL_MILLIS = 50;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(POLL_MILLIS);
    private static final int TIMED_OUT = Integer.MAX_VALUE;

    private final Connection connection;
    private final ReplicationSource source;
    private final Duration timeout;
    private volatile boolean aborted;

    public CatchUp(Connection connection, ReplicationSource source, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a catch-up needs a positive timeout, got " + timeout);
        }
        this.connection = connection;
        this.source = source;
        this.timeout = timeout;
    }

    /** Never throws: every failure is a {@link Outcome#FAILED} result saying why. */
    public CatchUpResult run() {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        ReplicationView view = null;
        GtidSet pending = null;
        try {
            view = ReplicationView.read(connection, source, Duration.ofNanos(deadline - System.nanoTime()));
            Optional<String> notApplicable = view.notApplicable();
            if (notApplicable.isPresent()) {
                return result(Outcome.NOT_APPLICABLE, start, notApplicable.get(), view, null);
            }
            ReplicaChannel channel = view.channel().orElseThrow();
            pending = view.pending();
            if (pending.isEmpty()) {
                return result(Outcome.CAUGHT_UP, start, "", view, null);
            }
            if (channel.applierFailed()) {
                return result(Outcome.FAILED, start, "the replication SQL thread stopped with an error, "
                        + pending.count() + " transaction(s) not applied: " + channel.lastSqlError(), view, pending);
            }
            return waitFor(view, pending, start, deadline);
        } catch (SQLException | RuntimeException e) {
            if (aborted) {
                return result(Outcome.FAILED, start, "aborted", view, pending);
            }
            return result(Outcome.FAILED, start, describe(e, start), view, pending);
        }
    }

    private CatchUpResult waitFor(ReplicationView view, GtidSet pending, long start, long deadline)
            throws SQLException {
        Answer answer = view.flavour() == ServerFlavour.MARIADB
                ? mariaDbWait(view, pending, deadline)
                : mysqlWait(pending, deadline);
        if (answer.value == 0) {
            return result(Outcome.CAUGHT_UP, start, "applied " + pending.count() + " transaction(s) received from "
                    + source, view, pending);
        }
        if (answer.value == TIMED_OUT) {
            return result(Outcome.TIMED_OUT, start, timedOut(pending), view, pending);
        }
        return result(Outcome.FAILED, start, "'" + answer.sql + "' returned "
                + (answer.value == Integer.MIN_VALUE ? "NULL" : Integer.toString(answer.value)) + " for '"
                + answer.target + "'", view, pending);
    }

    /** {@code MASTER_GTID_WAIT}: one server-side wait for what remains, in milliseconds; -1 when it timed out. */
    private Answer mariaDbWait(ReplicationView view, GtidSet pending, long deadline) throws SQLException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return new Answer(TIMED_OUT, "", "");
        }
        // Only the domains still pending: a domain it has through its own binlog is never reached by slave_pos.
        MariaDbGtidSet received = (MariaDbGtidSet) view.received();
        String target = received.onlyDomains(((MariaDbGtidSet) pending).domains()).toPosition();
        BigDecimal seconds = BigDecimal.valueOf(TimeUnit.NANOSECONDS.toMillis(serverWait(remaining))).movePointLeft(3);
        Answer answer = query("SELECT MASTER_GTID_WAIT(?, ?)", target, seconds, remaining);
        return answer.value == -1 ? new Answer(TIMED_OUT, answer.sql, target) : answer;
    }

    /**
     * {@code WAIT_FOR_EXECUTED_GTID_SET}, which reads its timeout in whole seconds (8.0.15 waits 1 s for 1.5 and
     * returns at once for 0.5; with 0 it had not returned after 10 s): the server waits the whole seconds, then a
     * {@code GTID_SUBSET} check every {@value #POLL_MILLIS} ms covers the rest, so the wait lasts the timeout on every
     * version. 1 from either means not yet.
     */
    private Answer mysqlWait(GtidSet pending, long deadline) throws SQLException {
        String target = pending.toString();
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                return new Answer(TIMED_OUT, "", target);
            }
            long whole = TimeUnit.NANOSECONDS.toSeconds(serverWait(remaining));
            Answer answer = whole >= 1
                    ? query("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)", target, BigDecimal.valueOf(whole), remaining)
                    : query("SELECT IF(GTID_SUBSET(?, @@GLOBAL.gtid_executed), 0, 1)", target, null, remaining);
            if (answer.value != 1) {
                return answer;
            }
            long left = deadline - System.nanoTime();
            if (left <= POLL_NANOS) {
                return new Answer(TIMED_OUT, answer.sql, target);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** The server's own wait: what remains less a grace for its answer, so it answers before the socket gives up. */
    private static long serverWait(long remaining) {
        return Math.max(remaining - Math.min(ANSWER_GRACE_NANOS, remaining / 4), 0);
    }

    /** One wait statement under a socket timeout of what remains; {@code seconds} null for a one-argument one. */
    private Answer query(String sql, String target, BigDecimal seconds, long remaining) throws SQLException {
        int value = Sessions.withNetworkTimeout(connection, Duration.ofNanos(remaining), () -> {
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                ps.setString(1, target);
                if (seconds != null) {
                    ps.setBigDecimal(2, seconds);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    int v = rs.getInt(1);
                    return rs.wasNull() ? Integer.MIN_VALUE : v;
                }
            }
        });
        return new Answer(value, sql, target);
    }

    /** What a wait statement returned: 0 caught up, {@link #TIMED_OUT}, anything else a failure to report. */
    private record Answer(int value, String sql, String target) {
    }

    /**
     * Ends a running {@link #run()} at once (it returns {@link Outcome#FAILED}, "aborted") by aborting the
     * connection. Safe from any thread, idempotent.
     */
    public void abort() {
        aborted = true;
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // already closed or broken: run() ends either way
        }
    }

    private String timedOut(GtidSet pending) {
        return "not caught up within " + timeout.toMillis() + " ms; " + pending.count()
                + " transaction(s) received from " + source + " were not applied when the wait began: "
                + GtidRange.summary(pending.ranges());
    }

    private String describe(Exception e, long start) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof SQLException && ((SQLException) e).getSQLState() != null
                && ((SQLException) e).getSQLState().startsWith("08")) {
            return "no usable answer from the server after " + millis + " ms: " + message;
        }
        return message;
    }

    private static CatchUpResult result(Outcome outcome, long start, String detail, ReplicationView view,
                                        GtidSet waitedFor) {
        return new CatchUpResult(outcome, Duration.ofNanos(System.nanoTime() - start), detail,
                Optional.ofNullable(view), Optional.ofNullable(waitedFor));
    }
}
