package dev.stickyfail.internal.runtime;

import com.mysql.cj.jdbc.ConnectionImpl;
import com.mysql.cj.jdbc.JdbcConnection;
import com.mysql.cj.protocol.ServerSession;
import com.mysql.cj.protocol.ServerSessionStateController;
import com.mysql.cj.protocol.SocketFactory;
import dev.stickyfail.CommitOutcomeUnknownException;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.internal.replication.AcknowledgedCommits;
import dev.stickyfail.probe.FailureKind;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One live physical connection, as the group's registry knows it. The application holds a wrapper that points here;
 * the registry holds this and never the wrapper, so a wrapper the application forgets to close can still be
 * collected, and its physical connection is then aborted and unregistered (see {@link #watch}).
 *
 * <p>This is also the single place that decides what an error on the connection means: {@code 08S01} when nothing of
 * it can have committed, {@code 08007} when something that may commit was in flight (judged from the server's own
 * session state, see {@link CommitRisk}); a communication error is reported to the group as a passive failure.
 *
 * <p>It also knows whether a connection aborted by a switch may be replaced behind the application's back (see
 * {@link #replaceable()}): only when it was idle at the abort, nothing in flight was hit by it, and the server never
 * reported a change of session state the wrapper cannot restore.
 */
public final class TrackedConnection {

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "stickyfail-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final VarHandle EVICTION;
    private static final int SERVER_STATUS_IN_TRANS = 1;
    private static final int SERVER_STATUS_AUTOCOMMIT = 2;
    /** What {@code setAutoCommit(true)} sends, as {@link CommitRisk} judges it. */
    private static final String SET_AUTOCOMMIT = "SET autocommit=1";

    static {
        try {
            EVICTION = MethodHandles.lookup().findVarHandle(TrackedConnection.class, "eviction", Eviction.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final GroupRuntime runtime;
    private final int serverIndex;
    private final Connection physical;
    /** Connector/J's view of the session's server status flags; {@code null} if this is not Connector/J's own class. */
    private final ServerSession serverSession;
    /** The TCP socket's owner, so a switch can reset it; {@code null} with a user-supplied socketFactory. */
    private final FencingSocketFactory socket;
    /** The group's lease on a shared decision ({@link Lease#NONE} for the local store). */
    private final Lease lease;
    private volatile Eviction eviction;
    /** {@code System.nanoTime()} when it was registered. */
    private final long openedAt = System.nanoTime();
    /** Closed or discarded on purpose: an error about a closed connection is then the caller's, not the server's. */
    private volatile boolean released;
    private volatile Cleaner.Cleanable cleanable;
    /** As set through {@code Connection.setAutoCommit}; used only when the server's own flags are not available. */
    private volatile boolean autoCommit;

    // ---- replacement of an idle connection after a switch: all of it off the statement path
    /** How to open a replacement; {@code null} when this connection may not be replaced (tracking unavailable, or off). */
    private volatile GroupRuntime.ConnectionFactory replacementFactory;
    /** Kept here because Connector/J holds its listeners weakly. */
    private SessionChanges sessionChanges;
    /** Taken at the abort, before the eviction is published: no transaction open, no statement running. */
    private volatile boolean idleAtEviction;
    /** Something in flight was hit by the abort, or the application aborted it: never replaced. */
    private volatile boolean spoiled;
    /** The thread running a JDBC setter through the wrapper (or a restore): session changes it causes are restorable. */
    private volatile Thread ownChangeThread;
    /** What the server reported first that the wrapper cannot restore, or {@code null}. */
    private volatile String taintedBy;

    TrackedConnection(GroupRuntime runtime, int serverIndex, Connection physical, boolean autoCommit) {
        this.runtime = runtime;
        this.serverIndex = serverIndex;
        this.physical = physical;
        this.autoCommit = autoCommit;
        this.lease = runtime.lease();
        ServerSession ss = null;
        FencingSocketFactory sf = null;
        if (physical instanceof ConnectionImpl impl) {
            try {
                ss = impl.getSession().getServerSession();
                SocketFactory f = impl.getSession().getProtocol().getSocketConnection().getSocketFactory();
                sf = f instanceof FencingSocketFactory fsf ? fsf : null;
            } catch (RuntimeException e) {
                // another Connector/J layout: fall back to the local autocommit flag and abort() alone
            }
        }
        this.serverSession = ss;
        this.socket = sf;
    }

    /** The application changed the autocommit mode (successfully). */
    public void autoCommitChanged(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    /**
     * Listens to the server's session state changes (the caller has made the server report them), called once, by the
     * group's connect, before the connection is handed out: with {@code replaceWith}, this connection is replaceable
     * after a switch (see {@link #replaceable()}); with {@code commits}, the GTID of every commit it is told succeeded
     * is recorded there.
     */
    void listen(GroupRuntime.ConnectionFactory replaceWith, AcknowledgedCommits.Server commits) {
        ServerSession ss = serverSession;
        if (ss == null || !ss.isSessionStateTrackingEnabled() || replaceWith == null && commits == null) {
            return;
        }
        SessionChanges listener = new SessionChanges(this, commits);
        ss.getServerSessionStateController().addSessionStateChangesListener(listener);
        sessionChanges = listener;
        replacementFactory = replaceWith;
    }

    /**
     * Whether the application's wrapper may swap this (evicted) connection for a new one to the active server: the
     * switch found it idle (no transaction open, no statement running), nothing was hit by the abort or used after it
     * (a statement in flight, a statement created before it), the application did not abort it, and the server never
     * reported a session change other than those the application made through the JDBC setters the wrapper restores.
     */
    public boolean replaceable() {
        return replacementFactory != null && eviction != null && idleAtEviction && !spoiled && taintedBy == null;
    }

    /** Why this evicted connection is not {@link #replaceable()}, for logs. */
    public String notReplaceableWhy() {
        if (replacementFactory == null) {
            return "the server does not report session state changes (trackSessionState off, or "
                    + "stickyfail.replaceIdleConnections=false)";
        }
        if (taintedBy != null) {
            return "its session held state that cannot be restored (" + taintedBy + ")";
        }
        if (spoiled) {
            return "an operation was hit by the abort or used the connection after it, or the application aborted it";
        }
        if (!idleAtEviction) {
            return "it was not idle at the switch (a transaction was open or a statement running)";
        }
        return eviction == null ? "it is not evicted" : "unknown";
    }

    /**
     * A new connection to the active server for the wrapper, through the group's connect: it waits while no server
     * is usable, as {@code getConnection()} does. The caller restores the application's settings on it.
     */
    public TrackedConnection reconnect() throws SQLException {
        GroupRuntime.ConnectionFactory f = replacementFactory;
        if (f == null) {
            throw new IllegalStateException("not replaceable");
        }
        spoiled = true; // one attempt: a failed one makes the wrapper fail from then on as before
        return runtime.connect(f);
    }

    /** The evicted connection the wrapper has replaced: unregistered, its socket reset and Connector/J's copy aborted. */
    public void discard() {
        closed();
        cutSocket();
        abortPhysical(); // idle: no thread holds Connector/J's lock
    }

    /** The exception an evicted connection's use gets ({@code 08S01}). */
    public SQLException evictedException(SQLException cause) {
        Eviction e = eviction;
        return e == null ? cause : e.toException(cause);
    }

    /** The current thread is about to change session state through a JDBC setter (or restore it): not a taint. */
    public void beginOwnChange() {
        ownChangeThread = Thread.currentThread();
    }

    public void endOwnChange() {
        ownChangeThread = null;
    }

    /** Aborts and unregisters the physical connection if {@code wrapper} becomes unreachable without being closed. */
    public void watch(Object wrapper) {
        cleanable = CLEANER.register(wrapper, new Leaked(this));
    }

    /** The Connector/J connection; only the wrapper uses it. */
    public Connection physical() {
        return physical;
    }

    public ServerAddress server() {
        return runtime.server(serverIndex);
    }

    int serverIndex() {
        return serverIndex;
    }

    long openedAt() {
        return openedAt;
    }

    public String group() {
        return runtime.name();
    }

    /** Hot path: one volatile read, and with a shared store one more and a clock read (the lease). */
    public void checkUsable() throws SQLException {
        Eviction e = eviction;
        if (e != null) {
            throw usedAfterEviction(e);
        }
        if (lease.expired()) {
            throw usedAfterEviction(leaseExpired());
        }
    }

    /** Something was used after the abort (a statement created before it, say): it fails, and so does the connection. */
    private SQLException usedAfterEviction(Eviction e) {
        spoiled = true;
        return e.toException(null);
    }

    /** The lease ran out: this connection may point at a server the group has left; it is evicted, nothing is sent. */
    private Eviction leaseExpired() {
        mark(runtime.leaseEviction(serverIndex));
        return eviction;
    }

    public boolean isEvicted() {
        return eviction != null;
    }

    /** What the application sees for an error of an operation that cannot commit anything. */
    public SQLException translate(SQLException error) {
        Eviction e = eviction;
        if (e != null) {
            spoiled = true;
            return e.toException(error);
        }
        if (lease.expired()) { // the socket refused to write: not a failure of the server
            return leaseExpired().toException(error);
        }
        FailureKind kind = kind(error);
        if (kind != FailureKind.SERVER) {
            connectionError(error, kind);
            if (FailureKind.of(error) == FailureKind.SERVER) {
                return brokenMeanwhile(error);
            }
        }
        return error;
    }

    /**
     * What an error says about the connection. Connector/J closes a connection that broke, and may then report only
     * what that did to the call (a batch: "No operations allowed after statement closed", {@code S1009}), hiding the
     * communication error: a connection found closed after the call failed broke during it.
     */
    private FailureKind kind(SQLException error) {
        FailureKind kind = FailureKind.of(error);
        return kind == FailureKind.SERVER && !released && physicalClosed() ? FailureKind.COMMUNICATION : kind;
    }

    private boolean physicalClosed() {
        try {
            return physical.isClosed();
        } catch (SQLException | RuntimeException e) {
            return true;
        }
    }

    /** {@code 08S01} for an error Connector/J reported, with another SQLState, after the connection broke. */
    private SQLException brokenMeanwhile(SQLException error) {
        return new java.sql.SQLRecoverableException("stickyfail[" + runtime.name() + "]: connection to " + server()
                + " broke during the call; Connector/J closed it and reported: " + error.getMessage(), "08S01", error);
    }

    /** A communication error on this connection: a failed probe for the server, and maybe a server gone. */
    private void connectionError(SQLException error, FailureKind kind) {
        runtime.registry().leftRunning(); // broken mid-statement: the server may still be running it
        if (LostConnections.lost(error)) {
            runtime.registry().lost().check(runtime, serverIndex);
        }
        runtime.onConnectionError(serverIndex, error, kind, false);
    }

    /** As {@link #translate}, for an error thrown by {@code commit()}: a broken connection means an unknown outcome. */
    public SQLException translateCommit(SQLException error) {
        return unknownOutcome(error, "commit()");
    }

    /**
     * The session's server status flags as the last OK packet left them (autocommit, in transaction), read before a
     * statement runs; -1 when not known. A plain field read in Connector/J.
     */
    public int sessionStatus() {
        ServerSession ss = serverSession;
        return ss == null ? -1 : ss.getStatusFlags();
    }

    /**
     * As {@link #translate}, for an error thrown while executing {@code sql} ({@code null} when not known): when the
     * connection was aborted or broke and the statement may have committed, {@code 08007}.
     *
     * @param status {@link #sessionStatus()} read before the statement ran
     */
    public SQLException translateExecution(SQLException error, String sql, int status) {
        if (eviction == null && kind(error) == FailureKind.SERVER) {
            return error; // the server answered: it did not commit this
        }
        if (neverRead(error)) {
            return translate(error);
        }
        if (eviction == null && lease.expired()) {
            leaseExpired();
        }
        boolean autocommitNow;
        boolean inTransaction;
        if (status >= 0) {
            autocommitNow = (status & SERVER_STATUS_AUTOCOMMIT) != 0;
            inTransaction = (status & SERVER_STATUS_IN_TRANS) != 0;
        } else { // flags not known: with autocommit off, a transaction may be open
            autocommitNow = autoCommit;
            inTransaction = !autoCommit;
        }
        if (CommitRisk.mayHaveCommitted(sql, autocommitNow, inTransaction)) {
            return unknownOutcome(error, describe(sql, autocommitNow));
        }
        return translate(error);
    }

    /**
     * As {@link #translateExecution}, for {@code setAutoCommit(true)}: it commits the transaction open before it
     * ({@code 08007} when that was so and its outcome is unknown); with none open it commits nothing.
     *
     * @param status {@link #sessionStatus()} read before the call
     */
    public SQLException translateSetAutoCommitTrue(SQLException error, int status) {
        return translateExecution(error, SET_AUTOCOMMIT, status);
    }

    /**
     * As {@link #translateExecution}, for a batch: in autocommit mode every statement of it commits on its own; in a
     * transaction only one that commits implicitly ({@code commitsImplicitly}) can.
     */
    public SQLException translateBatch(SQLException error, boolean commitsImplicitly, int status) {
        SQLException translated = translateExecution(error, commitsImplicitly ? "COMMIT /* batch */" : "INSERT /* batch */",
                status);
        if (translated != error && error instanceof java.sql.BatchUpdateException) {
            // our exception cannot also be a BatchUpdateException: its update counts stay reachable as the next one
            translated.setNextException(error);
        }
        return translated;
    }

    /** Whether {@code sql} commits an open transaction (DDL, {@code COMMIT}, {@code BEGIN}, a {@code CALL}...). */
    public static boolean commitsImplicitly(String sql) {
        return CommitRisk.mayHaveCommitted(sql, false, true);
    }

    private static String describe(String sql, boolean autocommit) {
        if (SET_AUTOCOMMIT.equals(sql)) {
            return "setAutoCommit(true), which commits the open transaction,";
        }
        String kind = sql == null || sql.endsWith("/* batch */") ? "a batch" : "a " + CommitRisk.firstKeyword(sql) + " statement";
        return kind + (autocommit ? " in autocommit mode" : " that commits implicitly");
    }

    /**
     * The connection was reset and its server refuses new connections: the server's process was gone, or going, with
     * the request unread, so nothing of it ran ({@code 08S01}, not an unknown outcome). See {@link LostConnections}.
     */
    private boolean neverRead(SQLException error) {
        return LostConnections.reset(error) && runtime.registry().lost().check(runtime, serverIndex);
    }

    private SQLException unknownOutcome(SQLException error, String inFlight) {
        if (neverRead(error)) {
            return translate(error);
        }
        if (eviction == null && lease.expired()) {
            leaseExpired();
        }
        Eviction e = eviction;
        if (e != null) {
            spoiled = true;
            return e.toUnknownOutcomeException(error, inFlight);
        }
        FailureKind kind = kind(error);
        if (kind == FailureKind.SERVER) {
            return error;
        }
        connectionError(error, kind);
        return new CommitOutcomeUnknownException("stickyfail[" + runtime.name() + "]: connection to " + server()
                + " broke while " + inFlight + " was in flight (" + error.getMessage() + "); its outcome is unknown",
                server().toString(), runtime.activeServerName(), runtime.epoch(), error);
    }

    /**
     * Marks the connection unusable; from here on no statement starts on it, and whatever the abort makes a running
     * statement throw is reported as this eviction.
     *
     * @return whether this call marked it (false when it already was)
     */
    boolean mark(Eviction why) {
        if (eviction != null) {
            return false;
        }
        if (replacementFactory != null) {
            idleAtEviction = idle(); // before the eviction is published, so whoever sees it sees this too
        }
        return EVICTION.compareAndSet(this, null, why);
    }

    /**
     * For a planned switch's drain: marks this connection if it is idle now (so its next use is replaced on the new
     * server), and says whether it is still busy (a transaction open, or a statement running). Never blocks.
     */
    boolean markIfIdle(Eviction why) {
        if (eviction != null) {
            return false;
        }
        if (!idle()) {
            return true;
        }
        mark(why);
        return false;
    }

    /**
     * No transaction open (the server's flags of its last reply) and no statement running (Connector/J holds its
     * connection lock while it talks to the server). Never blocks. A statement that was about to start, or one left
     * open and used later, fails on the aborted connection, and that failure makes the connection
     * {@link #spoiled} (see {@link #translate} and {@link #checkUsable}).
     */
    private boolean idle() {
        ServerSession ss = serverSession;
        if (ss == null || !(physical instanceof JdbcConnection jc)) {
            return false;
        }
        try {
            if (!(jc.getConnectionLock() instanceof ReentrantLock lock) || lock.isLocked()) {
                return false;
            }
            return (ss.getStatusFlags() & SERVER_STATUS_IN_TRANS) == 0;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether a statement may be running on the server: Connector/J holds its connection lock while it talks to the
     * server. Not knowing counts as running. Never blocks.
     */
    boolean statementRunning() {
        if (!(physical instanceof JdbcConnection jc)) {
            return true;
        }
        try {
            return !(jc.getConnectionLock() instanceof ReentrantLock lock) || lock.isLocked();
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Resets the TCP connection (never blocks), so nothing more reaches the server and a blocked writer is freed. */
    /** @return whether a socket was there to cut (false: opened through a socket factory of the application's) */
    boolean cutSocket() {
        FencingSocketFactory s = socket;
        if (s != null) {
            s.cut();
            return true;
        }
        return false;
    }

    /** Connector/J's abort; may block on a lock a stuck thread holds, so the fence runs it on its own thread. */
    void abortPhysical() {
        try {
            physical.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // already closed or broken: either way it carries no more traffic
        }
    }

    /**
     * The application aborts the connection ({@code Connection.abort(executor)}): marked first, so no statement runs
     * between now and the moment the executor gets to it, and unregistered when the abort has run.
     */
    public void abortedByApplication(Executor executor) throws SQLException {
        spoiled = true;
        if (statementRunning()) {
            runtime.registry().leftRunning();
        }
        mark(new Eviction(runtime.name(), server(), "aborted by the application", null, runtime.epoch()));
        try {
            physical.abort(command -> executor.execute(() -> {
                try {
                    command.run();
                } finally {
                    closed();
                }
            }));
        } catch (SQLException | RuntimeException e) {
            closed();
            throw e;
        }
    }

    /** The application closed the connection (or its abort has run). */
    public void closed() {
        released = true;
        runtime.registry().remove(this);
        Cleaner.Cleanable c = cleanable;
        if (c != null) {
            c.clean();
        }
    }

    /**
     * Every reply of the server comes through here (Connector/J calls it for each OK packet, mostly with no change), on
     * the thread that holds Connector/J's connection lock, before the caller is told the statement succeeded:
     * <ul>
     * <li>a commit's GTID (MySQL {@code session_track_gtids}, MariaDB's {@code last_gtid} variable) is recorded as
     * acknowledged, without a lock or an allocation ({@link AcknowledgedCommits});</li>
     * <li>any other change of session state outside the wrapper's own setters taints the session for good. The server
     * reports user variables, temporary tables, {@code PREPARE}, {@code SET} of session variables and {@code USE}; it
     * does not report {@code SET TRANSACTION} (next transaction only), {@code GET_LOCK} or {@code LOCK TABLES}.</li>
     * </ul>
     */
    static final class SessionChanges implements ServerSessionStateController.SessionStateChangesListener {
        private static final String LAST_GTID = "last_gtid";

        private final TrackedConnection tracked;
        /** Where commits are recorded; null when they are not tracked. */
        private final AcknowledgedCommits.Server commits;

        SessionChanges(TrackedConnection tracked, AcknowledgedCommits.Server commits) {
            this.tracked = tracked;
            this.commits = commits;
        }

        @Override
        public void handleSessionStateChanges(ServerSessionStateController.ServerSessionStateChanges changes) {
            java.util.List<ServerSessionStateController.SessionStateChange> list = changes.getSessionStateChangesList();
            int n = list.size();
            if (n == 0) {
                return;
            }
            boolean other = false;
            for (int i = 0; i < n; i++) { // indexed: no iterator on the statement path
                ServerSessionStateController.SessionStateChange c = list.get(i);
                if (!recordedCommit(c)) {
                    other = true;
                }
            }
            if (!other || tracked.taintedBy != null || tracked.ownChangeThread == Thread.currentThread()
                    || tracked.replacementFactory == null) {
                return;
            }
            StringBuilder sb = new StringBuilder("the server reported a session change: ");
            for (ServerSessionStateController.SessionStateChange c : list) {
                if (!isCommit(c)) {
                    sb.append(kind(c.getType())).append(c.getValues()).append(' ');
                }
            }
            tracked.taintedBy = sb.toString().trim();
        }

        /** Records {@code c} if it is a commit's GTID; whether it was one (recorded or not). */
        private boolean recordedCommit(ServerSessionStateController.SessionStateChange c) {
            if (!isCommit(c)) {
                return false;
            }
            java.util.List<String> values = c.getValues();
            if (commits != null) {
                if (c.getType() == ServerSessionStateController.SESSION_TRACK_GTIDS) {
                    commits.recordMysql(values.get(0));
                } else {
                    commits.recordMariaDb(values.get(1));
                }
            }
            return true;
        }

        private static boolean isCommit(ServerSessionStateController.SessionStateChange c) {
            java.util.List<String> values = c.getValues();
            if (c.getType() == ServerSessionStateController.SESSION_TRACK_GTIDS) {
                return !values.isEmpty() && values.get(0) != null;
            }
            return c.getType() == ServerSessionStateController.SESSION_TRACK_SYSTEM_VARIABLES && values.size() >= 2
                    && LAST_GTID.equalsIgnoreCase(values.get(0)) && values.get(1) != null;
        }

        private static String kind(int type) {
            switch (type) {
                case ServerSessionStateController.SESSION_TRACK_SYSTEM_VARIABLES:
                    return "variable";
                case ServerSessionStateController.SESSION_TRACK_SCHEMA:
                    return "schema";
                case ServerSessionStateController.SESSION_TRACK_STATE_CHANGE:
                    return "state changed";
                default:
                    return "type " + type;
            }
        }
    }

    /** Runs when the wrapper was collected without {@code close()}; must not reference the wrapper. */
    private static final class Leaked implements Runnable {
        private final TrackedConnection tracked;

        Leaked(TrackedConnection tracked) {
            this.tracked = tracked;
        }

        @Override
        public void run() {
            if (tracked.runtime.registry().remove(tracked)) {
                tracked.runtime.onLeakedConnection(tracked);
                // abort, not close: close() sends a ROLLBACK, which on a hung server would block the JVM's only cleaner thread
                tracked.cutSocket();
                tracked.abortPhysical();
            }
        }
    }
}
