package dev.stickyfail.internal.runtime;

import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A decision store as the decider calls it: every call bounded by a deadline, so a store that hangs (a frozen
 * Hazelcast member) delays a decision but never stops the decider. A store this instance alone writes (no lease) is
 * called directly; a shared one on a thread of its own.
 */
final class BoundedStore implements AutoCloseable {

    private final DecisionStore store;
    private final Duration callTimeout;
    private final Duration startTimeout;
    private final ExecutorService caller;

    BoundedStore(String group, DecisionStore store, Duration callTimeout, Duration startTimeout) {
        this.store = store;
        this.callTimeout = callTimeout;
        this.startTimeout = startTimeout;
        this.caller = store.lease().isZero() ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stickyfail-store[" + group + "]");
            t.setDaemon(true);
            return t;
        });
    }

    Decision start(Decision local) throws SQLException {
        return call("start", () -> store.start(local), startTimeout);
    }

    Decision propose(long expectedEpoch, Decision next) throws SQLException {
        return call("compare-and-set", () -> store.propose(expectedEpoch, next), callTimeout);
    }

    Decision read() throws SQLException {
        return call("read", store::read, callTimeout);
    }

    void acknowledge(long epoch) throws SQLException {
        call("acknowledge", () -> {
            store.acknowledge(epoch);
            return null;
        }, callTimeout);
    }

    dev.stickyfail.store.Acknowledgements acknowledgements(long epoch) throws SQLException {
        return call("acknowledgements", () -> store.acknowledgements(epoch), callTimeout);
    }

    Duration lease() {
        return store.lease();
    }

    String describe() {
        return store.describe();
    }

    DecisionStore store() {
        return store;
    }

    private <T> T call(String what, Callable<T> call, Duration timeout) throws SQLException {
        if (caller == null) {
            try {
                return call.call();
            } catch (SQLException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new SQLTransientConnectionException(store.describe() + ": " + what + " failed: " + e, "08001", e);
            }
        }
        Future<T> f = caller.submit(call);
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new SQLTransientConnectionException(store.describe() + ": " + what + " did not answer within "
                    + timeout.toMillis() + " ms", "08001");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof SQLException se) {
                throw se;
            }
            throw new SQLTransientConnectionException(store.describe() + ": " + what + " failed: " + cause, "08001", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLTransientConnectionException(store.describe() + ": interrupted during " + what, "08001", e);
        }
    }

    @Override
    public void close() {
        if (caller != null) {
            caller.shutdownNow();
        }
        store.close();
    }

    /** See {@link DecisionStore#closeWithoutLeaving()}. */
    public void closeWithoutLeaving() {
        if (caller != null) {
            caller.shutdownNow();
        }
        store.closeWithoutLeaving();
    }
}
