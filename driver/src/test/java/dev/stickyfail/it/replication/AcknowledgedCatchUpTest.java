package dev.stickyfail.it.replication;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.AccountCheck;
import dev.stickyfail.admin.MissingCommitsReport;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.ErrantTransactionsEvent;
import dev.stickyfail.event.MissingCommitsEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.it.Fixtures;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scenario, on real servers, with the application's own account only ({@code GRANT ALL ON app.*}, which
 * also runs the probes and the catch-up: {@code stickyfail.checkUser} is not set): the primary is killed while the
 * backup has received, but not applied, the application's last commits. The switch waits on the backup for every
 * commit the application was told succeeded (their GTIDs came with the commits' replies), which needs no privilege;
 * when they do not arrive in time, it names them.
 */
@MariaDbGroupTest(size = 2)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class AcknowledgedCatchUpTest {

    private final ServerGroup group;

    AcknowledgedCatchUpTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    /** The application's account and nothing else: no checkUser, so the probes and the catch-up use it too. */
    private StickyFailDataSource leastPrivilege(String name, String params) {
        StickyFailDataSource ds = new StickyFailDataSource("jdbc:stickyfail:mysql://" + group.hostList() + "/"
                + group.database() + (params.isEmpty() ? "" : "?" + params));
        ds.setUser(group.appUser());
        ds.setPassword(group.appPassword());
        ds.setProperty("stickyfail.group", name);
        return ds;
    }

    /**
     * The class's tables, created before its first test kills a server: MySQL 8.0.15 once refused a CREATE TABLE run
     * right after this class's kills and restarts ("Duplicate entry '7' for key 'PRIMARY'", 1 run of 4 of the class
     * alone), so no test runs DDL after a kill of its own; IF NOT EXISTS runs none once they exist.
     */
    @BeforeEach
    void tables() throws Exception {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            for (String name : List.of("ack_seen", "ack_errant", "ack_replace", "ack_missing", "ack_lost")) {
                st.execute("CREATE TABLE IF NOT EXISTS " + name + " (id INT PRIMARY KEY, v INT NOT NULL)");
            }
        }
    }

    /** Empties one of the {@link #tables()} (DML, replicated) and waits until every server has it empty. */
    private void table(String name) throws Exception {
        try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
            st.execute("DELETE FROM " + name);
        }
        group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
    }

    private static void insert(StickyFailDataSource ds, String table, int from, int to) throws Exception {
        try (Connection c = ds.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + table + " VALUES (?, 0)")) {
            for (int i = from; i < to; i++) {
                ps.setInt(1, i);
                ps.executeUpdate(); // autocommit: each its own acknowledged commit
            }
        }
    }

    private static long rows(Connection c, String table) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Recorded events of one group. */
    private static final class Recorded implements StickyFailListener {
        final List<CatchUpEvent> catchUps = new CopyOnWriteArrayList<>();
        final List<MissingCommitsEvent> missing = new CopyOnWriteArrayList<>();

        @Override
        public void onCatchUp(CatchUpEvent e) {
            catchUps.add(e);
        }

        @Override
        public void onMissingCommits(MissingCommitsEvent e) {
            missing.add(e);
        }
    }

    @Test
    void theFirstConnectionOnTheNewServerSeesEveryAcknowledgedRowThoughTheAccountCannotReadReplicationStatus()
            throws Exception {
        table("ack_seen");
        Recorded recorded = new Recorded();
        try (StickyFailDataSource ds = leastPrivilege("ack-seen", "")) {
            ds.admin().addListener(recorded);
            insert(ds, "ack_seen", 0, 100);
            group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
            group.stopApplier(1);
            insert(ds, "ack_seen", 100, 150); // shipped to db1, not applied there
            Servers.awaitReceived(group, 1, 0);
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            // db1's applier resumes only once the switch is seen waiting on it: without that wait, db1 answers 100
            CompletableFuture<Void> resume = CompletableFuture.runAsync(() -> {
                await().atMost(Duration.ofSeconds(60)).until(() -> Servers.waitsRunning(group, 1) > 0);
                group.startApplier(1);
            });
            group.server(0).kill();
            try (Connection c = ds.getConnection()) {
                assertThat(ds.admin().activeServer()).contains(group.server(1).hostAndPort());
                assertThat(rows(c, "ack_seen")).as("rows the first connection on db1 sees").isEqualTo(150);
            }
            resume.get(60, TimeUnit.SECONDS);
            assertThat(recorded.catchUps).singleElement().satisfies(e -> {
                assertThat(e.outcome()).isEqualTo("CAUGHT_UP");
                assertThat(e.waitedFor()).isNotEmpty();
                assertThat(e.detail()).contains("it has the 150 commit(s) this application was told succeeded")
                        .contains("cannot read the replication status");
            });
            assertThat(recorded.missing).isEmpty();
            assertThat(ds.admin().missingCommits()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> !ds.admin().accountChecks().isEmpty());
            assertThat(ds.admin().accountChecks()).extracting(AccountCheck::feature, AccountCheck::available)
                    .contains(org.assertj.core.groups.Tuple.tuple("full catch-up", false),
                            org.assertj.core.groups.Tuple.tuple("catch-up of acknowledged commits", true));
        }
    }

    @Test
    void theErrantTransactionReportWorksWithTheApplicationsAccountToo() throws Exception {
        table("ack_errant");
        List<ErrantTransactionsEvent> errant = new CopyOnWriteArrayList<>();
        try (StickyFailDataSource ds = leastPrivilege("ack-errant", "")) {
            ds.admin().addListener(new StickyFailListener() {
                @Override
                public void onErrantTransactions(ErrantTransactionsEvent e) {
                    errant.add(e);
                }
            });
            ds.getConnection().close();
            group.stopReplication(1); // db1 stops receiving: what db0 commits now, it never ships
            try (Connection c = group.adminConnection(0); Statement st = c.createStatement()) {
                for (int i = 0; i < 5; i++) {
                    st.executeUpdate("INSERT INTO ack_errant VALUES (" + i + ", 0)"); // another program's writes
                }
            }
            long last = Servers.lastWritten(group, 0);
            String range = Servers.range(group, 0, last - 4, last).toString();
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> ds.admin().activeServer().orElse("").equals(group.server(1).hostAndPort()));
            group.server(0).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> !errant.isEmpty());
            assertThat(errant.get(0).report().count()).isEqualTo(5);
            assertThat(errant.get(0).report().ranges()).isEqualTo(range);
        }
    }

    @Test
    void aCommitsGtidIsRecordedWithoutKeepingTheIdleConnectionFromBeingReplacedAfterASwitch() throws Exception {
        table("ack_replace");
        Recorded recorded = new Recorded();
        try (StickyFailDataSource ds = leastPrivilege("ack-replace", "")) {
            ds.admin().addListener(recorded);
            try (Connection c = ds.getConnection()) {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO ack_replace VALUES (1, 0)"); // its reply names the commit's GTID
                    c.setAutoCommit(false);
                    st.executeUpdate("INSERT INTO ack_replace VALUES (2, 0)");
                    c.commit();
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
                ds.admin().switchTo(group.server(1).hostAndPort());
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@server_id")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("replaced on db1 at its next use").isEqualTo(group.server(1).serverId());
                }
                assertThat(c.getAutoCommit()).isFalse();
            }
            assertThat(recorded.catchUps).singleElement().satisfies(e ->
                    assertThat(e.detail()).contains("it has the 2 commit(s) this application was told succeeded"));
        }
    }

    /**
     * The backup stopped receiving, then took acknowledged commits the backup never got, and the primary is killed:
     * they cannot arrive before it returns, so the switch does not wait out its 20 s timeout for them (before: it did,
     * TIMED_OUT after 20 s; the failover benchmark's kills that "waited for the catch-up" were this case).
     */
    @Test
    void acknowledgedCommitsThatCannotArriveAreReportedWithoutWaitingOutTheTimeout() throws Exception {
        table("ack_lost");
        Recorded recorded = new Recorded();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "ack-lost",
                "stickyfail.switchCatchUpTimeout=20s")) {
            ds.admin().addListener(recorded);
            insert(ds, "ack_lost", 0, 10);
            group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
            group.stopReplication(1);
            insert(ds, "ack_lost", 10, 15); // acknowledged on db0, never shipped to db1
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(40)).until(() -> !recorded.catchUps.isEmpty());

            assertThat(recorded.catchUps).singleElement().satisfies(e -> {
                assertThat(e.outcome()).as("%s", e.detail()).isEqualTo("SOURCE_LOST");
                assertThat(e.took()).as("well before the 20 s timeout").isLessThan(Duration.ofSeconds(10));
                assertThat(e.detail()).contains("5 commit(s) this application was told succeeded");
            });
            assertThat(recorded.missing).singleElement().satisfies(m -> {
                assertThat(m.report().count()).isEqualTo(5);
                assertThat(m.report().message()).contains("they cannot arrive before " + group.server(0).hostAndPort()
                        + " returns");
            });
        }
    }

    @Test
    void acknowledgedCommitsThatDoNotArriveInTimeAreNamedExactlyInTheLogTheEventTheAdminApiAndJmx() throws Exception {
        table("ack_missing");
        Recorded recorded = new Recorded();
        String name = "ack-missing";
        try (StickyFailDataSource ds = leastPrivilege(name, "stickyfail.switchCatchUpTimeout=1s")) {
            ds.admin().addListener(recorded);
            insert(ds, "ack_missing", 0, 20);
            group.awaitReplicationCaughtUp(Duration.ofSeconds(30));
            group.stopApplier(1);
            insert(ds, "ack_missing", 20, 50);
            long last = Servers.lastWritten(group, 0);
            String range = Servers.range(group, 0, last - 29, last).toString(); // MySQL: db0's uuid, read while it runs
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().servers().get(1).getState().equals("UP"));
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(30)).until(() -> !recorded.missing.isEmpty());

            MissingCommitsReport report = recorded.missing.get(0).report();
            assertThat(report.count()).isEqualTo(30);
            assertThat(report.exact()).isTrue();
            assertThat(report.ranges()).isEqualTo(range);
            assertThat(report.oldServer()).isEqualTo(group.server(0).hostAndPort());
            assertThat(report.newServer()).isEqualTo(group.server(1).hostAndPort());
            assertThat(report.message()).contains("without 30 commit(s) this application was told succeeded: " + range);
            assertThat(ds.admin().missingCommits()).containsExactly(report);
            assertThat(recorded.catchUps).singleElement().satisfies(e -> assertThat(e.outcome()).isEqualTo("TIMED_OUT"));
            String[] jmx = (String[]) ManagementFactory.getPlatformMBeanServer().getAttribute(
                    new ObjectName("dev.stickyfail:type=Group,name=" + ObjectName.quote(name)), "MissingCommits");
            assertThat(jmx).singleElement().asString().endsWith(report.message());
            try (Connection c = ds.getConnection()) {
                assertThat(rows(c, "ack_missing")).as("what db1 shows: the 30 are really missing").isEqualTo(20);
            }
        }
    }
}
