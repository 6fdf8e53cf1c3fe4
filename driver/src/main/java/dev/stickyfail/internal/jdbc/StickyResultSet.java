package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A result set of a stickyfail statement: {@code getStatement()} leads back to the application's statement (and its
 * {@code getConnection()} to the application's connection), never to Connector/J's, so no path skips the checks and
 * the error translation. An updatable result set's {@code insertRow}, {@code updateRow} and {@code deleteRow} are
 * judged as the writes they are. Every other method is generated from the rule table: errors are translated, reading
 * rows costs one more virtual call.
 */
public abstract class StickyResultSet implements ResultSet {

    /** The application's statement; {@code null} for a metadata result set that Connector/J made without one. */
    final Statement statement;
    final TrackedConnection tracked;
    final ResultSet delegate;

    StickyResultSet(Statement statement, TrackedConnection tracked, ResultSet delegate) {
        this.statement = statement;
        this.tracked = tracked;
        this.delegate = delegate;
    }

    @Override
    public Statement getStatement() {
        return statement;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return Unwrapping.unwrap(this, delegate, iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return Unwrapping.isWrapperFor(this, delegate, iface);
    }

    @Override
    public String toString() {
        return "StickyResultSet[" + delegate + "]";
    }
}
