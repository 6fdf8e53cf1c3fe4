package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An operator's switch fails nothing: transactions in flight on the server left finish there (the drain), requests that
 * arrive meanwhile wait and go to the new server, idle connections are replaced, and nothing reaches the old server
 * once the new one took its first write. Without the drain the same switch fails the transactions it cuts.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class PlannedSwitchTest {

    private static final int WRITERS = 8;

    private final ServerGroup group;

    PlannedSwitchTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void anOperatorsSwitchUnderLoadFailsNoTransaction() throws Exception {
        Load load = switchUnderLoad("planned-drain", "");
        assertThat(load.failures).as("failed transactions").isEmpty();
        assertThat(load.committedAfter.get()).as("transactions after the switch").isPositive();
        assertThat(lateOnOld(load.tag)).as("rows on the old server after the new one's first").isZero();
    }

    @Test
    void withoutTheDrainTheSameSwitchFailsTheTransactionsInFlight() throws Exception {
        Load load = switchUnderLoad("planned-nodrain", "stickyfail.drainTimeout=0");
        assertThat(load.failures).as("the control: transactions in flight are cut").isNotEmpty();
        assertThat(lateOnOld(load.tag)).isZero();
    }

    private static final class Load {
        final String tag;
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final AtomicInteger committedAfter = new AtomicInteger();

        Load(String tag) {
            this.tag = tag;
        }
    }

    private Load switchUnderLoad(String name, String params) throws Exception {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS " + group.database() + ".planned (id BIGINT AUTO_INCREMENT PRIMARY KEY, "
                    + "tag VARCHAR(40), server_id INT, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        Load load = new Load(name + "-" + System.nanoTime());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean switched = new AtomicBoolean();
        ConcurrentLinkedQueue<Thread> writers = new ConcurrentLinkedQueue<>();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), name, params)) {
            GroupAdmin admin = ds.admin();
            ds.getConnection().close();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.servers().get(1).getState().equals("UP"));
            for (int i = 0; i < WRITERS; i++) {
                Thread t = new Thread(() -> {
                    while (!stop.get()) {
                        try (Connection c = ds.getConnection()) {
                            c.setAutoCommit(false);
                            try (Statement st = c.createStatement()) {
                                st.executeUpdate("INSERT INTO planned (tag, server_id) VALUES ('" + load.tag + "', @@server_id)");
                                st.execute("DO SLEEP(0.02)"); // a transaction that takes a while: one is always in flight
                            }
                            c.commit();
                            if (switched.get()) {
                                load.committedAfter.incrementAndGet();
                            }
                        } catch (SQLException e) {
                            load.failures.add(e);
                        }
                    }
                }, "planned-writer-" + i);
                writers.add(t);
                t.start();
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> count(load.tag) > 50);
            admin.switchTo(group.server(1).hostAndPort());
            switched.set(true);
            await().atMost(Duration.ofSeconds(20)).until(() -> load.committedAfter.get() > 50);
            stop.set(true);
            for (Thread t : writers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
            }
        }
        return load;
    }

    private long count(String tag) throws SQLException {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + group.database() + ".planned WHERE tag = '" + tag + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Rows written on db0 (by server_id) after the first row written on db1, once both servers have each other's rows. */
    private long lateOnOld(String tag) throws SQLException {
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        long db0 = group.server(0).serverId();
        long db1 = group.server(1).serverId();
        try (Connection c = group.adminConnection(1); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + group.database() + ".planned WHERE tag = '" + tag
                     + "' AND server_id = " + db0 + " AND at > (SELECT MIN(at) FROM " + group.database()
                     + ".planned WHERE tag = '" + tag + "' AND server_id = " + db1 + ")")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
