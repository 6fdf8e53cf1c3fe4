package dev.stickyfail.hazelcast;

import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;

import java.sql.SQLException;

/** {@code stickyfail.store=hazelcast}; the {@code stickyfail.hazelcast.*} properties are in {@link HazelcastSettings}. */
public final class HazelcastDecisionStoreFactory implements DecisionStoreFactory {

    @Override
    public String name() {
        return "hazelcast";
    }

    @Override
    public DecisionStore create(StoreContext context) throws SQLException {
        HazelcastSettings settings = HazelcastSettings.parse(context.properties(), context.lease());
        HazelcastDecisionStore store = new HazelcastDecisionStore(context, settings);
        return settings.claimServers() ? new ClaimedStore(store, context, settings) : store;
    }
}
