package dev.stickyfail.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.stickyfail.StickyFail;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.testkit.Flavour;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * MySQL 8's two authentication plugins through {@code jdbc:stickyfail:}, on real MySQL 8.0 servers (TLS on, as
 * MySQL ships). Each test makes its own account on db0 (replicated to db1), so no earlier login has filled the
 * server's {@code caching_sha2_password} cache: a login over plain TCP then needs the server's RSA key, which
 * Connector/J fetches only with {@code allowPublicKeyRetrieval=true}. Probes use the application's account, as they
 * do by default.
 */
@MariaDbGroupTest(size = 2, flavour = Flavour.MYSQL8)
class Mysql8AuthenticationTest {

    private static final AtomicInteger USERS = new AtomicInteger();
    private static final String PASSWORD = "auth_Pw-4f7a2c";

    private final ServerGroup group;

    Mysql8AuthenticationTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    /** A new account on both servers with {@code plugin}, all rights on {@code app}, no login so far. */
    private String newUser(String plugin) throws SQLException {
        String user = "auth" + USERS.incrementAndGet();
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE USER '" + user + "'@'%' IDENTIFIED WITH " + plugin + " BY '" + PASSWORD + "'");
            st.execute("GRANT ALL PRIVILEGES ON `" + group.database() + "`.* TO '" + user + "'@'%'");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        return user;
    }

    private StickyFailDataSource dataSource(String user, String groupName, String params) {
        StickyFailDataSource ds = new StickyFailDataSource(Fixtures.url(group, group.hostList(), params));
        ds.setUser(user);
        ds.setPassword(PASSWORD);
        ds.setProperty("stickyfail.group", groupName);
        return ds;
    }

    private static String status(Connection c, String variable) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE '" + variable + "'")) {
            return rs.next() ? rs.getString(2) : "";
        }
    }

    private String pluginOf(String user) throws SQLException {
        try (Connection c = group.adminConnection(1); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT plugin FROM mysql.user WHERE user = '" + user + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void cachingSha2PasswordOverTlsLogsInAndFailsOver() throws Exception {
        String user = newUser("caching_sha2_password");
        assertThat(pluginOf(user)).isEqualTo("caching_sha2_password");
        try (StickyFailDataSource ds = dataSource(user, "auth-sha2-tls", "sslMode=REQUIRED")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                assertThat(status(c, "Ssl_cipher")).as("the session is encrypted").isNotBlank();
            }
            group.server(0).kill();
            // db1 was never logged in to by this account: a full caching_sha2_password exchange, over TLS
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
                assertThat(status(c, "Ssl_cipher")).isNotBlank();
            }
        }
    }

    @Test
    void cachingSha2PasswordWithoutTlsFailsNamingTheCauseAndTheFix() throws Exception {
        String user = newUser("caching_sha2_password");
        try (StickyFailDataSource ds = dataSource(user, "auth-sha2-plain",
                "sslMode=DISABLED&stickyfail.failoverTimeout=3s")) {
            long start = System.nanoTime();
            SQLException e = catchThrowableOfType(SQLException.class, ds::getConnection);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat((Throwable) e).as("getConnection without TLS and without allowPublicKeyRetrieval").isNotNull();
            assertThat(e.getSQLState()).isEqualTo("08001");
            assertThat(e.getMessage())
                    .contains("Public Key Retrieval is not allowed")
                    .contains("caching_sha2_password")
                    .contains("allowPublicKeyRetrieval=true")
                    .contains("sslMode")
                    .doesNotContain(PASSWORD);
            System.out.printf("AUTH without TLS nor allowPublicKeyRetrieval: failed after %d ms: %s%n", millis,
                    e.getMessage());
        }
    }

    @Test
    void aHikariPoolThatCannotLogInSaysWhyAtStart() throws Exception {
        String user = newUser("caching_sha2_password");
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(Fixtures.url(group, group.hostList(),
                "sslMode=DISABLED&stickyfail.failoverTimeout=2s&stickyfail.group=auth-sha2-hikari"));
        config.setUsername(user);
        config.setPassword(PASSWORD);
        try {
            assertThatThrownBy(() -> new HikariDataSource(config).close())
                    .isInstanceOf(HikariPool.PoolInitializationException.class)
                    .hasMessageContaining("Public Key Retrieval is not allowed")
                    .hasMessageContaining("allowPublicKeyRetrieval=true")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(PASSWORD));
        } finally {
            StickyFail.shutdown("auth-sha2-hikari"); // made through DriverManager: nothing else closes it
        }
    }

    @Test
    void cachingSha2PasswordOverPlainTcpWithPublicKeyRetrieval() throws Exception {
        String user = newUser("caching_sha2_password");
        try (StickyFailDataSource ds = dataSource(user, "auth-sha2-rsa",
                "sslMode=DISABLED&allowPublicKeyRetrieval=true")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                assertThat(status(c, "Ssl_cipher")).as("not encrypted").isBlank();
            }
        }
    }

    @Test
    void mysqlNativePasswordNeedsNeitherTlsNorTheServersKey() throws Exception {
        String user = newUser("mysql_native_password");
        assertThat(pluginOf(user)).isEqualTo("mysql_native_password");
        try (StickyFailDataSource ds = dataSource(user, "auth-native", "sslMode=DISABLED")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                assertThat(status(c, "Ssl_cipher")).isBlank();
            }
            group.server(0).kill();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        }
    }
}
