package dev.stickyfail.it.replication;

import dev.stickyfail.internal.replication.CatchUp;
import dev.stickyfail.internal.replication.CatchUpResult;
import dev.stickyfail.internal.replication.CatchUpResult.Outcome;
import dev.stickyfail.internal.replication.MariaDbGtidSet;
import dev.stickyfail.testkit.Flavour;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.stickyfail.it.replication.Servers.awaitReceived;
import static dev.stickyfail.it.replication.Servers.count;
import static dev.stickyfail.it.replication.Servers.insert;
import static dev.stickyfail.it.replication.Servers.sourceOf;
import static dev.stickyfail.it.replication.Servers.variable;
import static dev.stickyfail.it.replication.Servers.waitsRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How long a catch-up takes on real servers, to choose {@code stickyfail.switchCatchUpTimeout}: already caught up,
 * and with a backlog of a few hundred rows received but not applied. The numbers go to the log
 * ({@code target/surefire-reports/...CatchUpTimingTest-output.txt}); the assertions are loose on purpose (a loaded
 * 2-core machine), tight numbers belong to benchmarks.
 */
@MariaDbGroupTest(size = 2, flavour = Flavour.MARIADB) // MASTER_GTID_WAIT and the sequence engine's seq_1_to_N
class CatchUpTimingTest {

    private static final Logger LOG = LoggerFactory.getLogger(CatchUpTimingTest.class);
    private static final String TABLE = "repl_timing";
    private final ServerGroup group;

    CatchUpTimingTest(ServerGroup group) {
        this.group = group;
    }

    @BeforeAll
    static void table(ServerGroup group) throws Exception {
        Servers.createTable(group, TABLE);
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void alreadyCaughtUp() throws Exception {
        insert(group, 0, TABLE, 5, "warm");
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
        String position = ((MariaDbGtidSet) variable(group, 0, "@@gtid_binlog_pos")).toPosition();
        List<Long> rawWait = new ArrayList<>();
        List<Long> catchUp = new ArrayList<>();
        try (Connection c = group.adminConnection(1);
             PreparedStatement ps = c.prepareStatement("SELECT MASTER_GTID_WAIT(?, 5)")) {
            ps.setString(1, position);
            for (int i = 0; i < 50; i++) {
                long start = System.nanoTime();
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).isZero();
                }
                rawWait.add(System.nanoTime() - start);
                CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(5)).run();
                assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
                catchUp.add(result.took().toNanos());
            }
        }
        LOG.info("TIMING already caught up, MASTER_GTID_WAIT alone: {}", stats(rawWait));
        LOG.info("TIMING already caught up, CatchUp.run (reads the view, no wait): {}", stats(catchUp));
        assertThat(Collections.max(catchUp)).isLessThan(Duration.ofSeconds(5).toNanos());
    }

    @Test
    void backlogOfAFewHundredRows() throws Exception {
        int[][] shapes = {{100, 1}, {300, 1}, {300, 1}, {300, 1}, {1000, 1}, {300, 50}, {1, 20_000}};
        for (int[] shape : shapes) {
            int transactions = shape[0];
            int rowsEach = shape[1];
            String note = "backlog-" + transactions + "x" + rowsEach + "-" + System.nanoTime();
            group.stopApplier(1);
            insertBatches(transactions, rowsEach, note);
            awaitReceived(group, 1, 0);
            CatchUpResult result;
            long applierStarted;
            try (Connection c = group.adminConnection(1)) {
                // The wait begins with the whole backlog pending; then the applier resumes.
                CatchUp catchUp = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(60));
                CompletableFuture<CatchUpResult> running = CompletableFuture.supplyAsync(catchUp::run);
                await().atMost(Duration.ofSeconds(20)).until(() -> waitsRunning(group, 1) == 1);
                applierStarted = System.nanoTime();
                group.startApplier(1);
                result = running.get(60, TimeUnit.SECONDS);
            }
            long applied = System.nanoTime() - applierStarted;
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
            assertThat(count(group, 1, TABLE, note)).isEqualTo((long) transactions * rowsEach);
            assertThat(result.waitedFor().orElseThrow().count()).isEqualTo(transactions);
            LOG.info("TIMING backlog of {} transaction(s) of {} row(s): caught up {} ms after START SLAVE SQL_THREAD",
                    transactions, rowsEach, TimeUnit.NANOSECONDS.toMillis(applied));
        }
    }

    /** {@code transactions} multi-row inserts of {@code rowsEach} rows on server 0, autocommit. */
    private void insertBatches(int transactions, int rowsEach, String note) throws Exception {
        if (rowsEach == 1) {
            insert(group, 0, TABLE, transactions, note);
            return;
        }
        try (Connection c = group.adminConnection(0);
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (origin, note) "
                     + "SELECT 0, ? FROM seq_1_to_" + rowsEach)) {
            for (int i = 0; i < transactions; i++) {
                ps.setString(1, note);
                ps.executeUpdate();
            }
        }
    }

    private static String stats(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return String.format("n=%d median=%.2f ms p90=%.2f ms max=%.2f ms", sorted.size(),
                sorted.get(sorted.size() / 2) / 1e6, sorted.get(sorted.size() * 9 / 10) / 1e6,
                sorted.get(sorted.size() - 1) / 1e6);
    }
}
