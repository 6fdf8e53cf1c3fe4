package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Test 7: three servers in a ring (0->1->2->0) replicate a row from each server to all others. */
@MariaDbGroupTest(size = 3, fresh = true)
class RingReplicationTest {

    @Test
    void aRowFromEachServerReachesAllOthers(ServerGroup group) throws Exception {
        assertThat(group.size()).isEqualTo(3);
        assertThat(group.replicationStatus())
                .extracting(s -> s.sourceIndex() + "->" + s.replicaIndex())
                .containsExactly("0->1", "1->2", "2->0");
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE ring_rows (id INT AUTO_INCREMENT PRIMARY KEY, origin INT)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(20));
        for (int i = 0; i < 3; i++) {
            try (Connection c = group.appConnection(i)) {
                Sql.exec(c, "INSERT INTO ring_rows (origin) VALUES (" + i + ")");
            }
        }
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            for (int i = 0; i < 3; i++) {
                try (Connection c = group.appConnection(i)) {
                    assertThat(Sql.column(c, "SELECT origin FROM ring_rows ORDER BY origin"))
                            .as("rows on server %d", i).containsExactly("0", "1", "2");
                    // auto_increment_offset = index + 1, increment = 3: ids never collide.
                    assertThat(Sql.column(c, "SELECT id % 3 FROM ring_rows ORDER BY origin"))
                            .containsExactly("1", "2", "0");
                }
            }
        });
        group.awaitReplicationCaughtUp(Duration.ofSeconds(20));
        group.assertReplicationHealthy();
    }

    @Test
    void theRingResumesAfterAMemberIsKilledAndRestarted(ServerGroup group) throws Exception {
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "CREATE TABLE IF NOT EXISTS ring_kill (id INT AUTO_INCREMENT PRIMARY KEY)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(20));
        group.server(1).kill();
        try (Connection c = group.appConnection(0)) {
            Sql.exec(c, "INSERT INTO ring_kill () VALUES ()"); // must travel 0 -> 1 -> 2
        }
        group.server(1).start();
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        assertThat(Sql.count(group, 2, "ring_kill")).isEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(group::assertReplicationHealthy);
    }
}
