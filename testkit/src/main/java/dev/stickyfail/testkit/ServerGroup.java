package dev.stickyfail.testkit;

import java.lang.reflect.InvocationTargetException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.opentest4j.TestAbortedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group of real database servers in master-master replication: 2 servers replicate both ways, 3 or more form a
 * ring (server {@code i} replicates from {@code i-1}).
 *
 * <p>Each server (default backend) is a process on 127.0.0.1 and a free port, of the group's {@link Flavour}:
 * {@code mariadbd} 11.4 or {@code mysqld} 8.0. It has its own data directory under
 * {@code ${java.io.tmpdir}/stickyfail-testkit/<jvm pid>/}, grant tables on and real passwords. Replication is GTID
 * based, {@code binlog_format=ROW}, {@code log_slave_updates}, {@code server_id = index + 1},
 * {@code auto_increment_increment = size}, {@code auto_increment_offset = index + 1}, {@code MASTER_CONNECT_RETRY=1}
 * and {@code slave_net_timeout=5} (a replica notices a dead or frozen source within about 5 s and reconnects about
 * 1 s after it is back).
 * <ul>
 *   <li>MariaDB: {@code MASTER_USE_GTID=slave_pos}, {@code gtid_domain_id = server_id} (each server writes in its
 *   own GTID domain, so writes on two servers never compete for one sequence), TLS off.</li>
 *   <li>MySQL 8: {@code gtid_mode=ON}, {@code MASTER_AUTO_POSITION=1}, {@code sync_binlog=0}; MySQL's defaults where
 *   users meet them: TLS on and {@code caching_sha2_password} for every account.</li>
 * </ul>
 *
 * <p>Accounts: {@link #rootUser()} (all privileges, password login from anywhere), {@link #appUser()} (all on
 * {@link #database()}), {@link #probeUser()} ({@code USAGE, REPLICATION CLIENT, PROCESS}, and on MariaDB
 * {@code SLAVE MONITOR}) and a replication account. They exist on every server from the start, identical (they are
 * part of the initialised data directory, not replicated).
 *
 * <p>{@link #close()} stops everything and deletes the data directories; if the JVM exits first a shutdown hook
 * does it, and if the JVM is killed a watchdog process or the next run's sweep does it.
 */
public final class ServerGroup implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServerGroup.class);
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final Duration POLL = Duration.ofMillis(50);

    private final String name;
    private final GroupOptions options;
    private final GroupBackend backend;
    private final Accounts accounts;
    private final List<DbServer> servers;
    private final Runnable emergencyKill;
    private volatile Duration startupTime = Duration.ZERO;
    private volatile boolean closed;

    private ServerGroup(String name, GroupOptions options, GroupBackend backend, Accounts accounts) {
        this.name = name;
        this.options = options;
        this.backend = backend;
        this.accounts = accounts;
        List<DbServer> list = new ArrayList<>();
        for (ServerControl control : backend.servers()) {
            list.add(new DbServer(control, accounts, options.startTimeout()));
        }
        this.servers = List.copyOf(list);
        this.emergencyKill = backend::close;
    }

    /** Starts {@code size} servers (2: master-master; 3 or more: a ring) and returns once replication runs. */
    public static ServerGroup start(int size) {
        return start(GroupOptions.ofSize(size));
    }

    /**
     * Starts a group as {@code options} say and returns once every server accepts logins and every replication
     * direction runs. The backend is {@link GroupOptions#backend()}, the flavour {@link GroupOptions#flavour()}.
     * Where the group cannot run here (the testcontainers backend without Docker, MySQL 8 without the system's
     * {@code libaio.so.1}) this throws {@link TestAbortedException}, which JUnit reports as a skipped test.
     */
    public static ServerGroup start(GroupOptions options) {
        long start = System.nanoTime();
        String name = "g" + COUNTER.incrementAndGet() + "x" + options.size();
        Accounts accounts = Accounts.DEFAULT;
        GroupBackend backend;
        Workspace workspace = null;
        if (options.backend() == GroupOptions.Backend.TESTCONTAINERS) {
            backend = startTestcontainers(name, options, accounts);
        } else {
            workspace = Workspace.get();
            backend = LocalGroupBackend.start(name, options, accounts, workspace);
        }
        ServerGroup group = new ServerGroup(name, options, backend, accounts);
        if (workspace != null) {
            workspace.onExit(group.emergencyKill);
        }
        try {
            group.setUpReplication();
            group.awaitHealthy(start, options.startTimeout());
        } catch (RuntimeException | Error e) {
            group.close();
            throw e;
        }
        group.startupTime = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("[{}] Started {}-server group in {} ms ({}): {}", name, options.size(),
                group.startupTime.toMillis(), backend.description(), group.hostList());
        return group;
    }

    private static GroupBackend startTestcontainers(String name, GroupOptions options, Accounts accounts) {
        try {
            Class.forName("org.testcontainers.DockerClientFactory", false, ServerGroup.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new TestAbortedException("The testcontainers backend (-D" + GroupOptions.BACKEND_PROPERTY
                    + "=testcontainers) needs org.testcontainers:testcontainers-mysql on the test classpath");
        }
        try {
            Class<?> type = Class.forName("dev.stickyfail.testkit.TestcontainersGroupBackend");
            return (GroupBackend) type.getDeclaredMethod("start", String.class, GroupOptions.class, Accounts.class)
                    .invoke(null, name, options, accounts);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the testcontainers backend", e);
        }
    }

    // ---------------------------------------------------------------- topology and accounts

    public int size() {
        return servers.size();
    }

    public DbServer server(int index) {
        return servers.get(index);
    }

    public List<DbServer> servers() {
        return servers;
    }

    /** {@code "app"}. */
    public String database() {
        return accounts.database();
    }

    public String appUser() {
        return accounts.appUser();
    }

    public String appPassword() {
        return accounts.appPassword();
    }

    /**
     * An account with {@code USAGE, REPLICATION CLIENT, PROCESS} (and MariaDB's {@code SLAVE MONITOR}): enough for
     * health probes and reading replication status, no right on {@link #database()}.
     */
    public String probeUser() {
        return accounts.probeUser();
    }

    public String probePassword() {
        return accounts.probePassword();
    }

    /** An administrator that logs in with a password (not unix_socket). */
    public String rootUser() {
        return accounts.rootUser();
    }

    public String rootPassword() {
        return accounts.rootPassword();
    }

    /** {@code "127.0.0.1:p0,127.0.0.1:p1[,...]"} in index order. */
    public String hostList() {
        return servers.stream().map(DbServer::hostAndPort).collect(Collectors.joining(","));
    }

    /** The group's name in log lines, e.g. {@code g1x2}. */
    public String name() {
        return name;
    }

    public GroupOptions options() {
        return options;
    }

    /** The servers' flavour: which GTID notation and replication statements they speak. */
    public Flavour flavour() {
        return backend.flavour();
    }

    /** How long {@link #start(GroupOptions)} took, from call to replication running. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Root to {@link #database()}, 2 s connect timeout, 10 s socket timeout. */
    public Connection adminConnection(int index) throws SQLException {
        return server(index).adminConnection();
    }

    /** The app user through a plain {@code jdbc:mysql:} URL, no extra properties (so no timeouts). */
    public Connection appConnection(int index) throws SQLException {
        return server(index).appConnection();
    }

    // ---------------------------------------------------------------- replication

    /** Source index of every replication direction, in the order of {@link #replicationStatus()}. */
    private List<int[]> directions() {
        List<int[]> result = new ArrayList<>();
        int n = servers.size();
        if (n < 2) {
            return result;
        }
        for (int source = 0; source < n; source++) {
            result.add(new int[] {source, (source + 1) % n});
        }
        return result;
    }

    private void setUpReplication() {
        for (int[] d : directions()) {
            try (Connection replica = adminConnection(d[1])) {
                backend.replication().configureReplication(replica, backend.peerHost(d[0]), backend.peerPort(d[0]),
                        accounts);
            } catch (SQLException e) {
                throw new IllegalStateException("[" + name + "] cannot set up replication " + d[0] + "->" + d[1]
                        + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * One entry per direction (for 2 servers: 0->1, 1->0; for 3: 0->1, 1->2, 2->0), as the replica reports it. A
     * replica that cannot be asked (down, frozen) is reported as not running, with the reason in
     * {@link ReplicationStatus#lastIoError()}.
     */
    public List<ReplicationStatus> replicationStatus() {
        List<ReplicationStatus> result = new ArrayList<>();
        for (int[] d : directions()) {
            result.add(statusOf(d[0], d[1]));
        }
        return result;
    }

    private ReplicationStatus statusOf(int source, int replica) {
        try (Connection c = quickAdmin(replica)) {
            return backend.replication().status(c, source, replica);
        } catch (SQLException e) {
            return new ReplicationStatus(source, replica, false, false,
                    "cannot ask server " + replica + ": " + e.getMessage(), "", null);
        }
    }

    private Connection quickAdmin(int index) throws SQLException {
        DbServer s = server(index);
        // Connector/J waits for the server's greeting up to the socket timeout: a frozen server costs 3 s here.
        return Jdbc.admin(s.host(), s.port(), accounts.database(), accounts.rootUser(), accounts.rootPassword(),
                Duration.ofSeconds(2), Duration.ofSeconds(3));
    }

    /**
     * Stops the applier (SQL thread) of server {@code replicaIndex}: it keeps receiving from its source into its
     * relay log but applies nothing, a replica with a lagging applier. Returns once the SQL thread stopped
     * ({@code STOP SLAVE SQL_THREAD} waits for it). Undo with {@link #startApplier(int)} or {@link #heal(Duration)}.
     */
    public void stopApplier(int replicaIndex) {
        replicationCommand(replicaIndex, "stop the applier of", backend.replication()::stopApplier);
    }

    /** Starts the applier (SQL thread) of server {@code replicaIndex} again; returns once the statement ran. */
    public void startApplier(int replicaIndex) {
        replicationCommand(replicaIndex, "start the applier of", backend.replication()::startApplier);
    }

    /**
     * Stops both replication threads of server {@code replicaIndex}: it no longer receives what its source writes,
     * so whatever is written on the source meanwhile is exactly what the replica never received. Undo with
     * {@link #heal(Duration)} (or {@code START SLAVE}).
     */
    public void stopReplication(int replicaIndex) {
        replicationCommand(replicaIndex, "stop replication on", backend.replication()::stopReplication);
    }

    private interface ReplicaCommand {
        void run(Connection replica) throws SQLException;
    }

    private void replicationCommand(int replicaIndex, String what, ReplicaCommand command) {
        try (Connection c = adminConnection(replicaIndex)) {
            command.run(c);
            LOG.info("[{}] done: {} server {}", name, what, replicaIndex);
        } catch (SQLException e) {
            throw new IllegalStateException("[" + name + "] cannot " + what + " server " + replicaIndex + ": "
                    + e.getMessage(), e);
        }
    }

    /** Fails with every direction's state unless all have both threads running and no error. */
    public void assertReplicationHealthy() {
        List<ReplicationStatus> statuses = replicationStatus();
        if (!statuses.stream().allMatch(ReplicationStatus::healthy)) {
            throw new AssertionError("[" + name + "] replication is not healthy:" + describe(statuses));
        }
    }

    /**
     * Waits until, in every direction, the replica has applied every transaction in the source's binary log (GTID
     * positions) and its IO and SQL threads run without error: a replica still reconnecting to a restarted source
     * cannot know what it is missing, so equal positions alone do not mean caught up. Fails with an {@link AssertionError} showing each direction's positions and state when
     * {@code timeout} runs out, or at once when a replica's SQL thread stopped with an error (it would never catch
     * up by itself).
     */
    public void awaitReplicationCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long nextStatusCheck = System.nanoTime();
        Map<Integer, Connection> connections = new HashMap<>();
        try {
            while (true) {
                List<String> lagging = new ArrayList<>();
                for (int[] d : directions()) {
                    String lag = lagOf(d[0], d[1], connections);
                    if (lag != null) {
                        lagging.add(lag);
                    }
                }
                if (lagging.isEmpty()) {
                    List<ReplicationStatus> statuses = replicationStatus();
                    if (statuses.stream().allMatch(ReplicationStatus::healthy)) {
                        return;
                    }
                    statuses.stream().filter(st -> !st.healthy()).forEach(st -> lagging.add(st + " (positions equal, not running)"));
                }
                if (System.nanoTime() - nextStatusCheck >= 0) {
                    List<ReplicationStatus> statuses = replicationStatus();
                    if (statuses.stream().anyMatch(s -> !s.sqlRunning() && !s.lastSqlError().isEmpty())) {
                        throw new AssertionError("[" + name + "] replication stopped with an error, it will not "
                                + "catch up:\n  lagging: " + String.join("\n  lagging: ", lagging)
                                + describe(statuses));
                    }
                    nextStatusCheck = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError("[" + name + "] replication did not catch up within "
                            + timeout.toMillis() + " ms:\n  lagging: " + String.join("\n  lagging: ", lagging)
                            + describe(replicationStatus()));
                }
                LockSupport.parkNanos(POLL.toNanos());
            }
        } finally {
            connections.values().forEach(ServerGroup::closeQuietly);
        }
    }

    /** Null when caught up, else a description of the lag. */
    private String lagOf(int source, int replica, Map<Integer, Connection> connections) {
        try {
            String sourcePos = backend.replication().position(connection(source, connections));
            Connection r = connection(replica, connections);
            if (backend.replication().hasApplied(r, sourcePos)) {
                return null;
            }
            return source + "->" + replica + ": source at [" + sourcePos + "], replica at ["
                    + backend.replication().position(r) + "]";
        } catch (SQLException e) {
            closeQuietly(connections.remove(source));
            closeQuietly(connections.remove(replica));
            return source + "->" + replica + ": cannot read positions: " + e.getMessage();
        }
    }

    private Connection connection(int index, Map<Integer, Connection> connections) throws SQLException {
        Connection c = connections.get(index);
        if (c == null) {
            c = quickAdmin(index);
            connections.put(index, c);
        }
        return c;
    }

    private void awaitHealthy(long startNanos, Duration timeout) {
        long deadline = startNanos + timeout.toNanos();
        while (true) {
            List<ReplicationStatus> statuses = replicationStatus();
            if (statuses.stream().allMatch(ReplicationStatus::healthy)) {
                return;
            }
            if (statuses.stream().anyMatch(s -> !s.sqlRunning() && !s.lastSqlError().isEmpty())) {
                throw new AssertionError("[" + name + "] replication stopped with an error; it will not recover "
                        + "by itself (a conflicting write?):" + describe(statuses));
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("[" + name + "] replication did not become healthy within "
                        + timeout.toMillis() + " ms:" + describe(statuses));
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
    }

    // ---------------------------------------------------------------- recovery and lifecycle

    /**
     * Undoes every fault: thaws frozen servers, starts stopped or killed ones, restarts replication threads that
     * were stopped without an error, then waits until replication is healthy and caught up in every direction.
     * Fails (AssertionError) if that does not happen within {@code timeout}, e.g. because a replica hit a
     * conflicting write; such a group is best closed and replaced.
     */
    public void heal(Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        boolean changed = false;
        for (DbServer s : servers) {
            if (s.isFrozen()) {
                s.thaw();
                changed = true;
            }
        }
        for (DbServer s : servers) {
            if (!s.isRunning()) {
                s.start();
                changed = true;
            }
        }
        for (ReplicationStatus status : replicationStatus()) {
            if ((!status.ioRunning() || !status.sqlRunning()) && status.lastSqlError().isEmpty()
                    && !status.lastIoError().startsWith("cannot ask")) {
                try (Connection c = quickAdmin(status.replicaIndex())) {
                    backend.replication().startReplication(c);
                } catch (SQLException e) {
                    LOG.debug("[{}] START SLAVE on server {} failed: {}", name, status.replicaIndex(),
                            e.getMessage());
                }
            }
        }
        awaitHealthy(start, timeout);
        awaitReplicationCaughtUp(Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0)));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        if (changed) {
            LOG.info("[{}] healed in {} ms", name, millis);
        } else {
            LOG.debug("[{}] healthy, checked in {} ms", name, millis);
        }
    }

    /** True once {@link #close()} ran. */
    public boolean isClosed() {
        return closed;
    }

    /** Kills every server the group started and deletes its data directories. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (options.backend() == GroupOptions.Backend.LOCAL) {
            Workspace.get().forget(emergencyKill);
        }
        backend.close();
        LOG.info("[{}] closed", name);
    }

    @Override
    public String toString() {
        return "ServerGroup[" + name + ", " + hostList() + (closed ? ", closed" : "") + "]";
    }

    private String describe(List<ReplicationStatus> statuses) {
        StringBuilder sb = new StringBuilder();
        for (ReplicationStatus s : statuses) {
            sb.append("\n  ").append(s);
        }
        for (DbServer s : servers) {
            sb.append("\n  ").append(s);
        }
        return sb.toString();
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // already broken
            }
        }
    }
}
