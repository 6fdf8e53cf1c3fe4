package dev.stickyfail.benchmarks;

import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;
import dev.stickyfail.store.shared.InMemoryRegister;
import dev.stickyfail.store.shared.SharedDecisionStore;

import java.sql.SQLException;

/**
 * {@code stickyfail.store=benchmark-shared}: the shared-decision protocol ({@link SharedDecisionStore}) over registers
 * in this JVM, always reachable, so a benchmark can measure what a shared decision adds to the statement path (the
 * lease check) without a network store's latency. Each group gets registers of its own, prepared as a new group (no
 * census). Not for applications.
 */
public final class InMemorySharedStore {

    private InMemorySharedStore() {
    }

    public static final class Factory implements DecisionStoreFactory {
        @Override
        public String name() {
            return "benchmark-shared";
        }

        @Override
        public DecisionStore create(StoreContext context) throws SQLException {
            InMemoryRegister decision = new InMemoryRegister("benchmark decision " + context.group());
            InMemoryRegister instances = new InMemoryRegister("benchmark instances " + context.group());
            SharedDecisionStore.initialize(decision, instances, "1.benchmark");
            return new SharedDecisionStore(context, decision, instances);
        }
    }
}
