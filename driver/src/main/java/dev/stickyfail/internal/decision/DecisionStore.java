package dev.stickyfail.internal.decision;

import java.sql.SQLException;

/**
 * Where a group's decision lives. The local store keeps it in memory and, optionally, in a state file; a shared
 * store (Hazelcast) keeps one decision for every application instance. Stores are found by their
 * {@code stickyfail.store} name through {@link DecisionStoreFactory}.
 */
public interface DecisionStore extends AutoCloseable {

    /** The decision to start from, or {@code null} for a fresh start. Called once, before anything else. */
    Decision load() throws SQLException;

    /**
     * Replaces {@code expected} (may be {@code null}) with {@code next}, durably, before the caller hands out any
     * connection to {@code next}'s server.
     *
     * @return whether {@code expected} was still the stored decision; when not, nothing was written
     */
    boolean compareAndSet(Decision expected, Decision next) throws SQLException;

    /** A short description for messages and logs, e.g. {@code local (state file /var/lib/app/stickyfail.state)}. */
    String describe();

    @Override
    void close();
}
