package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.ShardingKey;
import java.sql.Statement;
import java.sql.Struct;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The connection the application holds: a thin, hand-written delegate over one Connector/J connection. Statements it
 * creates are wrapped too, so every statement on an aborted connection fails with {@code 08S01} at once, and every
 * error goes through {@link TrackedConnection}, the one place that decides what it means. Plain delegation below the
 * hand-written methods was generated once from the {@code java.sql} interfaces.
 *
 * <p>A connection that a switch aborted while it was idle is replaced at its next use (any method but {@code close},
 * {@code abort}, {@code isClosed} and {@code unwrap}) by a new physical connection to the active server, with the
 * settings the application made through the JDBC setters restored, when its {@link TrackedConnection} says that is
 * safe (see {@code docs/errors-and-retries.md}). Statements created before stay on the old connection and fail with
 * {@code 08S01}. All of that is off the statement path: a statement still costs one volatile read of
 * {@link #tracked} and {@link TrackedConnection#checkUsable()}.
 */
public final class StickyConnection implements Connection {

    private static final Logger LOG = LoggerFactory.getLogger(StickyConnection.class);

    /** The physical connection in use; changes only when an evicted one is replaced. */
    private volatile TrackedConnection tracked;
    /** What the application set through the JDBC setters, to restore on a replacement. */
    private final SessionSettings settings = new SessionSettings();
    private final Object replacing = new Object();
    /** Closed or aborted by the application: never replaced. */
    private volatile boolean closed;

    public StickyConnection(TrackedConnection tracked) {
        this.tracked = tracked;
        tracked.watch(this);
    }

    TrackedConnection tracked() {
        return tracked;
    }

    /** The connection for an operation that must not start on an evicted one: replaced, or its {@code 08S01} thrown. */
    private TrackedConnection usable() throws SQLException {
        TrackedConnection t = tracked;
        if (t.isEvicted()) {
            t = replace(t);
        }
        t.checkUsable();
        return t;
    }

    /** The connection for any other use: replaced if evicted and replaceable, else the old one (which fails as before). */
    private TrackedConnection live() throws SQLException {
        TrackedConnection t = tracked;
        return t.isEvicted() ? replace(t) : t;
    }

    /**
     * Swaps an evicted physical connection for a new one to the active server, when it may be: waits while no server
     * is usable (as {@code getConnection()} does), restores the application's settings, then discards the old one.
     *
     * @return the connection to use from now on: the old one when it may not be replaced (using it fails as before)
     */
    private TrackedConnection replace(TrackedConnection old) throws SQLException {
        synchronized (replacing) {
            TrackedConnection current = tracked;
            if (current != old) {
                return current; // another thread replaced it meanwhile
            }
            if (closed || !old.replaceable()) {
                if (!closed && LOG.isDebugEnabled()) {
                    LOG.debug("stickyfail[{}] a connection to {} aborted by a switch is not replaced: {}", old.group(),
                            old.server(), old.notReplaceableWhy());
                }
                return old;
            }
            TrackedConnection fresh;
            try {
                fresh = old.reconnect();
            } catch (SQLException e) {
                SQLException error = old.evictedException(null);
                error.addSuppressed(e);
                LOG.warn("stickyfail[{}] could not replace an idle connection to {} aborted by a switch: {}", old.group(),
                        old.server(), e.getMessage());
                throw error;
            }
            fresh.beginOwnChange();
            try {
                settings.restore(fresh.physical());
                fresh.autoCommitChanged(fresh.physical().getAutoCommit());
            } catch (SQLException e) {
                fresh.discard();
                SQLException error = old.evictedException(null);
                error.addSuppressed(e);
                throw error;
            } finally {
                fresh.endOwnChange();
            }
            fresh.watch(this);
            tracked = fresh;
            old.discard();
            if (closed) { // closed by another thread meanwhile: it closed the old one
                fresh.discard();
            }
            LOG.debug("stickyfail[{}] replaced an idle connection to {} aborted by a switch with one to {} ({})",
                    old.group(), old.server(), fresh.server(), settings);
            return fresh;
        }
    }

    @Override
    public Statement createStatement() throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyStatement(this, t, t.physical().createStatement(), false);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyStatement(this, t, t.physical().createStatement(resultSetType, resultSetConcurrency), resultSetConcurrency == java.sql.ResultSet.CONCUR_UPDATABLE);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyStatement(this, t,
                    t.physical().createStatement(resultSetType, resultSetConcurrency, resultSetHoldability), resultSetConcurrency == java.sql.ResultSet.CONCUR_UPDATABLE);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyPreparedStatement(this, t, t.physical().prepareStatement(sql), sql, false);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyPreparedStatement(this, t, t.physical().prepareStatement(sql, resultSetType, resultSetConcurrency), sql, resultSetConcurrency == java.sql.ResultSet.CONCUR_UPDATABLE);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyPreparedStatement(this, t,
                    t.physical().prepareStatement(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql, resultSetConcurrency == java.sql.ResultSet.CONCUR_UPDATABLE);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyPreparedStatement(this, t, t.physical().prepareStatement(sql, autoGeneratedKeys), sql, false);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyPreparedStatement(this, t, t.physical().prepareStatement(sql, columnIndexes), sql, false);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyPreparedStatement(this, t, t.physical().prepareStatement(sql, columnNames), sql, false);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyCallableStatement(this, t, t.physical().prepareCall(sql), sql, false);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency) throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyCallableStatement(this, t, t.physical().prepareCall(sql, resultSetType, resultSetConcurrency), sql, resultSetConcurrency == java.sql.ResultSet.CONCUR_UPDATABLE);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        TrackedConnection t = usable();
        try {
            return new StickyCallableStatement(this, t,
                    t.physical().prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability), sql, resultSetConcurrency == java.sql.ResultSet.CONCUR_UPDATABLE);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        TrackedConnection t = live();
        try {
            return ColdPathProxies.metaData(this, t, t.physical().getMetaData());
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    /** A commit that cannot finish because the connection was aborted or broke has an unknown outcome: {@code 08007}. */
    @Override
    public void commit() throws SQLException {
        TrackedConnection t = usable();
        try {
            t.physical().commit();
        } catch (SQLException e) {
            throw t.translateCommit(e);
        }
    }

    @Override
    public void close() throws SQLException {
        closed = true;
        TrackedConnection t = tracked;
        try {
            t.physical().close();
        } catch (SQLException e) {
            if (!t.isEvicted()) {
                throw t.translate(e);
            }
        } finally {
            t.closed();
        }
    }

    /** Marked unusable before Connector/J's abort is even scheduled, so no statement slips through before it runs. */
    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("abort(executor): the executor must not be null", "HY009");
        }
        closed = true;
        tracked.abortedByApplication(executor);
    }

    @Override
    public boolean isClosed() throws SQLException {
        TrackedConnection t = tracked;
        if (!closed && t.isEvicted() && t.replaceable()) {
            return false; // it will be replaced at its next use
        }
        return t.physical().isClosed();
    }

    /**
     * On an aborted connection: replaced first when it may be (so a pool's validation finds a working connection);
     * otherwise false at once, without a round trip.
     */
    @Override
    public boolean isValid(int timeout) throws SQLException {
        TrackedConnection t = tracked;
        if (t.isEvicted()) {
            if (closed || !t.replaceable()) {
                return false;
            }
            try {
                t = replace(t);
            } catch (SQLException e) {
                return false;
            }
            if (t.isEvicted()) {
                return false;
            }
        }
        try {
            return t.physical().isValid(timeout);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return Unwrapping.unwrap(this, tracked.physical(), iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return Unwrapping.isWrapperFor(this, tracked.physical(), iface);
    }

    @Override
    public String toString() {
        TrackedConnection t = tracked;
        return "StickyConnection[" + t.group() + " -> " + t.server() + "]";
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().nativeSQL(sql);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        TrackedConnection t = usable();
        try {
            t.beginOwnChange();
            t.physical().setAutoCommit(autoCommit);
            t.autoCommitChanged(autoCommit);
            settings.autoCommit = autoCommit;
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getAutoCommit();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void rollback() throws SQLException {
        TrackedConnection t = usable();
        try {
            t.physical().rollback();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setReadOnly(readOnly);
            settings.readOnly = readOnly;
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().isReadOnly();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setCatalog(catalog);
            settings.catalog(catalog);
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public String getCatalog() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getCatalog();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setTransactionIsolation(level);
            settings.isolation = level;
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getTransactionIsolation();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getWarnings();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void clearWarnings() throws SQLException {
        TrackedConnection t = live();
        try {
            t.physical().clearWarnings();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getTypeMap();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setTypeMap(map);
            settings.typeMap = map;
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setHoldability(holdability);
            settings.holdability = holdability;
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public int getHoldability() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getHoldability();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        TrackedConnection t = usable();
        try {
            return t.physical().setSavepoint();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        TrackedConnection t = usable();
        try {
            return t.physical().setSavepoint(name);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        TrackedConnection t = usable();
        try {
            t.physical().rollback(savepoint);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        TrackedConnection t = usable();
        try {
            t.physical().releaseSavepoint(savepoint);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Clob createClob() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().createClob();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Blob createBlob() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().createBlob();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public NClob createNClob() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().createNClob();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().createSQLXML();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        TrackedConnection t = liveForClientInfo();
        t.physical().setClientInfo(name, value);
        settings.clientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        TrackedConnection t = liveForClientInfo();
        t.physical().setClientInfo(properties);
        settings.clientInfo(properties);
    }

    private TrackedConnection liveForClientInfo() throws SQLClientInfoException {
        try {
            return live();
        } catch (SQLException e) {
            throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), e.getErrorCode(), Map.of(), e);
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getClientInfo(name);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getClientInfo();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().createArrayOf(typeName, elements);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().createStruct(typeName, attributes);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setSchema(schema);
            settings.schema(schema);
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public String getSchema() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getSchema();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        TrackedConnection t = live();
        try {
            t.beginOwnChange();
            t.physical().setNetworkTimeout(executor, milliseconds);
            settings.networkTimeout(executor, milliseconds);
        } catch (SQLException e) {
            throw t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().getNetworkTimeout();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void beginRequest() throws SQLException {
        TrackedConnection t = live();
        try {
            t.physical().beginRequest();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void endRequest() throws SQLException {
        TrackedConnection t = live();
        try {
            t.physical().endRequest();
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey shardingKey, ShardingKey superShardingKey, int timeout) throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().setShardingKeyIfValid(shardingKey, superShardingKey, timeout);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public boolean setShardingKeyIfValid(ShardingKey shardingKey, int timeout) throws SQLException {
        TrackedConnection t = live();
        try {
            return t.physical().setShardingKeyIfValid(shardingKey, timeout);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setShardingKey(ShardingKey shardingKey, ShardingKey superShardingKey) throws SQLException {
        TrackedConnection t = live();
        try {
            t.physical().setShardingKey(shardingKey, superShardingKey);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }

    @Override
    public void setShardingKey(ShardingKey shardingKey) throws SQLException {
        TrackedConnection t = live();
        try {
            t.physical().setShardingKey(shardingKey);
        } catch (SQLException e) {
            throw t.translate(e);
        }
    }
}
