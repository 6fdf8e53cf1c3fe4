package dev.stickyfail.store.shared;

import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.SharedDecisionStoreContract;
import dev.stickyfail.store.StoreContext;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The shared-store contract on {@link SharedDecisionStore} over in-memory registers, on a manual clock. */
class InMemorySharedDecisionStoreTest extends SharedDecisionStoreContract {

    private final ManualClock clock = new ManualClock();
    private final InMemoryRegister decisions = new InMemoryRegister("decision");
    private final InMemoryRegister instances = new InMemoryRegister("instances");

    @Override
    protected DecisionStore open(String instanceId, Duration lease) {
        return new SharedDecisionStore(new StoreContext("contract", SERVERS, instanceId, lease, Map.of(), clock), decisions,
                instances);
    }

    @Override
    protected DecisionStore openWithServers(String instanceId, List<String> servers) {
        return new SharedDecisionStore(new StoreContext("contract", servers, instanceId, lease(), Map.of(), clock), decisions,
                instances);
    }

    @Override
    protected Decision started(DecisionStore store, Decision local) throws SQLException {
        for (int i = 0; i < 10_000; i++) {
            try {
                return store.start(local);
            } catch (SQLTransientConnectionException e) {
                clock.advance(Duration.ofMillis(100)); // the census waits on this clock
            }
        }
        throw new AssertionError("start never answered");
    }
}
