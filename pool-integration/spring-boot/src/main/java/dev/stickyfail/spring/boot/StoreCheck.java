package dev.stickyfail.spring.boot;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.util.ServiceLoader;

/**
 * At application start, what the driver would find only at the first connection: that the decision store named by
 * {@code stickyfail.store} is on the class path, and that it accepts its settings (the Hazelcast store refuses a
 * Hazelcast without CP Subsystem here). A Boot application often opens no connection at start: without this, a missing
 * {@code stickyfail-hazelcast} artifact would surface only in the first request. Creating a store joins nothing: the
 * store SPI asks {@code create} not to block and leaves joining to {@code start}.
 */
final class StoreCheck {

    private StoreCheck() {
    }

    static void check(StickyFailConfig config) throws SQLException {
        String store = config.store();
        if ("local".equals(store)) {
            return;
        }
        for (DecisionStoreFactory f : ServiceLoader.load(DecisionStoreFactory.class, DecisionStoreFactory.class.getClassLoader())) {
            if (f.name().equals(store)) {
                StoreContext context = new StoreContext(config.group(),
                        config.servers().stream().map(ServerAddress::toString).toList(), "startup-check", config.lease(),
                        config.storeProperties());
                try (DecisionStore created = f.create(context)) {
                    return;
                }
            }
        }
        throw new SQLNonTransientConnectionException("stickyfail.store=" + store + " needs the artifact dev.stickyfail:stickyfail-"
                + store + " on the class path (beside stickyfail-spring-boot-starter), and it is not there", "08001");
    }
}
