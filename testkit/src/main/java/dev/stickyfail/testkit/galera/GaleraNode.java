package dev.stickyfail.testkit.galera;

import dev.stickyfail.testkit.LocalServer;
import dev.stickyfail.testkit.LocalServers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * One node of a {@link GaleraCluster}: a {@code mariadbd} with wsrep on, its own data directory and four loopback
 * ports (MySQL, group communication, incremental state transfer, snapshot state transfer). Faults are real:
 * {@link #kill()} is SIGKILL, {@link #freeze()} SIGSTOP; {@link #restart()} rejoins the cluster (by incremental
 * state transfer when the donor's cache still holds what the node missed).
 */
public final class GaleraNode {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GaleraNode.class);

    private final GaleraCluster cluster;
    private final LocalServer server;
    private final String name;
    private final int groupPort;
    private final int istPort;
    private final int sstPort;
    private volatile String lastStateTransfer;

    GaleraNode(GaleraCluster cluster, LocalServer server, int groupPort, int istPort, int sstPort) {
        this.cluster = cluster;
        this.server = server;
        this.name = "node" + server.index();
        this.groupPort = groupPort;
        this.istPort = istPort;
        this.sstPort = sstPort;
    }

    public int index() {
        return server.index();
    }

    /** {@code wsrep_node_name}: {@code node<index>}. */
    public String name() {
        return name;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return server.port();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String hostAndPort() {
        return host() + ":" + port();
    }

    /** {@code jdbc:mysql://127.0.0.1:<port>/app}. */
    public String jdbcUrl() {
        return "jdbc:mysql://" + hostAndPort() + "/" + LocalServers.database();
    }

    /** The group-communication port ({@code gmcast}, {@code base_port}). */
    public int groupPort() {
        return groupPort;
    }

    public long pid() {
        return server.pid();
    }

    public boolean isRunning() {
        return server.isRunning();
    }

    public boolean isFrozen() {
        return server.isFrozen();
    }

    public Path dataDir() {
        return server.dataDir();
    }

    List<String> arguments(boolean bootstrap, String donor) {
        return arguments(bootstrap, donor, null);
    }

    List<String> arguments(boolean bootstrap, String donor, String startPosition) {
        List<String> args = new ArrayList<>(List.of(
                "--skip-log-bin", // Galera replicates without a binary log; the rsync SST then has none to ship
                "--wsrep-on=ON",
                "--wsrep-provider=" + GaleraEnvironment.provider(),
                "--wsrep-cluster-name=" + cluster.name(),
                "--wsrep-node-name=" + name,
                "--wsrep-node-address=127.0.0.1:" + groupPort,
                "--wsrep-node-incoming-address=127.0.0.1:" + port(),
                "--wsrep-provider-options=base_port=" + groupPort + ";ist.recv_addr=127.0.0.1:" + istPort
                        + ";gcache.size=32M;" + cluster.timeouts(),
                "--wsrep-sst-receive-address=127.0.0.1:" + sstPort,
                "--wsrep-sst-method=" + GaleraEnvironment.SST_METHOD,
                "--wsrep-cluster-address=" + cluster.clusterAddress(),
                "--innodb-autoinc-lock-mode=2",
                "--wsrep-slave-threads=2"));
        if (bootstrap) {
            args.add("--wsrep-new-cluster");
        }
        if (donor != null) {
            args.add("--wsrep-sst-donor=" + donor);
        }
        if (startPosition != null) {
            args.add("--wsrep-start-position=" + startPosition);
        }
        return args;
    }

    void prepareStart(boolean bootstrap, String donor) {
        prepareStart(bootstrap, donor, null);
    }

    void prepareStart(boolean bootstrap, String donor, String startPosition) {
        server.extraArgs(arguments(bootstrap, donor, startPosition));
        Map<String, String> env = new HashMap<>();
        // mariadbd runs wsrep_sst_<method> through the shell's PATH; the rsync method needs my_print_defaults.
        env.put("PATH", cluster.sstDir() + ":" + LocalServers.binDir() + ":" + System.getenv().getOrDefault("PATH",
                "/usr/local/bin:/usr/bin:/bin") + ":/usr/sbin:/sbin");
        server.environment(env);
    }

    /** Starts the node and returns when it is Synced in the primary component. */
    void startAndAwaitSynced(boolean bootstrap, Duration timeout) {
        prepareStart(bootstrap, null);
        server.launch();
        server.awaitLogin(timeout);
        awaitStatus(GaleraStatus::isSyncedPrimary, "Synced in the primary component", timeout);
    }

    /** SIGKILL; returns once the process is gone. The others notice within the group's suspect timeout. */
    public void kill() {
        server.kill();
    }

    /** SIGSTOP: the process keeps its sockets and answers nothing, like a hung server. */
    public void freeze() {
        server.freeze();
    }

    /** SIGCONT. */
    public void thaw() {
        server.thaw();
    }

    /** Clean shutdown (SIGTERM). */
    public void stop() {
        server.stop();
    }

    /**
     * Starts a stopped or killed node again (a frozen one is thawed) and returns once it has rejoined and is Synced.
     * After a kill it first recovers its last committed position from InnoDB ({@code mariadbd --wsrep-recover}, as
     * Debian's and Percona's service scripts do), so it can catch up by incremental state transfer from any donor's
     * cache instead of copying a whole data directory.
     */
    public void restart() {
        restart(null);
    }

    /**
     * {@link #restart()}, asking for {@code preferredDonor} as the donor of the state transfer
     * ({@code wsrep_sst_donor=<name>,}: that node if it can, any other otherwise). Operators name a node that is not
     * the application's writer, because a donor leaves the Synced state while it serves the transfer.
     */
    public void restart(GaleraNode preferredDonor) {
        if (server.isRunning()) {
            server.thaw();
            awaitSynced();
            return;
        }
        String position = recoverPosition();
        long logStart = errorLogSize();
        prepareStart(false, preferredDonor == null ? null : preferredDonor.name() + ",", position);
        server.launch();
        server.awaitLogin(cluster.startTimeout());
        awaitSynced();
        String log = errorLogSince(logStart);
        // the server logs "SST received" either way; the transfer script says which it did
        lastStateTransfer = log.contains(" SST completed on joiner") ? "full (SST)"
                : log.contains(" IST completed on joiner") || log.contains("IST received") ? "incremental (IST)" : "none";
        LOG.info("[{}] {} rejoined; state transfer: {}", cluster.name(), name, lastStateTransfer);
    }

    /**
     * How the last {@link #restart()} caught up: {@code "incremental (IST)"}, {@code "full (SST)"} or
     * {@code "none"}; null before any restart.
     */
    public String lastStateTransfer() {
        return lastStateTransfer;
    }

    private long errorLogSize() {
        try {
            Path log = server.dataDir().resolve("error.log");
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private String errorLogSince(long offset) {
        try {
            String all = Files.readString(server.dataDir().resolve("error.log"), StandardCharsets.ISO_8859_1);
            return all.substring((int) Math.min(offset, all.length()));
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The position InnoDB last committed, when {@code grastate.dat} has none (after a crash); null when the saved
     * state has one (a clean shutdown) or there is nothing to recover.
     */
    private String recoverPosition() {
        Path grastate = server.dataDir().resolve("grastate.dat");
        Path log = server.dataDir().resolve("error.log");
        try {
            if (!Files.exists(grastate) || !Files.readString(grastate).matches("(?s).*seqno:\\s+-1\\s.*")) {
                return null;
            }
            long logStart = Files.exists(log) ? Files.size(log) : 0;
            List<String> args = new ArrayList<>(arguments(false, null));
            args.add("--wsrep-recover");
            server.extraArgs(args);
            server.launch();
            long deadline = System.nanoTime() + cluster.startTimeout().toNanos();
            while (server.isRunning()) {
                if (System.nanoTime() > deadline) {
                    server.kill();
                    throw new IllegalStateException(name + ": mariadbd --wsrep-recover did not finish within "
                            + cluster.startTimeout().toSeconds() + " s");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            String recent = Files.readString(log).substring((int) Math.min(logStart, Files.size(log)));
            java.util.regex.Matcher m = java.util.regex.Pattern
                    .compile("WSREP: Recovered position: ([0-9a-f-]{36}:-?\\d+)").matcher(recent);
            String position = null;
            while (m.find()) {
                position = m.group(1);
            }
            position = position == null || position.endsWith(":-1") ? null : position;
            LOG.info("[{}] {} recovered its committed position after a crash: {}", cluster.name(), name,
                    position == null ? "none (it needs a full state transfer)" : position);
            return position;
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot recover the committed position", e);
        }
    }

    /** {@code SET GLOBAL wsrep_desync = ON/OFF}: the node leaves flow control and reports Donor/Desynced (2). */
    public void desync(boolean on) {
        execute("SET GLOBAL wsrep_desync = " + (on ? "ON" : "OFF"));
    }

    /**
     * Makes this node the donor of a full state transfer to {@code joiner}, and keeps it Donor/Desynced until the
     * returned hold is closed: the joiner is stopped, its saved state is erased (so it needs a full transfer),
     * and it is started with {@code wsrep_sst_donor} naming this node. Returns once this node reports state 2.
     * Closing the hold lets the transfer run; {@link GaleraCluster#awaitAllSynced()} then waits for both.
     */
    public DonorHold donateTo(GaleraNode joiner) {
        if (joiner == this) {
            throw new IllegalArgumentException(name + " cannot donate to itself");
        }
        Path hold = server.serverDir().resolve(GaleraEnvironment.DONOR_HOLD_FILE);
        try {
            Files.writeString(hold, "held by the test\n", StandardCharsets.UTF_8);
            joiner.stop();
            joiner.forgetState();
            joiner.prepareStart(false, name);
            joiner.server.launch();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot hold " + name + " as a donor", e);
        }
        DonorHold held = new DonorHold(this, joiner, hold);
        awaitStatus(s -> s.localState() == GaleraStatus.DONOR_DESYNCED, "Donor/Desynced for " + joiner.name(),
                cluster.startTimeout());
        return held;
    }

    /** Erases the saved Galera position so that the next start needs a full state transfer. */
    private void forgetState() throws IOException {
        Files.writeString(server.dataDir().resolve("grastate.dat"), String.join("\n",
                "# GALERA saved state",
                "version: 2.1",
                "uuid:    00000000-0000-0000-0000-000000000000",
                "seqno:   -1",
                "safe_to_bootstrap: 0",
                ""), StandardCharsets.UTF_8);
    }

    /**
     * Cuts this node off from the others until {@link #heal()}: the others are frozen (SIGSTOP), so this node stops
     * hearing from them and, after the group's suspect timeout, is alone in a non-primary component
     * ({@code wsrep_cluster_status=non-Primary}, {@code wsrep_ready=OFF}). (MariaDB 11.4 makes
     * {@code wsrep_provider_options} read-only and exposes no {@code gmcast.isolate}, so Galera cannot be told to
     * isolate a node at run time.) Returns once this node reports non-Primary.
     */
    public void isolate() {
        for (GaleraNode other : cluster.nodes()) {
            if (other != this && other.isRunning() && !other.isFrozen()) {
                other.freeze();
                cluster.frozenForIsolation.add(other);
            }
        }
        awaitStatus(s -> !"Primary".equals(s.clusterStatus()), "out of the primary component", cluster.startTimeout());
    }

    /** Thaws the nodes {@link #isolate()} froze and waits until every running node is Synced again. */
    public void heal() {
        for (GaleraNode other : List.copyOf(cluster.frozenForIsolation)) {
            other.thaw();
            cluster.frozenForIsolation.remove(other);
        }
        cluster.awaitAllSynced();
    }

    /** This node's status; a frozen or dead node throws (its connection times out or is refused). */
    public GaleraStatus status() throws SQLException {
        try (Connection c = adminConnection(Duration.ofSeconds(5)); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state', "
                     + "'wsrep_local_state_comment', 'wsrep_ready', 'wsrep_cluster_status', 'wsrep_cluster_size')")) {
            Map<String, String> values = new HashMap<>();
            while (rs.next()) {
                values.put(rs.getString(1).toLowerCase(java.util.Locale.ROOT), rs.getString(2));
            }
            return new GaleraStatus(Integer.parseInt(values.getOrDefault("wsrep_local_state", "0")),
                    values.getOrDefault("wsrep_local_state_comment", "?"),
                    "ON".equalsIgnoreCase(values.get("wsrep_ready")),
                    values.getOrDefault("wsrep_cluster_status", "?"),
                    Integer.parseInt(values.getOrDefault("wsrep_cluster_size", "0")));
        }
    }

    /** Waits until the node is Synced in a primary component of every running node. */
    public void awaitSynced() {
        awaitStatus(GaleraStatus::isSyncedPrimary, "Synced in the primary component", cluster.startTimeout());
    }

    /** Polls {@link #status()} until {@code condition} holds; throws with the last status and the error log. */
    public GaleraStatus awaitStatus(Predicate<GaleraStatus> condition, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (true) {
            try {
                GaleraStatus s = status();
                if (condition.test(s)) {
                    return s;
                }
                last = s.toString();
            } catch (SQLException e) {
                last = e.getMessage();
            }
            if (!server.isRunning()) {
                throw new IllegalStateException(cluster.name() + "/" + name + " died while waiting to be " + what
                        + ". Tail of its error log:\n" + server.errorLogTail(40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(cluster.name() + "/" + name + " not " + what + " within "
                        + timeout.toSeconds() + " s (last: " + last + "). Tail of its error log:\n"
                        + server.errorLogTail(40));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    /** Root, to {@code app}, TLS off, 2 s connect timeout. */
    public Connection adminConnection(Duration socketTimeout) throws SQLException {
        return LocalServers.adminConnection(port(), socketTimeout);
    }

    /** The app user, Connector/J defaults plus TLS off. */
    public Connection appConnection() throws SQLException {
        return DriverManager.getConnection(jdbcUrl() + "?sslMode=DISABLED&allowPublicKeyRetrieval=true",
                LocalServers.appUser(), LocalServers.appPassword());
    }

    public void execute(String sql) {
        try (Connection c = adminConnection(Duration.ofSeconds(30)); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(name + ": " + sql + " failed: " + e.getMessage(), e);
        }
    }

    public String errorLogTail(int lines) {
        return server.errorLogTail(lines);
    }

    void destroy() {
        server.destroy();
    }

    @Override
    public String toString() {
        return name + " (" + hostAndPort() + ", pid " + pid()
                + (isRunning() ? (isFrozen() ? ", frozen" : ", running") : ", down") + ")";
    }

    /** A donor kept in the Donor state; {@link #close()} lets the state transfer run. */
    public static final class DonorHold implements AutoCloseable {
        private final GaleraNode donor;
        private final GaleraNode joiner;
        private final Path file;

        DonorHold(GaleraNode donor, GaleraNode joiner, Path file) {
            this.donor = donor;
            this.joiner = joiner;
            this.file = file;
        }

        public GaleraNode donor() {
            return donor;
        }

        public GaleraNode joiner() {
            return joiner;
        }

        /** Releases the donor and waits until the joiner has its state and both are Synced. */
        @Override
        public void close() {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot release " + donor.name(), e);
            }
            joiner.server.awaitLogin(donor.cluster.startTimeout());
            joiner.awaitSynced();
            donor.awaitSynced();
        }
    }
}
