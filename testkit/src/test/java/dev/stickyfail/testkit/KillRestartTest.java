package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Test 3: kill (or stop) then restart keeps the data, and replication resumes in both directions. */
@MariaDbGroupTest
class KillRestartTest {

    private final ServerGroup group;

    KillRestartTest(ServerGroup group) {
        this.group = group;
    }

    @BeforeAll
    static void createTable(ServerGroup group) throws Exception {
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE IF NOT EXISTS kill_rows (id INT AUTO_INCREMENT PRIMARY KEY, note VARCHAR(40))");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(60));
    }

    @Test
    void killThenRestartKeepsDataAndReplicationResumesBothWays() throws Exception {
        insert(1, "before kill");
        group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
        long before = Sql.count(group, 1, "kill_rows");

        DbServer victim = group.server(1);
        long pid = victim.pid();
        victim.kill();
        assertThat(victim.isRunning()).isFalse();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("old process gone").isEmpty();
        assertThatThrownBy(() -> group.appConnection(1).close()).isInstanceOf(SQLException.class);

        // The survivor takes writes while its peer is dead.
        insert(0, "while 1 is dead");

        victim.start();
        assertThat(victim.isRunning()).isTrue();
        assertThat(victim.port()).as("same port").isEqualTo(group.server(1).port());
        assertThat(victim.pid()).isNotEqualTo(pid);

        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(group::assertReplicationHealthy);
        assertThat(Sql.count(group, 1, "kill_rows")).as("kept its data and got the missed row")
                .isEqualTo(before + 1);

        // A new row replicates both ways.
        long id1 = insert(1, "after restart, on 1");
        long id0 = insert(0, "after restart, on 0");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(rowExists(0, id1)).isTrue();
            assertThat(rowExists(1, id0)).isTrue();
        });
        group.assertReplicationHealthy();
    }

    @Test
    void gracefulStopThenStartAlsoResumes() throws Exception {
        DbServer server = group.server(0);
        server.stop();
        assertThat(server.isRunning()).isFalse();
        insert(1, "while 0 is stopped");
        server.start();
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(group::assertReplicationHealthy);
        assertThat(Sql.count(group, 0, "kill_rows")).isEqualTo(Sql.count(group, 1, "kill_rows"));
    }

    @Test
    void healRestartsEverythingThatIsDown() throws Exception {
        group.server(0).kill();
        group.server(1).stop();
        group.heal(Duration.ofSeconds(60));
        assertThat(group.servers()).allMatch(DbServer::isRunning);
        group.assertReplicationHealthy();
        long id = insert(0, "after heal");
        await().atMost(Duration.ofSeconds(10)).until(() -> rowExists(1, id));
    }

    private long insert(int index, String note) throws SQLException {
        try (Connection c = group.appConnection(index)) {
            Sql.exec(c, "INSERT INTO kill_rows (note) VALUES ('" + note + "')");
            return Sql.queryLong(c, "SELECT LAST_INSERT_ID()");
        }
    }

    private boolean rowExists(int index, long id) throws SQLException {
        try (Connection c = group.appConnection(index)) {
            return Sql.queryLong(c, "SELECT COUNT(*) FROM kill_rows WHERE id = " + id) == 1;
        }
    }
}
