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
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Waits, on the server a switch is about to make active, until it has every commit the application was told succeeded
 * on the other servers ({@link AcknowledgedCommits}) and has applied every transaction it had received from the server
 * being abandoned: MariaDB {@code MASTER_GTID_WAIT(pos, timeout)}, MySQL {@code WAIT_FOR_EXECUTED_GTID_SET(set,
 * timeout)}. Neither wait needs a privilege, nor does reading what the server has; what it <em>received</em> is read
 * from the replication status, which needs {@code SLAVE MONITOR} (MariaDB) or {@code REPLICATION CLIENT} (MySQL):
 * without it the catch-up waits for the acknowledged commits only, and says so.
 *
 * <p>Bounded: {@link #run()} returns within {@code timeout} of being called (plus the time to notice a broken
 * socket), whatever the server does. Every statement runs under a socket timeout no longer than what remains, and
 * the server-side wait is shorter still, so a live server answers "timed out" itself, before the socket gives up; in
 * the time left, what it still lacks of the acknowledged commits is read again.
 * {@link #abort()} from another thread ends it at once by aborting the connection.
 *
 * <p>It waits only for what is pending (received or acknowledged, not yet there): a caught-up server costs the reads
 * of the view and no wait, and domains or sources the server already has are not waited on (a MariaDB replica may
 * list its own domain in {@code Gtid_IO_Pos}, which {@code gtid_slave_pos} never reaches).
 *
 * <p>The connection is the caller's: a fresh session to the new server. After {@link #abort()} it is unusable. One
 * instance runs once.
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
    /**
     * One slice of MariaDB's wait while the catch-up may give up (what it has and its replication connection are
     * looked at between slices); the wait itself ends at once when everything arrives.
     */
    private static final long SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Connection connection;
    private final ReplicationSource source;
    private final Function<ServerFlavour, AcknowledgedCommits.Snapshot> acknowledged;
    private final Duration timeout;
    private final BooleanSupplier sourceGone;
    private volatile boolean aborted;

    /** A catch-up of what the server received from {@code source} only (no acknowledged commits known). */
    public CatchUp(Connection connection, ReplicationSource source, Duration timeout) {
        this(connection, source, null, timeout);
    }

    /**
     * @param acknowledged the commits the application was told succeeded on the other servers, in the GTIDs of the
     *                     flavour it is given (the new server's, known once its view is read); null for none
     */
    public CatchUp(Connection connection, ReplicationSource source,
                   Function<ServerFlavour, AcknowledgedCommits.Snapshot> acknowledged, Duration timeout) {
        this(connection, source, acknowledged, timeout, null);
    }

    /**
     * @param sourceGone whether the source is gone for now (it refuses sessions); with it, a catch-up that
     *                   lacks acknowledged commits stops waiting as soon as they can no longer arrive: the server has
     *                   applied all it received, its replication connection is down and the source is gone. Null:
     *                   it waits out the timeout.
     */
    public CatchUp(Connection connection, ReplicationSource source,
                   Function<ServerFlavour, AcknowledgedCommits.Snapshot> acknowledged, Duration timeout,
                   BooleanSupplier sourceGone) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("a catch-up needs a positive timeout, got " + timeout);
        }
        this.connection = connection;
        this.source = source;
        this.acknowledged = acknowledged;
        this.timeout = timeout;
        this.sourceGone = sourceGone;
    }

    /** What was found so far, for the result: filled in as {@link #run()} goes. */
    private static final class Found {
        ReplicationView view;
        GtidSet pending;
        /** Received from the source and not applied when the catch-up began. */
        GtidSet received;
        AcknowledgedCommits.Snapshot acknowledged;
        GtidSet missing;
        boolean exact = true;
    }

    /** Never throws: every failure is a {@link Outcome#FAILED} result saying why. */
    public CatchUpResult run() {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Found f = new Found();
        try {
            ReplicationView view = ReplicationView.read(connection, source, Duration.ofNanos(deadline - System.nanoTime()));
            f.view = view;
            AcknowledgedCommits.Snapshot snapshot = acknowledged == null ? null : acknowledged.apply(view.flavour());
            f.acknowledged = snapshot == null || !snapshot.commits().flavour().equals(flavourName(view))
                    ? AcknowledgedCommits.Snapshot.none(view.flavour()) : snapshot;
            GtidSet has = view.has();
            f.missing = f.acknowledged.missingFrom(has);
            f.exact = f.acknowledged.exactFor(has);
            Optional<String> notApplicable = view.notApplicable();
            if (!view.gtidEnabled()) {
                return result(Outcome.NOT_APPLICABLE, start, notApplicable.orElse(""), f);
            }
            boolean followsSource = notApplicable.isEmpty() && view.statusReadable();
            f.received = followsSource ? view.pending() : view.flavour().empty();
            f.pending = f.received.union(f.missing);
            String unread = view.statusUnreadable().map(why -> "; " + why + ", so what it received from " + source
                    + " was not waited for").orElse("");
            if (f.pending.isEmpty()) {
                if (followsSource) {
                    return result(Outcome.CAUGHT_UP, start, f.acknowledged.isEmpty() ? "" : hasAll(f), f);
                }
                if (!f.acknowledged.isEmpty() && !view.statusReadable()) {
                    return result(Outcome.CAUGHT_UP, start, hasAll(f) + unread, f);
                }
                String why = notApplicable.orElseGet(() -> view.statusUnreadable().orElseThrow()
                        + ", and no commit this application was told succeeded elsewhere is known");
                return result(Outcome.NOT_APPLICABLE, start, why, f);
            }
            if (followsSource && view.channel().orElseThrow().applierFailed()) {
                return result(Outcome.FAILED, start, "the replication SQL thread stopped with an error, "
                        + f.pending.count() + " transaction(s) not applied: " + view.channel().get().lastSqlError()
                        + lacking(f), f);
            }
            return waitFor(f, followsSource, unread, start, deadline);
        } catch (SQLException | RuntimeException e) {
            if (aborted) {
                return result(Outcome.FAILED, start, "aborted" + lacking(f), f);
            }
            return result(Outcome.FAILED, start, describe(e, start) + lacking(f), f);
        }
    }

    private static String flavourName(ReplicationView view) {
        return view.flavour().empty().flavour();
    }

    private static String hasAll(Found f) {
        return "it has the " + f.acknowledged.commits().count() + " commit(s) this application was told succeeded";
    }

    /** For a failure: the acknowledged commits the server lacked when the catch-up began, if any. */
    private static String lacking(Found f) {
        if (f.missing == null || f.missing.isEmpty()) {
            return "";
        }
        return "; when it began, it lacked " + (f.exact ? "" : "at least ") + f.missing.count()
                + " commit(s) this application was told succeeded: " + GtidRange.summary(f.missing.ranges());
    }

    private CatchUpResult waitFor(Found f, boolean followsSource, String unread, long start, long deadline)
            throws SQLException {
        boolean mayGiveUp = sourceGone != null && followsSource && !f.missing.isEmpty();
        if (mayGiveUp) {
            Optional<CatchUpResult> lost = lostNow(f, f.view, start);
            if (lost.isPresent()) {
                return lost.get();
            }
        }
        ReplicationView view = f.view;
        GtidSet pending = f.pending;
        // the position that reaches everything pending, per pending domain (MariaDB)
        GtidSet reach = (followsSource ? view.received() : view.flavour().empty()).union(f.missing);
        Answer answer;
        while (true) {
            // while what is missing may turn out unable to arrive, the server's wait runs in slices, looked at between
            long sliceEnd = mayGiveUp ? Math.min(deadline, System.nanoTime() + slice(view.flavour())) : deadline;
            answer = view.flavour() == ServerFlavour.MARIADB
                    ? mariaDbWait((MariaDbGtidSet) reach, (MariaDbGtidSet) pending, sliceEnd)
                    : mysqlWait(pending, sliceEnd);
            if (answer.value != TIMED_OUT || sliceEnd == deadline) {
                break;
            }
            ReplicationView now = ReplicationView.read(connection, source, Duration.ofNanos(deadline - System.nanoTime()));
            if (f.acknowledged.missingFrom(now.has()).isEmpty()) {
                mayGiveUp = false; // they arrived: what is left is the backlog, which applies by itself
                continue;
            }
            Optional<CatchUpResult> lost = lostNow(f, now, start);
            if (lost.isPresent()) {
                return lost.get();
            }
        }
        if (answer.value == 0) {
            f.view = view.withApplied(pending);
            f.missing = view.flavour().empty();
            f.exact = true;
            String acked = f.acknowledged.isEmpty() ? "" : "; " + hasAll(f);
            return result(Outcome.CAUGHT_UP, start, "applied " + pending.count() + " transaction(s)"
                    + (followsSource ? " received from " + source : "") + acked + unread, f);
        }
        if (answer.value == TIMED_OUT) {
            long left = deadline - System.nanoTime();
            if (!f.missing.isEmpty() && left > 0) {
                try {
                    GtidSet hasNow = ReplicationView.readHas(connection, view.flavour(), Duration.ofNanos(left));
                    f.view = view.withApplied(hasNow);
                    f.missing = f.acknowledged.missingFrom(hasNow);
                    f.exact = f.acknowledged.exactFor(hasNow);
                    return result(Outcome.TIMED_OUT, start, timedOut(pending, followsSource, f, "still lacks") + unread, f);
                } catch (SQLException | RuntimeException e) {
                    // no time or no answer: report what it lacked when the wait began
                }
            }
            return result(Outcome.TIMED_OUT, start, timedOut(pending, followsSource, f, "lacked, when the wait began,")
                    + unread, f);
        }
        return result(Outcome.FAILED, start, "'" + answer.sql + "' returned "
                + (answer.value == Integer.MIN_VALUE ? "NULL" : Integer.toString(answer.value)) + " for '"
                + answer.target + "'" + lacking(f), f);
    }

    /**
     * {@link Outcome#SOURCE_LOST} when what the server lacks of the acknowledged commits cannot arrive before the
     * source returns: it has applied all it received, its connection from the source is down, and the source is gone.
     * Only with the replication status readable: without it, commits received and waiting behind a stopped applier look
     * exactly like commits never received (tried: the switch then went ahead without 50 received commits it would
     * have had within a second).
     */
    private Optional<CatchUpResult> lostNow(Found f, ReplicationView now, long start) {
        GtidSet missing = f.acknowledged.missingFrom(now.has());
        Optional<ReplicaChannel> channel = now.channel();
        if (missing.isEmpty() || channel.isEmpty() || channel.get().ioRunning() || !now.pending().isEmpty()
                || !sourceGone.getAsBoolean()) {
            return Optional.empty();
        }
        f.view = now;
        f.missing = missing;
        f.exact = f.acknowledged.exactFor(now.has());
        String io = channel.get().lastIoError().isEmpty() ? "not connected" : channel.get().lastIoError();
        return Optional.of(result(Outcome.SOURCE_LOST, start, "it applied all it had received from " + source
                + ", its replication connection from it is down (" + io + ") and " + source + " is gone, so the "
                + (f.exact ? "" : "at least ") + missing.count() + " commit(s) this application was told succeeded "
                + "that it lacks cannot arrive before " + source + " returns: " + GtidRange.summary(missing.ranges()), f));
    }

    /**
     * How long one slice of the server's wait runs while the catch-up may give up: MySQL's wait counts whole seconds
     * and leaves the grace to polls, so its slice holds one second of server-side wait.
     */
    private long slice(ServerFlavour flavour) {
        long grace = Math.min(ANSWER_GRACE_NANOS, timeout.toNanos() / 4);
        return flavour == ServerFlavour.MARIADB ? SLICE_NANOS : TimeUnit.SECONDS.toNanos(1) + grace + POLL_NANOS;
    }

    /** {@code MASTER_GTID_WAIT}: one server-side wait for what remains, in milliseconds; -1 when it timed out. */
    private Answer mariaDbWait(MariaDbGtidSet reach, MariaDbGtidSet pending, long deadline) throws SQLException {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
            return new Answer(TIMED_OUT, "", "");
        }
        // Only the domains still pending: a domain it has through its own binlog is never reached by slave_pos.
        String target = reach.onlyDomains(pending.domains()).toPosition();
        BigDecimal seconds = BigDecimal.valueOf(TimeUnit.NANOSECONDS.toMillis(serverWait(remaining))).movePointLeft(3);
        Answer answer = query("SELECT MASTER_GTID_WAIT(?, ?)", target, seconds, remaining);
        return answer.value == -1 ? new Answer(TIMED_OUT, answer.sql, target) : answer;
    }

    /**
     * {@code WAIT_FOR_EXECUTED_GTID_SET}, which reads its timeout in whole seconds (8.0.15 waits 1 s for 1.5 and
     * returns at once for 0.5; with 0 it had not returned after 10 s): the server waits the whole seconds, then a
     * {@code GTID_SUBSET} check every {@value #POLL_MILLIS} ms covers the rest, up to the same grace before the deadline
     * that MariaDB's wait leaves (a check sent with less left could outlast its socket timeout on a loaded server, and
     * the last read of what is still missing needs that time). 1 from either means not yet.
     */
    private Answer mysqlWait(GtidSet pending, long deadline) throws SQLException {
        String target = pending.toString();
        long grace = Math.min(ANSWER_GRACE_NANOS, timeout.toNanos() / 4);
        String sql = "";
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= grace) {
                return new Answer(TIMED_OUT, sql, target);
            }
            long whole = TimeUnit.NANOSECONDS.toSeconds(remaining - grace);
            Answer answer = whole >= 1
                    ? query("SELECT WAIT_FOR_EXECUTED_GTID_SET(?, ?)", target, BigDecimal.valueOf(whole), remaining)
                    : query("SELECT IF(GTID_SUBSET(?, @@GLOBAL.gtid_executed), 0, 1)", target, null, remaining);
            if (answer.value != 1) {
                return answer;
            }
            sql = answer.sql;
            if (deadline - System.nanoTime() <= grace + POLL_NANOS) {
                return new Answer(TIMED_OUT, sql, target);
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

    private String timedOut(GtidSet pending, boolean followsSource, Found f, String lacks) {
        StringBuilder sb = new StringBuilder("not caught up within ").append(timeout.toMillis()).append(" ms");
        GtidSet received = f.received;
        if (followsSource && !received.isEmpty()) {
            sb.append("; ").append(received.count()).append(" transaction(s) received from ").append(source)
                    .append(" were not applied when the wait began: ").append(GtidRange.summary(received.ranges()));
        }
        if (!f.missing.isEmpty()) {
            sb.append("; it ").append(lacks).append(' ').append(f.exact ? "" : "at least ").append(f.missing.count())
                    .append(" commit(s) this application was told succeeded: ")
                    .append(GtidRange.summary(f.missing.ranges()));
        }
        return sb.toString();
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

    private static CatchUpResult result(Outcome outcome, long start, String detail, Found f) {
        return new CatchUpResult(outcome, Duration.ofNanos(System.nanoTime() - start), detail,
                Optional.ofNullable(f.view), Optional.ofNullable(f.pending).filter(p -> !p.isEmpty()),
                Optional.ofNullable(f.missing), f.exact,
                f.acknowledged == null ? 0 : f.acknowledged.commits().count());
    }
}
