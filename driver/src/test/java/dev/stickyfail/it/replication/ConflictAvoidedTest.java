package dev.stickyfail.it.replication;

import dev.stickyfail.internal.replication.CatchUp;
import dev.stickyfail.internal.replication.CatchUpResult;
import dev.stickyfail.internal.replication.CatchUpResult.Outcome;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ReplicationStatus;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.stickyfail.it.replication.Servers.awaitReceived;
import static dev.stickyfail.it.replication.Servers.sourceOf;
import static dev.stickyfail.it.replication.Servers.waitsRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The conflict a catch-up avoids, on real servers: the old primary (server 0) wrote a row that the new one
 * (server 1) received but had not applied when it took its first write on the same key. Without the catch-up that
 * write lands first and replication stops on a duplicate key; with it, the new write sees the row and replication
 * goes on. The group is this class's own: the second test (run last) leaves replication broken on purpose.
 */
@MariaDbGroupTest(size = 2, fresh = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConflictAvoidedTest {

    private static final String TABLE = "repl_conflict";
    private final ServerGroup group;

    ConflictAvoidedTest(ServerGroup group) {
        this.group = group;
    }

    private void createTable() throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + TABLE + " (k INT PRIMARY KEY, v VARCHAR(20) NOT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
    }

    /** The old primary writes key {@code k}; the new one receives it, its applier lags; then the old one freezes. */
    private void oldPrimaryWritesThenFreezes(int k) throws SQLException {
        group.stopApplier(1);
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO " + TABLE + " VALUES (" + k + ", 'old')");
        }
        awaitReceived(group, 1, 0);
        group.server(0).freeze();
    }

    /** The application's first write on the new primary: an upsert of the same key. */
    private void applicationUpserts(int k) throws SQLException {
        try (Connection c = group.adminConnection(1); Statement st = c.createStatement()) {
            st.executeUpdate("INSERT INTO " + TABLE + " VALUES (" + k + ", 'new') ON DUPLICATE KEY UPDATE v = 'new'");
        }
    }

    private String valueOn(int server, int k) throws SQLException {
        try (Connection c = group.adminConnection(server);
             PreparedStatement ps = c.prepareStatement("SELECT v FROM " + TABLE + " WHERE k = ?")) {
            ps.setInt(1, k);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    @Order(1)
    void withCatchUpTheNewWriteSeesTheRowAndReplicationGoesOn() throws Exception {
        createTable();
        oldPrimaryWritesThenFreezes(1);
        CatchUpResult result;
        try (Connection c = group.adminConnection(1)) {
            CatchUp catchUp = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(60));
            CompletableFuture<CatchUpResult> running = CompletableFuture.supplyAsync(catchUp::run);
            await().atMost(Duration.ofSeconds(20)).until(() -> waitsRunning(group, 1) == 1);
            group.startApplier(1); // the lagging applier gets there while the switch holds requests
            result = running.get(60, TimeUnit.SECONDS);
        }
        assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
        applicationUpserts(1);
        group.server(0).thaw();
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
        assertThat(valueOn(0, 1)).isEqualTo("new");
        assertThat(valueOn(1, 1)).isEqualTo("new");
    }

    @Test
    @Order(2)
    void withoutItReplicationStopsOnADuplicateKey() throws Exception {
        createTable();
        oldPrimaryWritesThenFreezes(2);
        applicationUpserts(2); // no catch-up: the row is not there yet, so this inserts
        group.startApplier(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> direction0to1().lastSqlError().contains("Duplicate entry"));
        ReplicationStatus broken = direction0to1();
        assertThat(broken.sqlRunning()).isFalse();
        assertThat(valueOn(1, 2)).as("the old primary's row never applied on the new one").isEqualTo("new");
        // A catch-up now cannot succeed, and says why at once instead of waiting out its timeout.
        try (Connection c = group.adminConnection(1)) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(30)).run();
            assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(result.detail()).startsWith("the replication SQL thread stopped with an error, 1 transaction(s) "
                    + "not applied: ").contains("Duplicate entry");
            assertThat(result.took()).isLessThan(Duration.ofSeconds(10));
        }
    }

    private ReplicationStatus direction0to1() {
        return group.replicationStatus().stream().filter(s -> s.sourceIndex() == 0 && s.replicaIndex() == 1)
                .findFirst().orElseThrow();
    }
}
