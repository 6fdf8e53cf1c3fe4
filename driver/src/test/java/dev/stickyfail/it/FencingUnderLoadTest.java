package dev.stickyfail.it;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ProxiedGroup;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 32 writers through HikariCP while the primary hangs (frozen) or is cut off (blackholed): a hung server can still run
 * what it had received, so unlike a killed one it can show a fencing bug. Every write records when it was sent and
 * what its caller was told, and the rows each server holds afterwards are checked against that.
 */
@MariaDbGroupTest(size = 2, proxies = true)
class FencingUnderLoadTest {

    private static final int WRITERS = 32;

    private final ProxiedGroup proxied;
    private final ServerGroup group;

    FencingUnderLoadTest(ProxiedGroup proxied) {
        this.proxied = proxied;
        this.group = proxied.group();
    }

    @AfterEach
    void heal() {
        proxied.heal(Duration.ofSeconds(90));
    }

    /** One write: when it was sent (nanoTime) and what its caller was told (null: success). */
    private record Write(long sentAt, String sqlState) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"freeze", "blackhole"})
    void nothingIsSentToTheOldServerAfterTheSwitchAndEveryLateWriteWasReportedUnknown(String fault) throws Exception {
        String table = "fenced_" + fault;
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
            st.execute("CREATE TABLE " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY, origin INT NOT NULL, "
                    + "ts TIMESTAMP(6) NOT NULL, writer INT NOT NULL, seq BIGINT NOT NULL)");
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
        Map<Long, Write> writes = new ConcurrentHashMap<>(); // key: writer * 1e9 + seq
        AtomicLong switchedAt = new AtomicLong();
        AtomicLong onBackup = new AtomicLong();
        AtomicLong written = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        String backup = proxied.proxy(1).hostAndPort();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, proxied.hostList(), "fenced-" + fault, "");
             HikariDataSource pool = pool(ds)) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onSwitch(SwitchEvent e) {
                    if (e.from() != null) {
                        switchedAt.compareAndSet(0, System.nanoTime());
                    }
                }
            });
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            try {
                for (int w = 0; w < WRITERS; w++) {
                    int writer = w;
                    writers.submit(() -> {
                        for (long seq = 0; !stop.get(); seq++) {
                            long key = writer * 1_000_000_000L + seq;
                            long sent = System.nanoTime();
                            try (Connection c = pool.getConnection();
                                 PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                                         + " (origin, ts, writer, seq) VALUES (@@server_id, NOW(6), ?, ?)")) {
                                ps.setInt(1, writer);
                                ps.setLong(2, seq);
                                sent = System.nanoTime();
                                ps.executeUpdate();
                                writes.put(key, new Write(sent, null));
                                written.incrementAndGet();
                                if (switchedAt.get() != 0) {
                                    onBackup.incrementAndGet();
                                }
                            } catch (SQLException e) {
                                writes.put(key, new Write(sent, String.valueOf(e.getSQLState())));
                            }
                        }
                    });
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> written.get() > 500);
                if (fault.equals("freeze")) {
                    group.server(0).freeze();
                } else {
                    proxied.proxy(0).blackhole();
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> ds.admin().activeServer().orElse("").equals(backup));
                await().atMost(Duration.ofSeconds(30)).until(() -> onBackup.get() > 500);
            } finally {
                stop.set(true);
                writers.shutdown();
                assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).as("no writer stays blocked").isTrue();
            }
        }
        group.server(0).thaw();
        proxied.proxy(0).passThrough();
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
        group.assertReplicationHealthy();

        long oldId = group.server(0).serverId();
        long sentAfterSwitch = 0;
        List<String> wrongOutcomes = new ArrayList<>();
        int late = 0;
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT writer, seq FROM " + table + " WHERE origin = " + oldId)) {
            while (rs.next()) {
                Write w = writes.get(rs.getLong(1) * 1_000_000_000L + rs.getLong(2));
                assertThat(w).as("a row on the old server that no writer sent").isNotNull();
                if (w.sentAt - switchedAt.get() > 0) {
                    sentAfterSwitch++;
                }
                if (w.sqlState != null) {
                    late++;
                    if (!w.sqlState.equals("08007")) {
                        wrongOutcomes.add("writer " + rs.getLong(1) + " seq " + rs.getLong(2) + " told " + w.sqlState);
                    }
                }
            }
        }
        assertThat(sentAfterSwitch).as("writes on the old server that were sent after the switch").isZero();
        assertThat(wrongOutcomes).as("committed writes whose callers were told nothing committed").isEmpty();
        Map<String, Long> failures = new ConcurrentHashMap<>();
        writes.values().stream().filter(w -> w.sqlState != null).forEach(w -> failures.merge(w.sqlState, 1L, Long::sum));
        assertThat(failures.keySet()).as("failures by SQLState " + failures).isSubsetOf("08S01", "08007");
        System.out.printf("fault=%s: %d writes, %d failed %s, %d ran late on the old server (all reported 08007)%n",
                fault, writes.size(), failures.values().stream().mapToLong(Long::longValue).sum(), failures, late);
    }

    private static HikariDataSource pool(StickyFailDataSource ds) {
        HikariConfig hc = new HikariConfig();
        hc.setDataSource(ds);
        hc.setMaximumPoolSize(WRITERS);
        hc.setMinimumIdle(WRITERS);
        hc.setConnectionTimeout(30_000);
        return new HikariDataSource(hc);
    }
}
