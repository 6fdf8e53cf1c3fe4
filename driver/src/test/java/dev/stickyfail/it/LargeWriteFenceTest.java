package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.testkit.GroupOptions;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A switch can never hang: a thread streaming a large write to a server that freezes blocks in the socket write
 * (writes have no timeout, and a stopped server's kernel keeps the window shut), holding the lock that Connector/J's
 * own abort waits for. The fence resets the TCP connection instead, over plain TCP and under TLS.
 */
@MariaDbGroupTest(size = 2)
class LargeWriteFenceTest {

    private static final int PAYLOAD = 64 * 1024 * 1024;

    private final ServerGroup group;

    LargeWriteFenceTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void aFrozenServerWithALargeWriteInFlightIsLeftInTheUsualTimeOverPlainTcp() throws Exception {
        // MySQL 8's caching_sha2_password needs the server's key over plain TCP once a restart emptied its cache
        frozenWithLargeWriteInFlight(group, "large-write-plain", "sslMode=DISABLED&allowPublicKeyRetrieval=true");
    }

    @Test
    void aFrozenServerWithALargeWriteInFlightIsLeftInTheUsualTimeOverTls() throws Exception {
        try (ServerGroup tls = ServerGroup.start(GroupOptions.builder().size(2).serverArg("--ssl")
                .startTimeout(Duration.ofSeconds(240)).build())) {
            // a TLS login takes longer than the default 300 ms probe budget on a loaded machine
            frozenWithLargeWriteInFlight(tls, "large-write-tls", "sslMode=REQUIRED&stickyfail.checkTimeout=1s");
        }
    }

    private static void frozenWithLargeWriteInFlight(ServerGroup g, String groupName, String params) throws Exception {
        for (int i = 0; i < 2; i++) {
            try (Connection c = g.adminConnection(i); Statement st = c.createStatement()) {
                st.execute("SET GLOBAL max_allowed_packet = " + 256 * 1024 * 1024);
            }
        }
        try (Connection c = g.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS big");
            st.execute("CREATE TABLE big (id BIGINT AUTO_INCREMENT PRIMARY KEY, b LONGBLOB)");
        }
        g.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        try (StickyFailDataSource ds = Fixtures.dataSource(g, g.hostList(), groupName, params)) {
            Connection c = ds.getConnection();
            assertThat(serverId(c)).isEqualTo(g.server(0).serverId());
            if (params.contains("REQUIRED")) {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW SESSION STATUS LIKE 'Ssl_cipher'")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getString(2)).as("the session is encrypted").isNotBlank();
                }
            }
            g.server(0).freeze();
            long frozenAt = System.nanoTime();
            CompletableFuture<Throwable> write = CompletableFuture.supplyAsync(() -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO big (b) VALUES (?)")) {
                    ps.setBytes(1, new byte[PAYLOAD]);
                    ps.executeUpdate();
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !write.isDone());
            String backup = g.server(1).hostAndPort();
            await().atMost(Duration.ofSeconds(30)).until(() -> ds.admin().activeServer().orElse("").equals(backup));
            long switchMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - frozenAt);
            // usual bound: checkInterval + fall x checkTimeout (1.4 s by default, 3.5 s with TLS here); generous for a
            // loaded machine. Without the fence's socket reset the switch would wait for the frozen server.
            assertThat(switchMillis).as("freeze to switch, ms").isLessThan(15_000);
            try (Connection fresh = ds.getConnection()) {
                assertThat(serverId(fresh)).as("callers are served by the backup").isEqualTo(g.server(1).serverId());
            }
            Throwable failure = write.get(10, TimeUnit.SECONDS); // the blocked writer was freed, not left hanging
            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(((SQLException) failure).getSQLState()).as(failure.toString()).isIn("08S01", "08007");
            c.close();
        } finally {
            g.server(0).thaw();
        }
    }
}
