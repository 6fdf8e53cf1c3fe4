package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The metadata of a {@link StickyConnection}: {@code getConnection()} is the application's connection, and the result
 * sets it returns are wrapped, their statement too when Connector/J made one. The rest is generated from the rule
 * table.
 */
public abstract class StickyDatabaseMetaData implements DatabaseMetaData {

    final StickyConnection connection;
    final TrackedConnection tracked;
    final DatabaseMetaData delegate;

    StickyDatabaseMetaData(StickyConnection connection, TrackedConnection tracked, DatabaseMetaData delegate) {
        this.connection = connection;
        this.tracked = tracked;
        this.delegate = delegate;
    }

    @Override
    public Connection getConnection() {
        return connection;
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
        return "StickyDatabaseMetaData[" + delegate + "]";
    }

    /** A metadata result set, and the statement Connector/J ran it on (if any), wrapped. */
    final ResultSet resultSet(ResultSet rs) throws SQLException {
        if (rs == null) {
            return null;
        }
        Statement own = rs.getStatement();
        Statement statement = own == null ? null : new GeneratedStickyStatement(connection, tracked, own);
        return new GeneratedStickyResultSet(statement, tracked, rs);
    }
}
