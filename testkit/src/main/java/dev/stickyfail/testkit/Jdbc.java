package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;

/** Connector/J connections for the testkit's own administration. */
final class Jdbc {

    static final Duration ADMIN_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration ADMIN_SOCKET_TIMEOUT = Duration.ofSeconds(10);

    private Jdbc() {
    }

    static String url(String host, int port, String database) {
        return "jdbc:mysql://" + host + ":" + port + "/" + database;
    }

    /**
     * A connection with short timeouts, so a frozen or cut-off server makes the testkit fail quickly instead of
     * hanging; TLS off (MariaDB servers run with {@code --skip-ssl}), the RSA public key fetched where MySQL 8's
     * {@code caching_sha2_password} needs it.
     */
    static Connection admin(String host, int port, String database, String user, String password,
                            Duration connectTimeout, Duration socketTimeout) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", user);
        props.setProperty("password", password);
        props.setProperty("connectTimeout", Long.toString(connectTimeout.toMillis()));
        props.setProperty("socketTimeout", Long.toString(socketTimeout.toMillis()));
        props.setProperty("sslMode", "DISABLED");
        props.setProperty("allowPublicKeyRetrieval", "true");
        return DriverManager.getConnection(url(host, port, database), props);
    }

    static void execute(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The first column of the first row; empty for NULL. */
    static String queryString(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            String value = rs.getString(1);
            return value == null ? "" : value;
        }
    }

    static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
