package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Test 2: a row written on either server appears on the other. */
@MariaDbGroupTest
class ReplicationTest {

    @BeforeAll
    static void createTable(ServerGroup group) throws Exception {
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE IF NOT EXISTS repl_rows (id INT AUTO_INCREMENT PRIMARY KEY, origin INT)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
    }

    @Test
    void aRowWrittenOnEitherServerAppearsOnTheOther(ServerGroup group) throws Exception {
        for (int writer = 0; writer < 2; writer++) {
            int reader = 1 - writer;
            long id;
            try (Connection c = group.appConnection(writer)) {
                Sql.exec(c, "INSERT INTO repl_rows (origin) VALUES (" + writer + ")");
                id = Sql.queryLong(c, "SELECT LAST_INSERT_ID()");
            }
            // auto_increment_offset = index + 1, increment = 2: the servers never hand out the same id.
            assertThat(id % 2).isEqualTo((writer + 1) % 2);
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (Connection c = group.appConnection(reader)) {
                    assertThat(Sql.queryLong(c, "SELECT COUNT(*) FROM repl_rows WHERE id = " + id)).isEqualTo(1);
                }
            });
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
        group.assertReplicationHealthy();
    }

    @Test
    void awaitReplicationCaughtUpSeesEveryDirection(ServerGroup group) throws Exception {
        try (Connection c0 = group.appConnection(0); Connection c1 = group.appConnection(1)) {
            for (int i = 0; i < 20; i++) {
                Sql.exec(c0, "INSERT INTO repl_rows (origin) VALUES (0)");
                Sql.exec(c1, "INSERT INTO repl_rows (origin) VALUES (1)");
            }
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
        assertThat(Sql.count(group, 0, "repl_rows")).isEqualTo(Sql.count(group, 1, "repl_rows"));
    }

    @Test
    void connectionCountSeesTheSessionsOfAUser(ServerGroup group) throws Exception {
        DbServer server = group.server(0);
        int before = server.connectionCount(group.appUser());
        Connection[] open = {group.appConnection(0), group.appConnection(0), group.appConnection(0)};
        try {
            assertThat(server.connectionCount(group.appUser())).isEqualTo(before + 3);
        } finally {
            for (Connection c : open) {
                c.close();
            }
        }
        await().atMost(Duration.ofSeconds(10))
                .until(() -> server.connectionCount(group.appUser()) == before);
        // The root connection that asks does not count itself; the peer's replica connects as the repl user.
        assertThat(server.connectionCount(group.rootUser())).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> server.connectionCount("repl") == 1);
    }
}
