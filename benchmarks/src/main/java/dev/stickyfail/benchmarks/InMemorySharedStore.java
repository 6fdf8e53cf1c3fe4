package dev.stickyfail.benchmarks;

import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code stickyfail.store=benchmark-shared}: a shared store that is always reachable and lives in this JVM, so a
 * benchmark can measure what a shared decision adds to the statement path (the lease check) without the store's own
 * latency. Not for applications.
 */
public final class InMemorySharedStore implements DecisionStore {

    private final AtomicReference<Decision> decision = new AtomicReference<>();
    private final Duration lease;

    private InMemorySharedStore(Duration lease) {
        this.lease = lease;
    }

    public static final class Factory implements DecisionStoreFactory {
        @Override
        public String name() {
            return "benchmark-shared";
        }

        @Override
        public DecisionStore create(StoreContext context) {
            return new InMemorySharedStore(context.lease());
        }
    }

    @Override
    public Decision start(Decision local) {
        decision.compareAndSet(null, local);
        return decision.get();
    }

    @Override
    public Decision propose(long expectedEpoch, Decision next) {
        return decision.updateAndGet(cur -> (cur == null ? 0 : cur.epoch()) == expectedEpoch ? next : cur);
    }

    @Override
    public Decision read() {
        return decision.get();
    }

    @Override
    public void acknowledge(long epoch) {
    }

    @Override
    public dev.stickyfail.store.Acknowledgements acknowledgements(long epoch) {
        return dev.stickyfail.store.Acknowledgements.all(lease);
    }

    @Override
    public Duration lease() {
        return lease;
    }

    @Override
    public String describe() {
        return "benchmark-shared (in memory)";
    }

    @Override
    public void close() {
    }
}
