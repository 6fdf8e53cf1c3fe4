package dev.stickyfail.internal.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The settings the application made through the JDBC setters of one {@link StickyConnection}, as it last made them,
 * so that a replacement connection gets them too. Only what was set is restored; the rest is the new connection's
 * default, which is also what the old one had (same URL and properties). Written by the setters (cold), read once per
 * replacement, both under the connection's own use by the application.
 */
final class SessionSettings {

    volatile Boolean autoCommit;
    private volatile Integer isolation;
    private volatile Boolean readOnly;
    private volatile Integer holdability;
    private volatile Map<String, Class<?>> typeMap;
    private volatile String catalog;
    private volatile String schema;
    private volatile Executor networkTimeoutExecutor;
    private volatile int networkTimeoutMillis = -1;
    private Properties clientInfo;

    // Named as the Connection setters they record (the generated wrapper calls them with the setter's arguments).

    void setReadOnly(boolean readOnly) {
        this.readOnly = readOnly;
    }

    void setTransactionIsolation(int level) {
        this.isolation = level;
    }

    void setHoldability(int holdability) {
        this.holdability = holdability;
    }

    void setTypeMap(Map<String, Class<?>> map) {
        this.typeMap = map;
    }

    void setCatalog(String catalog) {
        this.catalog = catalog;
    }

    void setSchema(String schema) {
        this.schema = schema;
    }

    void setNetworkTimeout(Executor executor, int millis) {
        this.networkTimeoutExecutor = executor;
        this.networkTimeoutMillis = millis;
    }

    synchronized void clientInfo(String name, String value) {
        if (clientInfo == null) {
            clientInfo = new Properties();
        }
        if (value == null) {
            clientInfo.remove(name);
        } else {
            clientInfo.setProperty(name, value);
        }
    }

    synchronized void clientInfo(Properties properties) {
        clientInfo = new Properties();
        if (properties != null) {
            clientInfo.putAll(properties);
        }
    }

    /** Applies every recorded setting to a new physical connection; autocommit last, as a pool does. */
    void restore(Connection c) throws SQLException {
        if (catalog != null) {
            c.setCatalog(catalog);
        }
        if (schema != null) {
            c.setSchema(schema);
        }
        if (isolation != null) {
            c.setTransactionIsolation(isolation);
        }
        if (readOnly != null) {
            c.setReadOnly(readOnly);
        }
        if (holdability != null) {
            c.setHoldability(holdability);
        }
        if (typeMap != null) {
            c.setTypeMap(typeMap);
        }
        Properties info;
        synchronized (this) {
            info = clientInfo == null ? null : (Properties) clientInfo.clone();
        }
        if (info != null) {
            c.setClientInfo(info);
        }
        if (networkTimeoutMillis >= 0) {
            c.setNetworkTimeout(networkTimeoutExecutor, networkTimeoutMillis);
        }
        if (autoCommit != null) {
            c.setAutoCommit(autoCommit);
        }
    }

    @Override
    public String toString() {
        return "restored: autoCommit=" + autoCommit + ", isolation=" + isolation + ", readOnly=" + readOnly + ", catalog="
                + catalog + ", schema=" + schema + ", holdability=" + holdability + ", networkTimeout="
                + (networkTimeoutMillis < 0 ? null : networkTimeoutMillis + " ms") + ", clientInfo="
                + (clientInfo == null ? null : clientInfo.stringPropertyNames());
    }
}
