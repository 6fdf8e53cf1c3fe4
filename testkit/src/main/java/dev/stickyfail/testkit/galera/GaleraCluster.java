package dev.stickyfail.testkit.galera;

import dev.stickyfail.testkit.LocalServer;
import dev.stickyfail.testkit.LocalServers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A real Galera cluster (MariaDB Galera Cluster; Percona XtraDB Cluster has the same replication and status
 * variables) of {@code mariadbd} processes on 127.0.0.1, each with its own data directory and ports, built from the
 * testkit's MariaDB binaries and the system's Galera 4 provider (see {@link GaleraEnvironment} for what must be
 * installed). Node 0 bootstraps the cluster; the others join it one at a time by a full state transfer (rsync).
 *
 * <pre>{@code
 * GaleraEnvironment.assumeAvailable();            // skips the test, saying what to install, where it cannot run
 * try (GaleraCluster cluster = GaleraCluster.start(3)) {
 *     String url = "jdbc:stickyfail:mysql://" + cluster.hostList() + "/app?stickyfail.check=galera";
 *     cluster.node(0).kill();
 *     cluster.node(0).restart();                 // rejoins and is Synced again
 * }
 * }</pre>
 *
 * <p>Group communication runs with shorter timeouts than Galera's defaults (a node that stops answering is
 * suspected after 3 s instead of 5 s), so faults take effect quickly but not so eagerly that a loaded machine
 * splits the group.
 */
public final class GaleraCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GaleraCluster.class);

    private final String name;
    private final Path dir;
    private final Path sstDir;
    private final List<GaleraNode> nodes = new ArrayList<>();
    private final Duration startTimeout;
    private final Runnable emergencyKill;
    final Set<GaleraNode> frozenForIsolation = ConcurrentHashMap.newKeySet();
    private String clusterAddress;

    private GaleraCluster(int size, Duration startTimeout) {
        this.dir = LocalServers.newTopologyDirectory("galera", size);
        this.name = "stickyfail-" + dir.getFileName();
        this.sstDir = dir.resolve("sst-bin");
        this.startTimeout = startTimeout;
        this.emergencyKill = () -> nodes.forEach(GaleraNode::destroy);
    }

    /** Starts a cluster of {@code size} nodes and returns when every node is Synced; fails if Galera is missing. */
    public static GaleraCluster start(int size) {
        return start(size, Duration.ofSeconds(120));
    }

    public static GaleraCluster start(int size, Duration startTimeout) {
        if (size < 1 || size > 9) {
            throw new IllegalArgumentException("size must be 1 to 9, got " + size);
        }
        GaleraEnvironment.requireAvailable();
        GaleraCluster cluster = new GaleraCluster(size, startTimeout);
        try {
            cluster.boot(size);
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void boot(int size) {
        long start = System.nanoTime();
        LocalServers.onExit(emergencyKill);
        GaleraEnvironment.writeSstScripts(sstDir);
        List<String> groupAddresses = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            LocalServer server = LocalServers.create(name, i, size, dir, List.of());
            GaleraNode node = new GaleraNode(this, server, LocalServers.freePort(), LocalServers.freePort(),
                    LocalServers.freePort());
            nodes.add(node);
            groupAddresses.add("127.0.0.1:" + node.groupPort());
        }
        clusterAddress = "gcomm://" + String.join(",", groupAddresses);
        for (GaleraNode node : nodes) {
            node.startAndAwaitSynced(node.index() == 0, startTimeout);
            LOG.info("[{}] {} is Synced", name, node);
        }
        LOG.info("[{}] {} nodes Synced in {} ms", name, size, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** The cluster name ({@code wsrep_cluster_name}), also used in log lines and messages. */
    public String name() {
        return name;
    }

    public GaleraNode node(int index) {
        return nodes.get(index);
    }

    public List<GaleraNode> nodes() {
        return List.copyOf(nodes);
    }

    /** {@code 127.0.0.1:p0,127.0.0.1:p1,...}, in node order: the host list of a stickyfail URL. */
    public String hostList() {
        return nodes.stream().map(GaleraNode::hostAndPort).collect(Collectors.joining(","));
    }

    /** Waits until every running node is Synced in the primary component. */
    public void awaitAllSynced() {
        for (GaleraNode node : nodes) {
            if (node.isRunning()) {
                node.awaitSynced();
            }
        }
    }

    Duration startTimeout() {
        return startTimeout;
    }

    Path sstDir() {
        return sstDir;
    }

    String clusterAddress() {
        return clusterAddress;
    }

    /** Group-communication timeouts: suspect a silent node after 3 s, evict it after 6 s. */
    String timeouts() {
        return "evs.keepalive_period=PT1S;evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;"
                + "evs.install_timeout=PT5S;evs.inactive_check_period=PT0.5S";
    }

    /** Kills every node and deletes the cluster's directory. */
    @Override
    public void close() {
        for (GaleraNode node : nodes) {
            try {
                node.destroy();
            } catch (RuntimeException e) {
                LOG.warn("[{}] cannot destroy {}: {}", name, node, e.toString());
            }
        }
        LocalServers.forget(emergencyKill);
        LocalServers.deleteTree(dir);
    }

    @Override
    public String toString() {
        return "Galera cluster " + name + " " + nodes;
    }
}
