package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A statement of a {@link StickyConnection}: every execution checks the connection first and reads the server's
 * status flags, and every error goes through {@link TrackedConnection}. This class holds the methods with rules of
 * their own; the build generates the others ({@code GeneratedStickyStatement}) from
 * {@code src/main/jdbc-wrappers/rules.txt}.
 */
public abstract class StickyStatement implements Statement {

    final StickyConnection connection;
    final TrackedConnection tracked;
    final Statement delegate;
    /** Whether a statement added to the batch commits implicitly (DDL, COMMIT...), for the SQLState of a broken batch. */
    private boolean batchCommitsImplicitly;
    /** The wrapper of the result set last handed out, so that asking again gives the same object. */
    private StickyResultSet lastResultSet;

    StickyStatement(StickyConnection connection, TrackedConnection tracked, Statement delegate) {
        this.connection = connection;
        this.tracked = tracked;
        this.delegate = delegate;
    }

    /** The application's connection, never Connector/J's. */
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
        return getClass().getSimpleName().replace("Generated", "") + "[" + delegate + "]";
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        try {
            delegate.addBatch(sql);
            batchCommitsImplicitly |= TrackedConnection.commitsImplicitly(sql);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void clearBatch() throws SQLException {
        try {
            delegate.clearBatch();
            batchCommitsImplicitly = false;
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    boolean batchCommitsImplicitly() {
        return batchCommitsImplicitly;
    }

    /** An error of {@code executeBatch}/{@code executeLargeBatch}, judged by what the batch held. */
    final SQLException translateBatch(SQLException e, int status) {
        return tracked.translateBatch(e, batchCommitsImplicitly(), status);
    }

    /** The batch ran (or failed): JDBC empties it, and so is its record. */
    final void batchDone() {
        batchCommitsImplicitly = false;
    }

    /**
     * The application's wrapper of a result set this statement returned: {@code rs.getStatement()} is this statement,
     * and asking for the same result set again gives the same wrapper. {@code null} stays {@code null}.
     */
    final ResultSet resultSet(ResultSet rs) {
        if (rs == null) {
            return null;
        }
        StickyResultSet last = lastResultSet;
        if (last != null && last.delegate == rs) {
            return last;
        }
        StickyResultSet wrapped = new GeneratedStickyResultSet(this, tracked, rs);
        lastResultSet = wrapped;
        return wrapped;
    }
}
