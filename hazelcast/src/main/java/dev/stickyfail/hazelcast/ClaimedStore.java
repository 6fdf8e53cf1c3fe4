package dev.stickyfail.hazelcast;

import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;

/**
 * The Hazelcast store with its servers claimed for its group ({@link ServerClaims}): a second group naming one of the
 * same servers in the same cluster refuses to start instead of making a second decision, and a group whose claim was
 * taken over stops confirming its decision (its lease runs out, it fails closed).
 */
final class ClaimedStore implements DecisionStore {

    private final DecisionStore inner;
    private final HazelcastSettings settings;
    private final StoreContext context;
    private final ServerClaims claims;
    private final String log;
    private HazelcastHandle handle;

    ClaimedStore(DecisionStore inner, StoreContext context, HazelcastSettings settings) {
        this.inner = inner;
        this.settings = settings;
        this.context = context;
        this.log = "stickyfail[" + context.group() + "]";
        this.claims = new ServerClaims(context.group(), context.servers(), context.lease(), settings.callTimeout(), log);
    }

    @Override
    public Decision start(Decision local) throws SQLException {
        Decision d = inner.start(local); // joins the cluster and waits for its CP Subsystem
        if (handle == null) {
            handle = HazelcastHandle.acquire(settings, log); // the same instance, counted once more
        }
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        while (true) {
            try {
                claims.claim(handle.instance());
                return d;
            } catch (SQLTransientConnectionException e) {
                // a young CP group is slow to create objects; a conflict is not transient and ends this at once
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    @Override
    public Decision propose(long expectedEpoch, Decision next) throws SQLException {
        requireClaims();
        return inner.propose(expectedEpoch, next);
    }

    @Override
    public Decision read() throws SQLException {
        requireClaims();
        Decision d = inner.read();
        if (handle != null) {
            claims.refresh(handle.instance());
        }
        return d;
    }

    private void requireClaims() throws SQLException {
        String owner = claims.lostTo();
        if (owner != null) {
            throw claims.conflict("one of " + context.servers(), owner);
        }
    }

    @Override
    public void acknowledge(long epoch) throws SQLException {
        inner.acknowledge(epoch);
    }

    @Override
    public dev.stickyfail.store.Acknowledgements acknowledgements(long epoch) throws SQLException {
        return inner.acknowledgements(epoch);
    }

    @Override
    public Duration lease() {
        return inner.lease();
    }

    @Override
    public void onChange(Runnable hint) {
        inner.onChange(hint);
    }

    @Override
    public String describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        close(true);
    }

    /** Keeps the claims too, as a crashed instance does: they go stale. */
    @Override
    public void closeWithoutLeaving() {
        close(false);
    }

    private void close(boolean leave) {
        try {
            if (handle != null && leave) {
                claims.release(handle.instance());
            }
            if (leave) {
                inner.close();
            } else {
                inner.closeWithoutLeaving();
            }
        } finally {
            if (handle != null) {
                handle.release();
                handle = null;
            }
        }
    }
}
