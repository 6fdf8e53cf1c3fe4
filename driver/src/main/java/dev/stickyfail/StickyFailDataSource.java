package dev.stickyfail;

import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.internal.ConnectorJ;
import dev.stickyfail.internal.jdbc.StickyConnection;
import dev.stickyfail.internal.runtime.GroupRuntime;
import dev.stickyfail.internal.runtime.RuntimeRegistry;

import javax.sql.DataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A {@link DataSource} for pools and frameworks. Configure it with bean setters ({@link #setUrl}, {@link #setUser},
 * {@link #setPassword}, and {@link #setProperty} or {@link #setConnectionProperties} for any {@code stickyfail.*} or
 * Connector/J property), as HikariCP does with {@code dataSourceClassName=dev.stickyfail.StickyFailDataSource} and
 * {@code dataSource.url=...}. The configuration is read and validated at the first {@code getConnection()}; after
 * that it is sealed. {@link #close()} releases the group; the last DataSource of a group stops it.
 */
public class StickyFailDataSource implements DataSource, AutoCloseable {

    private final Properties properties = new Properties();
    private String url;
    private int loginTimeoutSeconds;
    private PrintWriter logWriter;

    private StickyFailConfig config;
    private GroupRuntime runtime;
    private GroupRuntime.ConnectionFactory factory;
    private boolean closed;

    public StickyFailDataSource() {
    }

    public StickyFailDataSource(String url) {
        this.url = url;
    }

    @Override
    public Connection getConnection() throws SQLException {
        GroupRuntime rt;
        GroupRuntime.ConnectionFactory f;
        synchronized (this) {
            rt = start();
            f = factory;
        }
        return StickyConnection.wrap(rt.connect(f));
    }

    /** A connection with other credentials than the configured ones (same group, same decision). */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        GroupRuntime rt;
        Map<String, String> connector;
        synchronized (this) {
            rt = start();
            connector = new java.util.HashMap<>(config.connectorProperties());
        }
        putOrRemove(connector, "user", username);
        putOrRemove(connector, "password", password);
        return StickyConnection.wrap(rt.connect(GroupRuntime.connectionFactory(connector, config.database())));
    }

    private static void putOrRemove(Map<String, String> map, String key, String value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    private GroupRuntime start() throws SQLException {
        if (closed) {
            throw ConfigErrors.problem("this StickyFailDataSource is closed");
        }
        if (runtime == null || runtime.isStopped()) {
            if (config == null) {
                if (url == null) {
                    throw ConfigErrors.problem("no URL set on the StickyFailDataSource; call setUrl(\"jdbc:stickyfail:mysql://db0,db1/app\")"
                            + " (HikariCP: dataSource.url)");
                }
                ConnectorJ.check();
                StickyFailConfig parsed = StickyFailConfig.from(url, properties);
                factory = GroupRuntime.connectionFactory(parsed.connectorProperties(), parsed.database());
                config = parsed;
            }
            runtime = RuntimeRegistry.acquire(config, false);
        }
        return runtime;
    }

    /** The runtime API of this DataSource's group (starting the group if needed). */
    public synchronized GroupAdmin admin() throws SQLException {
        return start();
    }

    /** Releases the group; the last DataSource of a group stops its probes and aborts its remaining connections. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (runtime != null) {
            RuntimeRegistry.release(runtime);
            runtime = null;
        }
    }

    public synchronized boolean isClosed() {
        return closed;
    }

    private void checkNotStarted(String what) {
        if (config != null) {
            throw new IllegalStateException("cannot set " + what + ": the StickyFailDataSource is already in use (its "
                    + "configuration was sealed at the first getConnection); configure a new one instead");
        }
    }

    public synchronized void setUrl(String url) {
        checkNotStarted("url");
        this.url = url;
    }

    public synchronized String getUrl() {
        return url == null ? null : ConfigErrors.redactUrl(url);
    }

    /** Same as {@link #setUrl}, for frameworks that call it {@code jdbcUrl}. */
    public void setJdbcUrl(String url) {
        setUrl(url);
    }

    public String getJdbcUrl() {
        return getUrl();
    }

    public void setUser(String user) {
        setProperty("user", user);
    }

    public synchronized String getUser() {
        return properties.getProperty("user");
    }

    /** Same as {@link #setUser}. */
    public void setUsername(String user) {
        setUser(user);
    }

    public void setPassword(String password) {
        setProperty("password", password);
    }

    /** Sets any {@code stickyfail.*} or Connector/J property. A parameter in the URL wins over it. */
    public synchronized void setProperty(String key, String value) {
        checkNotStarted(key);
        if (value == null) {
            properties.remove(key);
        } else {
            properties.setProperty(key, value);
        }
    }

    public synchronized void setProperties(Properties props) {
        checkNotStarted("properties");
        for (String key : props.stringPropertyNames()) {
            properties.setProperty(key, props.getProperty(key));
        }
    }

    /**
     * Properties as {@code key=value} pairs separated by {@code ;}, e.g.
     * {@code stickyfail.fall=3;stickyfail.stateFile=/var/lib/app/sf.state;sslMode=REQUIRED} (HikariCP:
     * {@code dataSource.connectionProperties}).
     */
    public synchronized void setConnectionProperties(String pairs) {
        checkNotStarted("connectionProperties");
        if (pairs == null) {
            return;
        }
        for (String pair : pairs.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("connectionProperties: '" + (pair.toLowerCase(java.util.Locale.ROOT).contains("password") ? "****" : pair)
                        + "' is not of the form key=value; expected key=value pairs separated by ;");
            }
            properties.setProperty(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
        }
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    /** Kept for the DataSource contract; stickyfail bounds waits with {@code stickyfail.failoverTimeout} and {@code stickyfail.connectTimeout}. */
    @Override
    public void setLoginTimeout(int seconds) {
        this.loginTimeoutSeconds = seconds;
    }

    @Override
    public int getLoginTimeout() {
        return loginTimeoutSeconds;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("stickyfail logs through SLF4J, not java.util.logging");
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("StickyFailDataSource does not wrap a " + iface.getName());
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return iface.isInstance(this);
    }

    @Override
    public synchronized String toString() {
        return "StickyFailDataSource[" + (url == null ? "no URL" : ConfigErrors.redactUrl(url)) + (closed ? ", closed" : "") + "]";
    }
}
