package dev.stickyfail.store;

import java.sql.SQLException;

/**
 * A {@link java.util.ServiceLoader} service that provides the decision store named by {@code stickyfail.store}
 * (e.g. {@code hazelcast}, from the {@code stickyfail-hazelcast} artifact).
 */
public interface DecisionStoreFactory {

    /** The {@code stickyfail.store} value this factory answers. */
    String name();

    /**
     * Creates the store for one group. Must not block for long (joining happens in {@link DecisionStore#start}); a bad
     * setting is an {@link SQLException} with SQLState {@code 08001} naming the property, the value and the expected form.
     */
    DecisionStore create(StoreContext context) throws SQLException;
}
