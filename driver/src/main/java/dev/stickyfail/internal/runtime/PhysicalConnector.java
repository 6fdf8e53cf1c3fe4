package dev.stickyfail.internal.runtime;

import com.mysql.cj.jdbc.NonRegisteringDriver;
import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.config.ServerAddress;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.util.Map;
import java.util.Properties;

/**
 * Opens physical connections through Connector/J, one server at a time ({@code jdbc:mysql://host:port/db}), within a
 * time budget. Connector/J bounds the TCP connect by {@code connectTimeout} but the handshake and login only by
 * {@code socketTimeout}, so the login runs under a socket timeout no longer than the budget, and the application's
 * own {@code socketTimeout} (often none) is put back once the session is open.
 */
final class PhysicalConnector {

    private static final Driver MYSQL = newDriver();

    private final Map<String, String> properties;
    private final int userConnectTimeout;
    private final int userSocketTimeout;

    /** @param properties Connector/J properties, user and password included */
    PhysicalConnector(Map<String, String> properties) throws SQLException {
        this.properties = properties;
        this.userConnectTimeout = millis(properties, "connectTimeout");
        this.userSocketTimeout = millis(properties, "socketTimeout");
    }

    private static Driver newDriver() {
        try {
            return new NonRegisteringDriver();
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A session for the application: the login is bounded by {@code budgetMillis}, later reads by the user's socketTimeout. */
    Connection open(ServerAddress server, String database, long budgetMillis) throws SQLException {
        int budget = (int) Math.max(1, Math.min(Integer.MAX_VALUE, budgetMillis));
        int loginSocketTimeout = userSocketTimeout > 0 ? Math.min(userSocketTimeout, budget) : budget;
        Connection c = connect(server, database, properties, budget, loginSocketTimeout);
        if (loginSocketTimeout != userSocketTimeout) {
            try {
                c.setNetworkTimeout(Runnable::run, userSocketTimeout);
            } catch (SQLException | RuntimeException e) {
                c.abort(Runnable::run);
                throw e;
            }
        }
        return c;
    }

    /**
     * A session for a probe: no database (a probe user needs no rights on it), the probe's credentials, and every
     * read bounded by {@code timeoutMillis}.
     */
    Connection openForProbe(ServerAddress server, String user, String password, long timeoutMillis) throws SQLException {
        Properties p = new Properties();
        p.putAll(properties);
        p.remove("autoReconnect");
        p.remove("autoReconnectForPools");
        p.remove("user");
        p.remove("password");
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        int timeout = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeoutMillis));
        return connect(server, null, toMap(p), timeout, timeout);
    }

    private Connection connect(ServerAddress server, String database, Map<String, String> props, int budget,
                               int socketTimeout) throws SQLException {
        Properties p = new Properties();
        p.putAll(props);
        p.setProperty("connectTimeout", Integer.toString(userConnectTimeout > 0 ? Math.min(userConnectTimeout, budget) : budget));
        p.setProperty("socketTimeout", Integer.toString(socketTimeout));
        String url = "jdbc:mysql://" + server.hostForUrl() + ":" + server.port() + "/"
                + (database == null ? "" : URLEncoder.encode(database, StandardCharsets.UTF_8));
        Connection c = MYSQL.connect(url, p);
        if (c == null) {
            throw new SQLException("Connector/J did not accept " + url, "08001");
        }
        return c;
    }

    private static Map<String, String> toMap(Properties p) {
        java.util.HashMap<String, String> m = new java.util.HashMap<>();
        for (String k : p.stringPropertyNames()) {
            m.put(k, p.getProperty(k));
        }
        return m;
    }

    private static int millis(Map<String, String> properties, String key) throws SQLException {
        String value = properties.get(key);
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < 0) {
                throw ConfigErrors.invalid(key, value, "milliseconds as a whole number, 0 for none");
            }
            return n;
        } catch (NumberFormatException e) {
            throw ConfigErrors.invalid(key, value, "milliseconds as a whole number, 0 for none");
        }
    }
}
