package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.sql.CallableStatement;

/**
 * A callable statement of a {@link StickyConnection}; its plain methods are generated from the rule table. A
 * {@code CALL} may commit (a procedure can), so a broken execution is judged as one.
 */
public abstract class StickyCallableStatement extends StickyPreparedStatement implements CallableStatement {

    final CallableStatement callable;

    StickyCallableStatement(StickyConnection connection, TrackedConnection tracked, CallableStatement callable,
                            String sql) {
        super(connection, tracked, callable, sql);
        this.callable = callable;
    }
}
