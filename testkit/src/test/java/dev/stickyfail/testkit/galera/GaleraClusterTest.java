package dev.stickyfail.testkit.galera;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Galera cluster and every per-node operation, against real nodes. One cluster for the class (it takes ~20 s). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GaleraClusterTest {

    private static GaleraCluster cluster;

    @BeforeAll
    static void startCluster() {
        if (GaleraEnvironment.missing().isEmpty()) {
            cluster = GaleraCluster.start(3);
        }
    }

    @BeforeEach
    void skipWithoutGalera() {
        GaleraEnvironment.assumeAvailable(); // per test, so the report shows each skipped test and why
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void threeNodesSyncedAndAWriteOnOneIsReadOnTheOthers() throws SQLException {
        for (GaleraNode node : cluster.nodes()) {
            GaleraStatus s = node.status();
            assertThat(s.isSyncedPrimary()).as(node + ": " + s).isTrue();
            assertThat(s.clusterSize()).isEqualTo(3);
        }
        cluster.node(0).execute("CREATE TABLE IF NOT EXISTS app.kv (k VARCHAR(20) PRIMARY KEY, v INT)");
        cluster.node(0).execute("REPLACE INTO app.kv VALUES ('first', 1)");
        for (GaleraNode node : cluster.nodes()) {
            assertThat(value(node, "first")).as(node.name()).isEqualTo(1);
            assertThat(nodeName(node)).isEqualTo(node.name());
        }
    }

    @Test
    @Order(2)
    void aKilledNodeRestartsAndCatchesUpWithWhatItMissed() throws SQLException {
        GaleraNode victim = cluster.node(1);
        long oldPid = victim.pid();
        victim.kill();
        assertThat(victim.isRunning()).isFalse();
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.node(0).status().clusterSize() == 2);
        cluster.node(0).execute("REPLACE INTO app.kv VALUES ('missed', 2)");
        victim.restart();
        assertThat(victim.lastStateTransfer()).as("recovered its position: catches up incrementally")
                .isEqualTo("incremental (IST)");
        assertThat(victim.pid()).isNotEqualTo(oldPid);
        assertThat(victim.status().clusterSize()).isEqualTo(3);
        assertThat(value(victim, "missed")).isEqualTo(2);
    }

    @Test
    @Order(3)
    void aDesyncedNodeReportsDonorDesyncedUntilResynced() throws SQLException {
        GaleraNode node = cluster.node(2);
        node.desync(true);
        GaleraStatus s = node.status();
        assertThat(s.localState()).isEqualTo(GaleraStatus.DONOR_DESYNCED);
        assertThat(s.isSyncedPrimary()).isFalse();
        node.desync(false);
        node.awaitSynced();
    }

    @Test
    @Order(4)
    void aDonorStaysDonorWhileHeldAndBothAreSyncedAfterTheTransfer() throws SQLException {
        GaleraNode donor = cluster.node(1);
        GaleraNode joiner = cluster.node(2);
        cluster.node(0).execute("REPLACE INTO app.kv VALUES ('before-sst', 3)");
        try (GaleraNode.DonorHold hold = donor.donateTo(joiner)) {
            GaleraStatus s = donor.status();
            assertThat(s.localState()).as(s.toString()).isEqualTo(GaleraStatus.DONOR_DESYNCED);
            assertThat(s.stateComment()).contains("Donor");
            assertThat(hold.joiner()).isSameAs(joiner);
        }
        assertThat(donor.status().isSyncedPrimary()).isTrue();
        assertThat(value(joiner, "before-sst")).isEqualTo(3);
    }

    @Test
    @Order(5)
    void anIsolatedNodeLeavesThePrimaryComponentAndRejoinsWhenHealed() throws SQLException {
        GaleraNode node = cluster.node(0);
        node.isolate();
        GaleraStatus s = node.status();
        assertThat(s.clusterStatus()).as(s.toString()).isEqualTo("non-Primary");
        assertThat(s.ready()).isFalse();
        node.heal();
        assertThat(node.status().isSyncedPrimary()).isTrue();
        assertThat(node.status().clusterSize()).isEqualTo(3);
    }

    @Test
    @Order(6)
    void aFrozenNodeIsDroppedFromTheGroupAndRejoinsWhenThawed() throws SQLException {
        GaleraNode node = cluster.node(2);
        node.freeze();
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.node(0).status().clusterSize() == 2);
        node.thaw();
        node.awaitSynced();
        await().atMost(Duration.ofSeconds(60)).until(() -> cluster.node(0).status().clusterSize() == 3);
    }

    private static int value(GaleraNode node, String key) throws SQLException {
        try (Connection c = node.adminConnection(Duration.ofSeconds(10)); Statement st = c.createStatement()) {
            st.execute("SET SESSION wsrep_sync_wait = 1"); // read after every write the cluster has certified
            try (ResultSet rs = st.executeQuery("SELECT v FROM app.kv WHERE k = '" + key + "'")) {
                return rs.next() ? rs.getInt(1) : -1;
            }
        }
    }

    private static String nodeName(GaleraNode node) throws SQLException {
        try (Connection c = node.adminConnection(Duration.ofSeconds(10)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT @@wsrep_node_name")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
