package dev.stickyfail.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
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
     * hanging; TLS off (the servers run with {@code --skip-ssl}).
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

    static String sqlString(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }
}
