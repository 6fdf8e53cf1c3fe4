package dev.stickyfail.benchmarks.failover;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.stickyfail.config.Durations;
import dev.stickyfail.testkit.ServerGroup;
import dev.stickyfail.testkit.workload.FailoverScenario;
import dev.stickyfail.testkit.workload.Timeline;
import dev.stickyfail.testkit.workload.TimelineEvent;
import dev.stickyfail.testkit.workload.Topology;
import dev.stickyfail.testkit.workload.WorkloadClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * HikariCP over plain Connector/J ({@code jdbc:mysql://127.0.0.1:<port>/app}) through a real HAProxy process,
 * configured as {@link HaproxyConfig} says: the setup of users who put HAProxy in front of master-master MySQL. One
 * HAProxy per run, started before the pool and killed after it; {@code haproxy-peers} adds a {@code peers} section
 * naming the local peer, as those users do so that a reload keeps the stick table.
 */
final class HaproxyContender implements Contender {

    /** The password-less account {@code option mysql-check} logs in as (it sends no password). */
    static final String CHECK_USER = "haproxy_check";
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final String name;
    private final boolean localPeer;
    private final HaproxyConfig.Checks checks;
    /** How long a reload waits for the new process to learn the stick table from the old one (local peer). */
    private static final Duration LEARN_WITHIN = Duration.ofSeconds(10);

    /** When set, HAProxy is reloaded this long after the primary is healed, and the pool renews its connections. */
    private final Duration reloadAfterHeal;
    /** Looked up on first use: the benchmark's logging is configured after the options are parsed. */
    private Optional<Path> binary;

    HaproxyContender(String name, boolean localPeer, HaproxyConfig.Checks checks, Duration reloadAfterHeal) {
        this.name = name;
        this.localPeer = localPeer;
        this.checks = checks;
        this.reloadAfterHeal = reloadAfterHeal;
    }

    /**
     * {@code haproxy} or {@code haproxy-peers} with {@code props}: HAProxy's {@code inter}, {@code fall}, {@code rise}
     * and {@code reload=<duration>} (reload HAProxy that long after the primary is healed), separated by {@code &}.
     */
    static HaproxyContender parse(String name, boolean localPeer, String props) {
        List<String> checks = new ArrayList<>();
        Duration reload = null;
        for (String pair : props.split("&")) {
            if (pair.trim().startsWith("reload=")) {
                reload = BenchmarkOptions.duration("reload", pair.substring(pair.indexOf('=') + 1).trim());
            } else {
                checks.add(pair);
            }
        }
        return new HaproxyContender(name, localPeer, HaproxyConfig.Checks.parse(String.join("&", checks)), reload);
    }

    private synchronized Optional<Path> binary() {
        if (binary == null) {
            binary = HaproxyProcess.binary();
        }
        return binary;
    }

    @Override
    public String name() {
        return name;
    }

    /** Whether there is an {@code haproxy} binary to run. */
    boolean available() {
        return binary().isPresent();
    }

    String version() {
        return binary().map(HaproxyProcess::version).orElse("not installed");
    }

    @Override
    public String settings(FailoverScenario scenario) {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < scenario.topology().size(); i++) {
            servers.add(scenario.topology().label(i));
        }
        return "jdbc:mysql://127.0.0.1:<haproxy>/" + scenario.topology().group().database() + " through HAProxy: mode tcp, "
                + "option mysql-check user " + CHECK_USER + ", db0 " + checks.text() + ", "
                + String.join(", ", servers.subList(1, servers.size())) + " backup, on-marked-down shutdown-sessions, "
                + "stick-table type integer size 1, stick on int(1)"
                + (localPeer ? ", peers section naming the local peer" : ", no peers")
                + (reloadAfterHeal == null ? "" : "; reloaded (haproxy -sf) " + Durations.format(reloadAfterHeal)
                + " after db0 is back, then HikariCP renews its connections (softEvictConnections)");
    }

    /** The configuration a run would use, with the given ports and stats socket. */
    HaproxyConfig config(Topology topology, int bindPort, int peerPort, Path statsSocket) {
        List<String> servers = new ArrayList<>();
        for (int i = 0; i < topology.size(); i++) {
            servers.add(topology.clientAddress(i));
        }
        return new HaproxyConfig(bindPort, servers, CHECK_USER, checks, localPeer, peerPort, statsSocket);
    }

    @Override
    public List<WorkloadClient> open(FailoverScenario scenario, int poolSize) throws SQLException {
        Path binary = binary().orElseThrow(() -> new SQLException(HaproxyProcess.INSTALL_HINT, "08001"));
        Topology topology = scenario.topology();
        ServerGroup group = topology.group();
        createCheckUser(group);
        HaproxyConfig config;
        try {
            config = config(topology, HaproxyProcess.freePort(), localPeer ? HaproxyProcess.freePort() : 0, null);
        } catch (IOException e) {
            throw new SQLException("cannot find free ports for HAProxy: " + e.getMessage(), "08001", e);
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("stickyfail-haproxy-");
        } catch (IOException e) {
            throw new SQLException("cannot create HAProxy's temporary directory: " + e.getMessage(), "08001", e);
        }
        HaproxyProcess haproxy = HaproxyProcess.start(binary, dir, config.withStatsSocket(dir.resolve("haproxy.sock")),
                scenario.timeline(), READY_WITHIN);
        try {
            HikariConfig hc = Pools.config(name, poolSize);
            hc.setJdbcUrl("jdbc:mysql://127.0.0.1:" + haproxy.config().bindPort() + "/" + group.database());
            hc.setUsername(group.appUser());
            hc.setPassword(group.appPassword());
            hc.addDataSourceProperty("logger", "Slf4JLogger");
            HikariDataSource pool = new HikariDataSource(hc);
            Thread reloader = reloadAfterHeal == null ? null : reloader(scenario.timeline(), haproxy, pool);
            return List.of(new WorkloadClient(name, pool, () -> {
                try {
                    if (reloader != null) {
                        reloader.interrupt();
                    }
                    pool.close();
                } finally {
                    haproxy.close();
                }
            }));
        } catch (RuntimeException e) {
            haproxy.close();
            throw e;
        }
    }

    /**
     * Waits for the primary to be healed, then for {@link #reloadAfterHeal}, reloads HAProxy, waits until the new
     * process has learnt the stick table (with a local peer), and has HikariCP renew its connections, as it does over
     * {@code maxLifetime} or when connections break: the new connections go wherever the new process sends them. Polls the timeline: it has no listeners of its own.
     */
    private Thread reloader(Timeline timeline, HaproxyProcess haproxy, HikariDataSource pool) {
        Thread t = new Thread(() -> {
            try {
                while (timeline.events().stream().noneMatch(e -> e.kind() == TimelineEvent.Kind.HEALED)) {
                    Thread.sleep(50); // polling the timeline, not waiting for a condition someone signals
                }
                Thread.sleep(reloadAfterHeal.toMillis()); // the schedule of the experiment
                HaproxyProcess.Reload reload = haproxy.reload(LEARN_WITHIN);
                // only then: connections made before the new process has the table would go to the first server
                pool.getHikariPoolMXBean().softEvictConnections();
                timeline.add(TimelineEvent.Kind.NOTE, "haproxy reloaded (haproxy -sf): new process " + reload.pid()
                        + "; " + reload.detail() + "; HikariCP renews its connections");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                timeline.add(TimelineEvent.Kind.NOTE, "haproxy reload failed: " + e);
            }
        }, "haproxy-reloader-" + name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * {@code mysql-check} logs in without a password, from 127.0.0.1. The account is created on each server outside
     * the binary log, so that replication (checked after every run) does not see it.
     */
    static void createCheckUser(ServerGroup group) throws SQLException {
        for (int i = 0; i < group.size(); i++) {
            try (Connection c = group.adminConnection(i); Statement st = c.createStatement()) {
                st.execute("SET SESSION sql_log_bin = 0");
                st.execute("CREATE USER IF NOT EXISTS '" + CHECK_USER + "'@'127.0.0.1'");
            }
        }
    }
}
