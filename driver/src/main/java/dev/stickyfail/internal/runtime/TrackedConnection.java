package dev.stickyfail.internal.runtime;

import dev.stickyfail.CommitOutcomeUnknownException;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.probe.FailureKind;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * One live physical connection, as the group's registry knows it. The application holds a wrapper that points here;
 * the registry holds this and never the wrapper, so a wrapper the application forgets to close can still be
 * collected, and its physical connection is then closed and unregistered (see {@link #watch}).
 *
 * <p>This is also the single place that decides what an error on the connection means: an aborted connection
 * answers {@code 08S01} (or {@code 08007} for a commit in flight) naming the server, the reason, the active server
 * and the epoch; a communication error is reported to the group as a passive failure.
 */
public final class TrackedConnection {

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "stickyfail-cleaner");
        t.setDaemon(true);
        return t;
    });
    private static final VarHandle EVICTION;

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
    private volatile Eviction eviction;
    private volatile Cleaner.Cleanable cleanable;
    /** As set through {@code Connection.setAutoCommit}; read only when an error needs translating. */
    private volatile boolean autoCommit;

    TrackedConnection(GroupRuntime runtime, int serverIndex, Connection physical, boolean autoCommit) {
        this.runtime = runtime;
        this.serverIndex = serverIndex;
        this.physical = physical;
        this.autoCommit = autoCommit;
    }

    /** The application changed the autocommit mode (successfully). */
    public void autoCommitChanged(boolean autoCommit) {
        this.autoCommit = autoCommit;
    }

    /** Closes and unregisters the physical connection if {@code wrapper} becomes unreachable without being closed. */
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

    public String group() {
        return runtime.name();
    }

    /** Hot path: one volatile read. */
    public void checkUsable() throws SQLException {
        Eviction e = eviction;
        if (e != null) {
            throw e.toException(null);
        }
    }

    public boolean isEvicted() {
        return eviction != null;
    }

    /** What the application sees for an error on this connection. */
    public SQLException translate(SQLException error) {
        Eviction e = eviction;
        if (e != null) {
            return e.toException(error);
        }
        FailureKind kind = FailureKind.of(error);
        if (kind != FailureKind.SERVER) {
            runtime.onConnectionError(serverIndex, error, kind, false);
        }
        return error;
    }

    /** As {@link #translate}, for an error thrown by {@code commit()}: a broken connection means an unknown outcome. */
    public SQLException translateCommit(SQLException error) {
        return unknownOutcome(error, "commit()");
    }

    /**
     * As {@link #translate}, for an error thrown by a statement execution that may change data. In autocommit mode
     * the statement is its own commit: if the connection was aborted or broke while it may have been in flight, its
     * outcome is unknown ({@code 08007}); a hung server executes what it had received when it wakes up. Inside a
     * transaction the transaction cannot commit any more, so {@code 08S01} stands.
     */
    public SQLException translateWrite(SQLException error) {
        return autoCommit ? unknownOutcome(error, "a statement in autocommit mode") : translate(error);
    }

    private SQLException unknownOutcome(SQLException error, String inFlight) {
        Eviction e = eviction;
        if (e != null) {
            return e.toUnknownOutcomeException(error, inFlight);
        }
        FailureKind kind = FailureKind.of(error);
        if (kind == FailureKind.SERVER) {
            return error;
        }
        runtime.onConnectionError(serverIndex, error, kind, false);
        return new CommitOutcomeUnknownException("stickyfail[" + runtime.name() + "]: connection to " + server()
                + " broke while " + inFlight + " was in flight (" + error.getMessage() + "); its outcome is unknown",
                server().toString(), runtime.activeServerName(), runtime.epoch(), error);
    }

    /**
     * Marks the connection aborted, then aborts it: in-use connections are interrupted, idle ones closed. The mark
     * comes first so that whatever the abort makes a running statement throw is reported as this eviction.
     *
     * @return whether this call evicted it (false when it already was)
     */
    boolean evict(Eviction why) {
        if (!EVICTION.compareAndSet(this, null, why)) {
            return false;
        }
        try {
            physical.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // already closed or broken: either way it carries no more traffic
        }
        return true;
    }

    /** The application closed the connection (or aborted it itself). */
    public void closed() {
        runtime.registry().remove(this);
        Cleaner.Cleanable c = cleanable;
        if (c != null) {
            c.clean();
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
                try {
                    tracked.physical.close();
                } catch (SQLException | RuntimeException ignored) {
                    // it was abandoned; closing is best effort
                }
            }
        }
    }
}
