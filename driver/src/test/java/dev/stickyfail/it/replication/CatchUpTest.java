package dev.stickyfail.it.replication;

import dev.stickyfail.internal.replication.AcknowledgedCommits;
import dev.stickyfail.internal.replication.CatchUp;
import dev.stickyfail.internal.replication.CatchUpResult;
import dev.stickyfail.internal.replication.CatchUpResult.Outcome;
import dev.stickyfail.internal.replication.GtidSet;
import dev.stickyfail.internal.replication.ReplicationView;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.stickyfail.it.replication.Servers.awaitReceived;
import static dev.stickyfail.it.replication.Servers.count;
import static dev.stickyfail.it.replication.Servers.insert;
import static dev.stickyfail.it.replication.Servers.originatedBy;
import static dev.stickyfail.it.replication.Servers.own;
import static dev.stickyfail.it.replication.Servers.sourceOf;
import static dev.stickyfail.it.replication.Servers.view;
import static dev.stickyfail.it.replication.Servers.waitsRunning;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.awaitility.Awaitility.await;

/**
 * The view of a real replica and {@link CatchUp} on it: server 1 replicates from server 0 (and back); its applier
 * is stopped to make it lag. Runs on either flavour (MariaDB {@code MASTER_GTID_WAIT}, MySQL
 * {@code WAIT_FOR_EXECUTED_GTID_SET}).
 */
@MariaDbGroupTest(size = 2)
class CatchUpTest {

    private static final String TABLE = "repl_catchup";
    private final ServerGroup group;

    CatchUpTest(ServerGroup group) {
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
    void viewReadsWhatTheReplicaReceivedAndApplied() throws Exception {
        insert(group, 0, TABLE, 3, "view-1");
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
        GtidSet written = Servers.written(group, 0);

        ReplicationView caughtUp = view(group, 1, 0);
        assertThat(caughtUp.notApplicable()).isEmpty();
        assertThat(caughtUp.serverIdentity()).isEqualTo(Servers.identity(group, 1));
        assertThat(caughtUp.channel().orElseThrow().ioRunning()).isTrue();
        assertThat(caughtUp.channel().orElseThrow().sqlRunning()).isTrue();
        assertThat(originatedBy(group, caughtUp.received(), 0)).isEqualTo(written);
        assertThat(originatedBy(group, caughtUp.applied(), 0)).isEqualTo(written);
        assertThat(caughtUp.own()).isEqualTo(own(group, 1));
        assertThat(caughtUp.pending().isEmpty()).isTrue();

        group.stopApplier(1);
        insert(group, 0, TABLE, 5, "view-2");
        awaitReceived(group, 1, 0);
        ReplicationView lagging = view(group, 1, 0);
        assertThat(lagging.channel().orElseThrow().sqlRunning()).isFalse();
        assertThat(originatedBy(group, lagging.applied(), 0)).isEqualTo(written);
        long last = Servers.lastWritten(group, 0);
        assertThat(lagging.pending().ranges()).containsExactly(Servers.range(group, 0, last - 4, last));
        assertThat(lagging.pending().count()).isEqualTo(5);
        // Nothing of the source's is pending on the source itself: it does not replicate from itself.
        assertThat(view(group, 0, 0).notApplicable().orElseThrow()).contains("does not replicate from");
    }

    @Test
    void timesOutWithinItsBoundWhileTheApplierIsStopped() throws Exception {
        group.stopApplier(1);
        insert(group, 0, TABLE, 300, "timeout");
        awaitReceived(group, 1, 0);
        CatchUpResult result;
        try (Connection c = group.adminConnection(1)) {
            result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(2)).run();
        }
        assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.TIMED_OUT);
        // MariaDB waits 1.5 s of the 2 and answers; MySQL waits 1 s (whole seconds) and is asked again until the
        // 2 s are nearly over. The upper bound is the 2 s plus a loaded machine's noise.
        assertThat(result.took()).isBetween(Duration.ofMillis(1200), Duration.ofSeconds(15));
        assertThat(result.waitedFor().orElseThrow().count()).isEqualTo(300);
        assertThat(result.detail()).contains("300 transaction(s) received from " + group.server(0).hostAndPort());
        assertThat(count(group, 1, TABLE, "timeout")).isZero();
    }

    @Test
    void aTimeoutUnderASecondIsWaitedOutToo() throws Exception {
        group.stopApplier(1);
        insert(group, 0, TABLE, 10, "sub-second");
        awaitReceived(group, 1, 0);
        CatchUpResult result;
        try (Connection c = group.adminConnection(1)) {
            result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(1)).run();
        }
        // MySQL's WAIT_FOR_EXECUTED_GTID_SET takes whole seconds: asked for 0.75 s it once returned at once.
        assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.TIMED_OUT);
        assertThat(result.took()).isBetween(Duration.ofMillis(700), Duration.ofMillis(3000));
    }

    @Test
    void mysqlCatchesUpWhenTheApplierResumesAfterItsWholeSecondsOfServerWait() throws Exception {
        assumeFalse(Servers.mariaDb(group), "MariaDB waits on the server for the whole timeout");
        group.stopApplier(1);
        insert(group, 0, TABLE, 20, "last-second");
        awaitReceived(group, 1, 0);
        try (Connection c = group.adminConnection(1)) {
            // 2.5 s: WAIT_FOR_EXECUTED_GTID_SET for 1 s, then GTID_SUBSET checks for the rest.
            CatchUp catchUp = new CatchUp(c, sourceOf(group.server(0)), Duration.ofMillis(2500));
            CompletableFuture<CatchUpResult> running = CompletableFuture.supplyAsync(catchUp::run);
            await().atMost(Duration.ofSeconds(20)).until(() -> waitsRunning(group, 1) == 1);
            await().atMost(Duration.ofSeconds(5)).until(() -> waitsRunning(group, 1) == 0);
            assertThat(running).as("still checking after the server's wait").isNotDone();
            group.startApplier(1);
            CatchUpResult result = running.get(60, TimeUnit.SECONDS);
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
            assertThat(result.waitedFor().orElseThrow().count()).isEqualTo(20);
        }
    }

    @Test
    void reportsCaughtUpWhenTheApplierResumesDuringTheWait() throws Exception {
        group.stopApplier(1);
        insert(group, 0, TABLE, 300, "resume");
        awaitReceived(group, 1, 0);
        try (Connection c = group.adminConnection(1)) {
            CatchUp catchUp = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(60));
            CompletableFuture<CatchUpResult> running = CompletableFuture.supplyAsync(catchUp::run);
            await().atMost(Duration.ofSeconds(20)).until(() -> waitsRunning(group, 1) == 1);
            assertThat(running).isNotDone();
            group.startApplier(1);
            CatchUpResult result = running.get(60, TimeUnit.SECONDS);
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
            assertThat(result.waitedFor().orElseThrow().count()).isEqualTo(300);
            assertThat(result.took()).isLessThan(Duration.ofSeconds(60));
        }
        assertThat(count(group, 1, TABLE, "resume")).isEqualTo(300);
    }

    @Test
    void abortEndsAWaitAtOnce() throws Exception {
        group.stopApplier(1);
        insert(group, 0, TABLE, 10, "abort");
        awaitReceived(group, 1, 0);
        try (Connection c = group.adminConnection(1)) {
            CatchUp catchUp = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(60));
            CompletableFuture<CatchUpResult> running = CompletableFuture.supplyAsync(catchUp::run);
            await().atMost(Duration.ofSeconds(20)).until(() -> waitsRunning(group, 1) == 1);
            long abortedAt = System.nanoTime();
            catchUp.abort();
            CatchUpResult result = running.get(10, TimeUnit.SECONDS);
            assertThat(result.outcome()).isEqualTo(Outcome.FAILED);
            assertThat(result.detail()).isEqualTo("aborted");
            assertThat(Duration.ofNanos(System.nanoTime() - abortedAt)).as("well before the 60 s wait")
                    .isLessThan(Duration.ofSeconds(20));
            assertThat(c.isClosed()).isTrue();
        }
    }

    @Test
    void aFrozenServerCannotHoldItPastItsTimeout() throws Exception {
        try (Connection c = group.adminConnection(1)) {
            group.server(1).freeze();
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(2)).run();
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.FAILED);
            assertThat(result.detail()).startsWith("no usable answer from the server after");
            assertThat(result.took()).as("its 2 s timeout, not the freeze").isBetween(Duration.ofMillis(1500), Duration.ofSeconds(15));
            assertThat(result.view()).isEmpty();
        }
    }

    @Test
    void theProbeUsersRightsAreEnough() throws Exception {
        group.stopApplier(1);
        insert(group, 0, TABLE, 4, "probe-user");
        awaitReceived(group, 1, 0);
        try (Connection c = DriverManager.getConnection(
                "jdbc:mysql://" + group.server(1).hostAndPort() + "/?sslMode=DISABLED&allowPublicKeyRetrieval=true",
                group.probeUser(), group.probePassword())) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(1)).run();
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.TIMED_OUT);
            assertThat(result.waitedFor().orElseThrow().count()).isEqualTo(4);
            assertThat(ReplicationView.readOwn(c, Duration.ofSeconds(5))).isEqualTo(own(group, 1));
        }
    }

    @Test
    void anAccountWithoutTheRightToReadReplicationStatusWaitsForTheAcknowledgedCommitsAndSaysWhichRightItLacks()
            throws Exception {
        String right = Servers.mariaDb(group)
                ? "the account needs SLAVE MONITOR (MariaDB 10.5 and later) or REPLICATION CLIENT (earlier)"
                : "the account needs REPLICATION CLIENT";
        try (Connection c = group.appConnection(1)) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(5)).run();
            assertThat(result.outcome()).as("nothing it could wait for").isEqualTo(Outcome.NOT_APPLICABLE);
            assertThat(result.detail()).startsWith("cannot read the replication status (").contains(right);
        }
        group.stopApplier(1);
        insert(group, 0, TABLE, 4, "unprivileged");
        awaitReceived(group, 1, 0);
        long last = Servers.lastWritten(group, 0);
        AcknowledgedCommits acked = new AcknowledgedCommits(2);
        Servers.acknowledge(group, acked.server(0), 0, last - 3, last);
        try (Connection c = group.appConnection(1)) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), f -> acked.snapshot(f, 1),
                    Duration.ofSeconds(1)).run();
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.TIMED_OUT);
            assertThat(result.missingAcknowledged().orElseThrow().ranges())
                    .containsExactly(Servers.range(group, 0, last - 3, last));
            assertThat(result.missingExact()).isTrue();
            assertThat(result.detail()).contains("it still lacks 4 commit(s) this application was told succeeded: "
                    + Servers.range(group, 0, last - 3, last)).contains(right);
        }
        CompletableFuture<Void> resume = CompletableFuture.runAsync(() -> {
            await().atMost(Duration.ofSeconds(30)).until(() -> waitsRunning(group, 1) > 0);
            group.startApplier(1);
        });
        try (Connection c = group.appConnection(1)) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), f -> acked.snapshot(f, 1),
                    Duration.ofSeconds(60)).run();
            resume.get(30, TimeUnit.SECONDS);
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
            assertThat(result.missingAcknowledged().orElseThrow().isEmpty()).isTrue();
            assertThat(result.detail()).contains("it has the 4 commit(s) this application was told succeeded");
        }
        assertThat(count(group, 1, TABLE, "unprivileged")).isEqualTo(4);
    }

    @Test
    void caughtUpAtOnceWhenNothingIsPending() throws Exception {
        insert(group, 0, TABLE, 2, "nothing");
        group.awaitReplicationCaughtUp(Duration.ofSeconds(60));
        try (Connection c = group.adminConnection(1)) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(5)).run();
            assertThat(result.outcome()).isEqualTo(Outcome.CAUGHT_UP);
            assertThat(result.waitedFor()).isEmpty();
            assertThat(result.view().orElseThrow().pending().isEmpty()).isTrue();
        }
        try (Connection c = group.adminConnection(0)) {
            // Server 0 does not replicate from itself: nothing to wait for, by construction.
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(5)).run();
            assertThat(result.outcome()).isEqualTo(Outcome.NOT_APPLICABLE);
        }
    }
}
