package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.testkit.ServerGroup;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/** Plain Connector/J sessions of the group's application account on server 0, for the fence's tests. */
final class AppSessions {

    private final ServerGroup group;

    AppSessions(ServerGroup group) {
        this.group = group;
    }

    /** The application's account as the fence sees it; every session it opens goes to server 0. */
    ServerFence.Account account() {
        return new ServerFence.Account() {
            @Override
            public String user() {
                return group.appUser();
            }

            @Override
            public Connection session(ServerAddress server, long timeoutMillis) throws SQLException {
                return open();
            }
        };
    }

    Connection open() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", group.appUser());
        p.setProperty("password", group.appPassword());
        p.setProperty("sslMode", "DISABLED");
        p.setProperty("allowPublicKeyRetrieval", "true");
        return DriverManager.getConnection("jdbc:mysql://127.0.0.1:" + group.server(0).port() + "/" + group.database(), p);
    }

    /** Whether a session of the application's account runs a statement starting with {@code prefix} (seen by root). */
    boolean running(Connection root, String prefix) throws SQLException {
        try (Statement st = root.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" + group.appUser()
                        + "' AND INFO LIKE '" + prefix + "%'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }
}
