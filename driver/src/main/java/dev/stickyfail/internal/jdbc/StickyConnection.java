package dev.stickyfail.internal.jdbc;

import dev.stickyfail.internal.runtime.TrackedConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The connection the application holds: a thin delegate over one Connector/J connection. Statements it creates are
 * wrapped too, so every statement on an aborted connection fails with {@code 08S01} at once, and every error goes
 * through {@link TrackedConnection}, the one place that decides what it means. This class holds the methods with rules
 * of their own; the build generates the others ({@code GeneratedStickyConnection}) from the rule table,
 * {@code src/main/jdbc-wrappers/rules.txt}, which classifies every method of {@link Connection}.
 *
 * <p>A connection that a switch aborted while it was idle is replaced at its next use (any method but {@code close},
 * {@code abort} and {@code isClosed}) by a new physical connection to the active server, with the
 * settings the application made through the JDBC setters restored, when its {@link TrackedConnection} says that is
 * safe (see {@code docs/errors-and-retries.md}). Statements created before stay on the old connection and fail with
 * {@code 08S01}. All of that is off the statement path: a statement still costs one volatile read of
 * {@link #tracked} and {@link TrackedConnection#checkUsable()}.
 */
public abstract class StickyConnection implements Connection {

    private static final Logger LOG = LoggerFactory.getLogger(StickyConnection.class);

    /** The physical connection in use; changes only when an evicted one is replaced. */
    private volatile TrackedConnection tracked;
    /** What the application set through the JDBC setters, to restore on a replacement. */
    private final SessionSettings settings = new SessionSettings();
    private final Object replacing = new Object();
    /** Closed or aborted by the application: never replaced. */
    private volatile boolean closed;

    StickyConnection(TrackedConnection tracked) {
        this.tracked = tracked;
        tracked.watch(this);
    }

    /** The application's connection over a registered physical connection. */
    public static StickyConnection wrap(TrackedConnection tracked) {
        return new GeneratedStickyConnection(tracked);
    }

    TrackedConnection tracked() {
        return tracked;
    }

    /** The settings made through the JDBC setters, for the generated setters to record. */
    final SessionSettings settings() {
        return settings;
    }

    final Statement wrapStatement(TrackedConnection t, Statement s) {
        return new GeneratedStickyStatement(this, t, s);
    }

    final PreparedStatement wrapPrepared(TrackedConnection t, PreparedStatement ps, String sql) {
        return new GeneratedStickyPreparedStatement(this, t, ps, sql);
    }

    final CallableStatement wrapCallable(TrackedConnection t, CallableStatement cs, String sql) {
        return new GeneratedStickyCallableStatement(this, t, cs, sql);
    }

    /** The connection for an operation that must not start on an evicted one: replaced, or its {@code 08S01} thrown. */
    final TrackedConnection usable() throws SQLException {
        TrackedConnection t = tracked;
        if (t.isEvicted()) {
            t = replace(t);
        }
        t.checkUsable();
        return t;
    }

    /** The connection for any other use: replaced if evicted and replaceable, else the old one (which fails as before). */
    final TrackedConnection live() throws SQLException {
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
    public DatabaseMetaData getMetaData() throws SQLException {
        TrackedConnection t = live();
        try {
            return new GeneratedStickyDatabaseMetaData(this, t, t.physical().getMetaData());
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

    /** The Connector/J connection is the one in use: an aborted idle connection is replaced first, when it may be. */
    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return Unwrapping.unwrap(this, live().physical(), iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || Unwrapping.isWrapperFor(this, live().physical(), iface);
    }

    @Override
    public String toString() {
        TrackedConnection t = tracked;
        return "StickyConnection[" + t.group() + " -> " + t.server() + "]";
    }

    /**
     * {@code setAutoCommit(true)} commits a transaction that is open (MySQL and MariaDB do): when the connection breaks
     * or is aborted while it is in flight, its outcome is unknown ({@code 08007}), judged from the server's status
     * flags before the call; {@code setAutoCommit(false)} commits nothing ({@code 08S01}).
     */
    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        TrackedConnection t = usable();
        int status = t.sessionStatus(); // before the call: whether a transaction is open for it to commit
        try {
            t.beginOwnChange();
            t.physical().setAutoCommit(autoCommit);
            t.autoCommitChanged(autoCommit);
            settings.autoCommit = autoCommit;
        } catch (SQLException e) {
            throw autoCommit ? t.translateSetAutoCommitTrue(e, status) : t.translate(e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        TrackedConnection t = liveForClientInfo();
        try {
            t.beginOwnChange();
            t.physical().setClientInfo(name, value);
            settings.clientInfo(name, value);
        } catch (SQLClientInfoException e) {
            throw clientInfoError(t, e);
        } finally {
            t.endOwnChange();
        }
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        TrackedConnection t = liveForClientInfo();
        try {
            t.beginOwnChange();
            t.physical().setClientInfo(properties);
            settings.clientInfo(properties);
        } catch (SQLClientInfoException e) {
            throw clientInfoError(t, e);
        } finally {
            t.endOwnChange();
        }
    }

    /** As {@code live()}; an aborted connection that was not replaced refuses the setting ({@code 08S01}). */
    private TrackedConnection liveForClientInfo() throws SQLClientInfoException {
        try {
            TrackedConnection t = live();
            if (t.isEvicted()) {
                throw t.evictedException(null); // Connector/J would keep it locally on a dead connection, silently
            }
            return t;
        } catch (SQLException e) {
            throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), e.getErrorCode(), Map.of(), e);
        }
    }

    /** The error as {@link TrackedConnection#translate} sees it, in the type the JDBC signature demands. */
    private static SQLClientInfoException clientInfoError(TrackedConnection t, SQLClientInfoException e) {
        SQLException translated = t.translate(e);
        if (translated == e) {
            return e;
        }
        return new SQLClientInfoException(translated.getMessage(), translated.getSQLState(), translated.getErrorCode(),
                e.getFailedProperties(), translated);
    }
}
