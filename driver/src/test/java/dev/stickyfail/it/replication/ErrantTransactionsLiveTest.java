package dev.stickyfail.it.replication;

import dev.stickyfail.internal.replication.CatchUp;
import dev.stickyfail.internal.replication.CatchUpResult;
import dev.stickyfail.internal.replication.CatchUpResult.Outcome;
import dev.stickyfail.internal.replication.ErrantTransactions;
import dev.stickyfail.internal.replication.GtidRange;
import dev.stickyfail.internal.replication.ReplicationView;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;

import static dev.stickyfail.it.replication.Servers.awaitReceived;
import static dev.stickyfail.it.replication.Servers.count;
import static dev.stickyfail.it.replication.Servers.insert;
import static dev.stickyfail.it.replication.Servers.lastWritten;
import static dev.stickyfail.it.replication.Servers.own;
import static dev.stickyfail.it.replication.Servers.range;
import static dev.stickyfail.it.replication.Servers.sourceOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the old primary (server 0) did alone, on real servers: rows written on it that the new primary (server 1)
 * never received are reported with exactly their GTIDs; after a clean catch-up nothing is.
 */
@MariaDbGroupTest(size = 2)
class ErrantTransactionsLiveTest {

    private static final String TABLE = "repl_errant";
    private final ServerGroup group;

    ErrantTransactionsLiveTest(ServerGroup group) {
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

    /** The switch as the lead will wire it: catch up on the new server, keep the view it had. */
    private ReplicationView switchTo1() throws Exception {
        try (Connection c = group.adminConnection(1)) {
            CatchUpResult result = new CatchUp(c, sourceOf(group.server(0)), Duration.ofSeconds(30)).run();
            assertThat(result.outcome()).as(result.toString()).isEqualTo(Outcome.CAUGHT_UP);
            return result.view().orElseThrow();
        }
    }

    private ErrantTransactions errantOf0(ReplicationView atSwitch) throws Exception {
        try (Connection c = group.adminConnection(0)) {
            return ErrantTransactions.check(c, group.server(0).hostAndPort(), group.server(1).hostAndPort(), atSwitch,
                    Servers.READ_TIMEOUT);
        }
    }

    @Test
    void unshippedCommitsOfAFrozenPrimaryAreReportedWithTheirGtids() throws Exception {
        // Server 1 stops receiving; what server 0 commits now is never shipped before the fault.
        group.stopReplication(1);
        long before = lastWritten(group, 0);
        insert(group, 0, TABLE, 7, "unshipped");
        group.server(0).freeze();

        ReplicationView atSwitch = switchTo1();
        insert(group, 1, TABLE, 3, "new-primary");

        group.server(0).thaw();
        ErrantTransactions errant = errantOf0(atSwitch);
        GtidRange unshipped = range(group, 0, before + 1, before + 7);
        assertThat(errant.count()).as(errant.describe()).isEqualTo(7);
        assertThat(errant.exact()).isTrue();
        assertThat(errant.ranges()).containsExactly(unshipped);
        assertThat(errant.describe()).isEqualTo(group.server(0).hostAndPort() + " has 7 transaction(s) that "
                + group.server(1).hostAndPort() + " had not received when it became active: " + unshipped);

        // Replication resumes both ways: the old server gets the new primary's writes, the new one the errant rows.
        group.heal(Duration.ofSeconds(90));
        assertThat(count(group, 0, TABLE, "new-primary")).isEqualTo(3);
        assertThat(count(group, 1, TABLE, "unshipped")).isEqualTo(7);
        ErrantTransactions later = errantOf0(atSwitch);
        assertThat(later.transactions()).as("the new primary's own writes are not the old one's doing")
                .isEqualTo(errant.transactions());
    }

    @Test
    void commitsAKilledPrimaryNeverShippedAreReportedWhenItRestarts() throws Exception {
        group.stopReplication(1);
        long before = lastWritten(group, 0);
        insert(group, 0, TABLE, 4, "killed");
        group.server(0).kill();

        ReplicationView atSwitch = switchTo1();
        insert(group, 1, TABLE, 2, "after-kill");

        group.server(0).start(); // its binary log kept the 4 commits: the page cache survives a killed process
        ErrantTransactions errant = errantOf0(atSwitch);
        assertThat(errant.count()).as(errant.describe()).isEqualTo(4);
        assertThat(errant.ranges()).containsExactly(range(group, 0, before + 1, before + 4));
    }

    @Test
    void nothingIsErrantAfterACleanCatchUp() throws Exception {
        // A lagging applier at the fault: received, not applied.
        group.stopApplier(1);
        insert(group, 0, TABLE, 50, "lagging");
        awaitReceived(group, 1, 0);
        group.server(0).freeze();
        group.startApplier(1);

        ReplicationView atSwitch = switchTo1();
        assertThat(count(group, 1, TABLE, "lagging")).isEqualTo(50);
        insert(group, 1, TABLE, 2, "after-clean-switch");

        group.server(0).thaw();
        ErrantTransactions errant = errantOf0(atSwitch);
        assertThat(errant.isEmpty()).as(errant.describe()).isTrue();
        assertThat(errant.describe()).endsWith("has no transaction that " + group.server(1).hostAndPort()
                + " had not received when it became active");
        assertThat(atSwitch.had().containsAll(Servers.withoutOrigin(group, own(group, 0), 1))).isTrue();
    }
}
