package dev.stickyfail.it.galera;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.testkit.galera.GaleraCluster;
import dev.stickyfail.testkit.galera.GaleraEnvironment;
import dev.stickyfail.testkit.galera.GaleraNode;
import dev.stickyfail.testkit.galera.GaleraStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.stickyfail.it.galera.GaleraFixtures.server;
import static dev.stickyfail.it.galera.GaleraFixtures.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The galera probe against a real three-node cluster: which nodes are eligible while one is desynced, a donor, or
 * cut off into a non-primary component. One cluster for the class; every test leaves it Synced.
 */
class GaleraProbeTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static GaleraCluster cluster;

    @BeforeAll
    static void startCluster() {
        if (GaleraEnvironment.missing().isEmpty()) {
            cluster = GaleraCluster.start(3);
        }
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @BeforeEach
    void skipWithoutGalera() {
        GaleraEnvironment.assumeAvailable();
    }

    @AfterEach
    void leaveTheClusterSynced() {
        if (cluster != null) {
            for (GaleraNode node : cluster.nodes()) {
                if (node.isFrozen()) {
                    node.thaw();
                }
            }
            cluster.awaitAllSynced();
        }
    }

    @Test
    void everySyncedNodeIsEligibleAndItsNodeNameIsTheOneConnectedTo() throws Exception {
        try (StickyFailDataSource ds = GaleraFixtures.dataSource(cluster, "galera-synced", "")) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT @@wsrep_node_name")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("node0");
            }
            await().atMost(WAIT).until(() -> admin.servers().stream().allMatch(s -> s.getState().equals("UP")));
        }
    }

    // One JVM makes one decision per server, so the strict and the lenient group run one after the other.

    @Test
    void aDesyncedNodeIsNotEligibleEvenWhenDonorsAre() throws Exception {
        cluster.node(1).desync(true);
        try {
            assertThat(cluster.node(1).status().localState()).isEqualTo(GaleraStatus.DONOR_DESYNCED);
            try (StickyFailDataSource strict = GaleraFixtures.dataSource(cluster, "galera-desync", "")) {
                GroupAdmin a = strict.admin();
                strict.getConnection().close();
                await().atMost(WAIT).until(() -> state(a, cluster, 1).equals("DOWN"));
                assertThat(server(a, cluster, 1).getLastProbeDetail()).startsWith("Galera node is a donor or desynced: "
                        + "wsrep_local_state=2 (Donor/Desynced), wsrep_ready=ON, wsrep_cluster_status=Primary");
                assertThat(a.activeServer()).contains(cluster.node(0).hostAndPort());
            }
            try (StickyFailDataSource lenient = GaleraFixtures.dataSource(cluster, "galera-desync-donors",
                    "stickyfail.galeraAvailableWhenDonor=true")) {
                GroupAdmin b = lenient.admin();
                lenient.getConnection().close();
                await().atMost(WAIT).until(() -> state(b, cluster, 1).equals("DOWN"));
                assertThat(server(b, cluster, 1).getLastProbeDetail())
                        .startsWith("Galera node desynced by hand (wsrep_desync=ON)");
            }
        } finally {
            cluster.node(1).desync(false);
        }
        try (StickyFailDataSource strict = GaleraFixtures.dataSource(cluster, "galera-desync", "")) {
            GroupAdmin a = strict.admin();
            strict.getConnection().close();
            await().atMost(WAIT).until(() -> state(a, cluster, 1).equals("UP"));
        }
    }

    @Test
    void aDonorIsNotEligibleUnlessDonorsAreAccepted() throws Exception {
        Probes lenientProbes = new Probes();
        try (GaleraNode.DonorHold hold = cluster.node(1).donateTo(cluster.node(2))) {
            assertThat(hold.donor().status().localState()).isEqualTo(GaleraStatus.DONOR_DESYNCED);
            try (StickyFailDataSource strict = GaleraFixtures.dataSource(cluster, "galera-donor", "")) {
                GroupAdmin a = strict.admin();
                strict.getConnection().close();
                await().atMost(WAIT).until(() -> state(a, cluster, 1).equals("DOWN"));
                assertThat(server(a, cluster, 1).getLastProbeDetail()).startsWith("Galera node is a donor or "
                        + "desynced: wsrep_local_state=2 (Donor/Desynced)")
                        .endsWith("stickyfail.galeraAvailableWhenDonor=true accepts donors");
                assertThat(a.activeServer()).contains(cluster.node(0).hostAndPort());
            }
            try (StickyFailDataSource lenient = GaleraFixtures.dataSource(cluster, "galera-donor-accepted",
                    "stickyfail.galeraAvailableWhenDonor=true")) {
                GroupAdmin b = lenient.admin();
                b.addListener(lenientProbes);
                lenient.getConnection().close();
                // the lenient group probes the donor, finds it a donor, and keeps it up
                await().atMost(WAIT).until(() -> lenientProbes.passesAsDonor(cluster.node(1).hostAndPort()) >= 5);
                assertThat(state(b, cluster, 1)).isEqualTo("UP");
                assertThat(hold.donor().status().localState()).isEqualTo(GaleraStatus.DONOR_DESYNCED);
            }
        }
        try (StickyFailDataSource strict = GaleraFixtures.dataSource(cluster, "galera-donor", "")) {
            GroupAdmin a = strict.admin();
            strict.getConnection().close();
            await().atMost(WAIT).until(() -> state(a, cluster, 1).equals("UP") && state(a, cluster, 2).equals("UP"));
        }
    }

    @Test
    void aNodeCutOffIntoANonPrimaryComponentIsMarkedDown() throws Exception {
        try (StickyFailDataSource ds = GaleraFixtures.dataSource(cluster, "galera-isolated",
                "stickyfail.checkTimeout=1s")) {
            GroupAdmin admin = ds.admin();
            ds.getConnection().close();
            await().atMost(WAIT).until(() -> state(admin, cluster, 2).equals("UP"));

            GaleraNode node = cluster.node(2);
            node.isolate();
            assertThat(node.status().clusterStatus()).isEqualTo("non-Primary");
            await().atMost(WAIT).until(() -> state(admin, cluster, 2).equals("DOWN"));
            assertThat(server(admin, cluster, 2).getLastProbeDetail())
                    .startsWith("Galera node not in the primary component: ")
                    .contains("wsrep_cluster_status=non-Primary");
            node.heal();
            await().atMost(WAIT).until(() -> state(admin, cluster, 2).equals("UP"));
        }
    }

    /** Counts passing probes whose detail says the node was a donor. */
    static final class Probes implements StickyFailListener {
        final List<ProbeEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onProbe(ProbeEvent event) {
            events.add(event);
        }

        int passesAsDonor(String server) {
            return (int) events.stream().filter(e -> e.server().toString().equals(server))
                    .filter(e -> e.result().detail().startsWith("donor, accepted by")).count();
        }
    }
}
