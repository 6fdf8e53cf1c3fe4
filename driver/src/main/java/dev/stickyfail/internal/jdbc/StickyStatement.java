package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;

/** A statement of a {@link StickyConnection}: checks the connection before each execution, translates errors. */
public class StickyStatement implements Statement {

    final StickyConnection connection;
    final TrackedConnection tracked;
    private final Statement delegate;
    /** Whether a statement added to the batch commits implicitly (DDL, COMMIT...), for the SQLState of a broken batch. */
    private boolean batchCommitsImplicitly;
    /** Created with {@code CONCUR_UPDATABLE}: its result sets can write, and are wrapped to translate those errors. */
    final boolean updatable;

    StickyStatement(StickyConnection connection, TrackedConnection tracked, Statement delegate, boolean updatable) {
        this.updatable = updatable;
        this.connection = connection;
        this.tracked = tracked;
        this.delegate = delegate;
    }

    boolean batchCommitsImplicitly() {
        return batchCommitsImplicitly;
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
        return getClass().getSimpleName() + "[" + delegate + "]";
    }

    @Override
    public ResultSet executeQuery(String sql) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            ResultSet rs = delegate.executeQuery(sql);
            return updatable ? ColdPathProxies.resultSet(this, tracked, rs) : rs;
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public int executeUpdate(String sql) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeUpdate(sql);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public void close() throws SQLException {
        try {
            delegate.close();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getMaxFieldSize() throws SQLException {
        try {
            return delegate.getMaxFieldSize();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        try {
            delegate.setMaxFieldSize(max);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getMaxRows() throws SQLException {
        try {
            return delegate.getMaxRows();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        try {
            delegate.setMaxRows(max);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        try {
            delegate.setEscapeProcessing(enable);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        try {
            return delegate.getQueryTimeout();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        try {
            delegate.setQueryTimeout(seconds);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void cancel() throws SQLException {
        try {
            delegate.cancel();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        try {
            return delegate.getWarnings();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void clearWarnings() throws SQLException {
        try {
            delegate.clearWarnings();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        try {
            delegate.setCursorName(name);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public boolean execute(String sql) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.execute(sql);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public ResultSet getResultSet() throws SQLException {
        try {
            ResultSet rs = delegate.getResultSet();
            return updatable ? ColdPathProxies.resultSet(this, tracked, rs) : rs;
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getUpdateCount() throws SQLException {
        try {
            return delegate.getUpdateCount();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        try {
            return delegate.getMoreResults();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        try {
            delegate.setFetchDirection(direction);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getFetchDirection() throws SQLException {
        try {
            return delegate.getFetchDirection();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        try {
            delegate.setFetchSize(rows);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getFetchSize() throws SQLException {
        try {
            return delegate.getFetchSize();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        try {
            return delegate.getResultSetConcurrency();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int getResultSetType() throws SQLException {
        try {
            return delegate.getResultSetType();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
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

    @Override
    public int[] executeBatch() throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeBatch();
        } catch (SQLException e) {
            throw tracked.translateBatch(e, batchCommitsImplicitly(), status);
        }
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        try {
            return delegate.getMoreResults(current);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        try {
            return delegate.getGeneratedKeys();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public int executeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeUpdate(sql, autoGeneratedKeys);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public int executeUpdate(String sql, int[] columnIndexes) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeUpdate(sql, columnIndexes);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public int executeUpdate(String sql, String[] columnNames) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeUpdate(sql, columnNames);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public boolean execute(String sql, int autoGeneratedKeys) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.execute(sql, autoGeneratedKeys);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public boolean execute(String sql, int[] columnIndexes) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.execute(sql, columnIndexes);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public boolean execute(String sql, String[] columnNames) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.execute(sql, columnNames);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        try {
            return delegate.getResultSetHoldability();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public boolean isClosed() throws SQLException {
        try {
            return delegate.isClosed();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setPoolable(boolean poolable) throws SQLException {
        try {
            delegate.setPoolable(poolable);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public boolean isPoolable() throws SQLException {
        try {
            return delegate.isPoolable();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        try {
            delegate.closeOnCompletion();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        try {
            return delegate.isCloseOnCompletion();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        try {
            return delegate.getLargeUpdateCount();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        try {
            delegate.setLargeMaxRows(max);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        try {
            return delegate.getLargeMaxRows();
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeLargeBatch();
        } catch (SQLException e) {
            throw tracked.translateBatch(e, batchCommitsImplicitly(), status);
        }
    }

    @Override
    public long executeLargeUpdate(String sql) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeLargeUpdate(sql);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public long executeLargeUpdate(String sql, int autoGeneratedKeys) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeLargeUpdate(sql, autoGeneratedKeys);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public long executeLargeUpdate(String sql, int[] columnIndexes) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeLargeUpdate(sql, columnIndexes);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public long executeLargeUpdate(String sql, String[] columnNames) throws SQLException {
        tracked.checkUsable();
        int status = tracked.sessionStatus(); // before it runs: the abort may reset it
        try {
            return delegate.executeLargeUpdate(sql, columnNames);
        } catch (SQLException e) {
            throw tracked.translateExecution(e, sql, status);
        }
    }

    @Override
    public String enquoteLiteral(String val) throws SQLException {
        try {
            return delegate.enquoteLiteral(val);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public String enquoteIdentifier(String identifier, boolean alwaysQuote) throws SQLException {
        try {
            return delegate.enquoteIdentifier(identifier, alwaysQuote);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public boolean isSimpleIdentifier(String identifier) throws SQLException {
        try {
            return delegate.isSimpleIdentifier(identifier);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }

    @Override
    public String enquoteNCharLiteral(String val) throws SQLException {
        try {
            return delegate.enquoteNCharLiteral(val);
        } catch (SQLException e) {
            throw tracked.translate(e);
        }
    }
}
