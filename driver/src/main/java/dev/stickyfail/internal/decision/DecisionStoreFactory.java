package dev.stickyfail.internal.decision;

import dev.stickyfail.config.StickyFailConfig;

import java.sql.SQLException;

/** A service that provides the decision store named by {@code stickyfail.store}. */
public interface DecisionStoreFactory {

    /** The {@code stickyfail.store} value this factory answers. */
    String name();

    DecisionStore create(StickyFailConfig config) throws SQLException;
}
