package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** heal() undoes faults, and says so quickly when it cannot (a replication conflict). */
class HealTest {

    @Test
    void healThawsRestartsAndRestartsStoppedReplication() throws Exception {
        try (ServerGroup group = ServerGroup.start(2)) {
            group.server(0).freeze();
            group.server(1).kill();
            group.heal(Duration.ofSeconds(60));
            assertThat(group.servers()).allMatch(s -> s.isRunning() && !s.isFrozen());
            group.assertReplicationHealthy();

            try (Connection c = group.adminConnection(1)) {
                Sql.exec(c, "STOP SLAVE");
            }
            assertThat(group.replicationStatus()).anyMatch(s -> !s.healthy());
            group.heal(Duration.ofSeconds(60));
            group.assertReplicationHealthy();
        }
    }

    @Test
    void healFailsFastOnAReplicationConflict() throws Exception {
        try (ServerGroup group = ServerGroup.start(2)) {
            try (Connection c = group.appConnection(0)) {
                Sql.exec(c, "CREATE TABLE conflict (id INT PRIMARY KEY)");
            }
            group.awaitReplicationCaughtUp(Duration.ofSeconds(10));
            try (Connection c = group.adminConnection(1)) {
                Sql.exec(c, "SET SESSION sql_log_bin = 0");
                Sql.exec(c, "INSERT INTO conflict VALUES (1)"); // only on server 1
            }
            try (Connection c = group.appConnection(0)) {
                Sql.exec(c, "INSERT INTO conflict VALUES (1)"); // replicates to 1: duplicate key
            }
            long start = System.nanoTime();
            assertThatThrownBy(() -> group.heal(Duration.ofSeconds(60)))
                    .isInstanceOf(AssertionError.class)
                    .hasMessageContaining("0->1")
                    .hasMessageContaining("Duplicate entry");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fails fast, not at heal's 60 s")
                    .isLessThan(Duration.ofSeconds(40));
        }
    }
}
