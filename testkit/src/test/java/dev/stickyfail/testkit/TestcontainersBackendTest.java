package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The optional MySQL 8.4 backend behind the same API. Without Docker (as on this project's machines) the group
 * start aborts the test with the reason, and JUnit reports it as skipped.
 */
class TestcontainersBackendTest {

    @Test
    void replicatesBothWaysAndSurvivesAKill() throws Exception {
        GroupOptions options = GroupOptions.builder().size(2).backend(GroupOptions.Backend.TESTCONTAINERS).build();
        try (ServerGroup group = ServerGroup.start(options)) {
            try (Connection c = group.appConnection(0)) {
                Sql.exec(c, "CREATE TABLE tc_rows (id INT AUTO_INCREMENT PRIMARY KEY)");
                Sql.exec(c, "INSERT INTO tc_rows () VALUES ()");
            }
            group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
            assertThat(Sql.count(group, 1, "tc_rows")).isEqualTo(1);

            group.server(1).kill();
            group.server(1).start();
            try (Connection c = group.appConnection(1)) {
                Sql.exec(c, "INSERT INTO tc_rows () VALUES ()");
            }
            group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(group::assertReplicationHealthy);
            assertThat(Sql.count(group, 0, "tc_rows")).isEqualTo(2);
        }
    }
}
