package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.DecisionInfo;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerInfo;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.config.Durations;
import dev.stickyfail.config.FailbackPolicy;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.event.ConnectionErrorEvent;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.internal.decider.CoreSettings;
import dev.stickyfail.internal.decider.SwitchCore;
import dev.stickyfail.internal.decision.DecisionJournal;
import dev.stickyfail.internal.decision.LocalDecisionStore;
import dev.stickyfail.internal.decision.StateFile;
import dev.stickyfail.internal.health.ApplicationSessions;
import dev.stickyfail.internal.health.ServerMonitor;
import dev.stickyfail.probe.FailureKind;
import dev.stickyfail.probe.ProbeResult;
import dev.stickyfail.probe.ProbeTarget;
import dev.stickyfail.probe.Probes;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

/**
 * One group (same servers and settings) in this JVM, shared by every connection and DataSource that names it. It wires
 * the parts together and serves the application: the {@link ConnectionGate} hands out connections where the
 * {@link Router} says, the {@link Decider} alone changes that (its logic is the {@link SwitchCore}), the {@link Fence}
 * cuts connections to servers left behind and the {@link ServerFence} kills what of the application's is left on
 * them, the monitors probe, and the registry knows every live connection.
 */
public final class GroupRuntime implements GroupAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRuntime.class);

    private final StickyFailConfig config;
    private final String name;
    private final ServerAddress[] servers;
    private final Set<String> serverNames;
    private final ServerMonitor[] monitors;
    private final ConnectionRegistry registry;
    private final EventDispatcher events;
    private final Router router = new Router();
    private final Fence fence;
    private final PhysicalConnector probeConnector;
    private final ScheduledThreadPoolExecutor watchdog;
    private final String instanceId;
    private final GroupMBean mbean;
    private final ConnectionGate gate;
    private final ServerFence serverFence;
    private final SwitchRehearsal rehearsal;
    private final ReplicationGuard replication;
    private final java.util.concurrent.ExecutorService background;
    private java.util.concurrent.ScheduledFuture<?> leaseCut;

    private DecisionJournal journal;
    private BoundedStore store;
    private volatile Lease lease = Lease.NONE;
    private Decider decider;
    private volatile boolean stopped;

    GroupRuntime(StickyFailConfig config) throws SQLException {
        this.config = config;
        this.name = config.group();
        this.servers = config.servers().toArray(new ServerAddress[0]);
        Set<String> names = new LinkedHashSet<>();
        for (ServerAddress s : servers) {
            names.add(s.toString());
        }
        this.serverNames = Set.copyOf(names);
        this.registry = new ConnectionRegistry(servers.length);
        this.events = new EventDispatcher(name);
        this.fence = new Fence(name, registry, Duration.ofSeconds(1));
        this.probeConnector = new PhysicalConnector(config.connectorProperties());
        this.instanceId = instanceId();
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "stickyfail-watchdog[" + name + "]");
            t.setDaemon(true);
            return t;
        });
        this.watchdog.setRemoveOnCancelPolicy(true);
        this.monitors = new ServerMonitor[servers.length];
        MonitorObserver observer = new MonitorObserver();
        for (int i = 0; i < servers.length; i++) {
            ProbeTarget target = new Target(servers[i]);
            int server = i;
            // the application's own sessions to the server, read by the monitor in the background (never the hot path)
            ApplicationSessions sessions = new ApplicationSessions() {
                @Override
                public Iterable<Connection> established() {
                    return () -> StreamSupport.stream(registry.connections(server).spliterator(), false)
                            .map(TrackedConnection::physical).iterator();
                }

                @Override
                public long[] attemptStarts() {
                    return registry.attemptStarts(server);
                }
            };
            monitors[i] = new ServerMonitor(name, i, servers[i], config, () -> Probes.create(config.check(), target),
                    observer, watchdog, sessions);
        }
        this.mbean = config.jmx() ? new GroupMBean(this) : null;
        this.gate = new ConnectionGate(this);
        ServerFence.Account fenceAccount = new ProbeAccount(config.fenceUser(), config.fencePassword());
        this.serverFence = new ServerFence(name, servers, config.checkTimeout(), config.serverFenceTimeout(), fenceAccount);
        if (config.connectorProperties().get("user") != null) {
            // the URL's (or DataSource's) account, fenced even before this instance opened a connection with it
            serverFence.remember(new ProbeAccount(config.connectorProperties().get("user"),
                    config.connectorProperties().get("password")));
        }
        this.replication = new ReplicationGuard(this, events);
        this.rehearsal = new SwitchRehearsal(name, replication, serverFence,
                new ProbeAccount(config.probeUser(), config.probePassword()));
        this.background = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stickyfail-background[" + name + "]");
            t.setDaemon(true);
            return t;
        });
    }

    /** An account the group logs in as with the probe's connector: the fence account, or the URL's own. */
    private final class ProbeAccount implements ServerFence.Account {
        private final String user;
        private final String password;

        ProbeAccount(String user, String password) {
            this.user = user;
            this.password = password;
        }

        @Override
        public String user() {
            return user;
        }

        @Override
        public Connection session(ServerAddress server, long timeoutMillis) throws SQLException {
            return probeConnector.openForProbe(server, user, password, timeoutMillis);
        }
    }

    /** Readable (host and pid) and unique (a random UUID): in containers the pid is often 1 and hostnames repeat. */
    private static String instanceId() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException | RuntimeException e) {
            host = "localhost";
        }
        return host + "/" + ProcessHandle.current().pid() + "/" + java.util.UUID.randomUUID();
    }

    /** Opens the state file and the store (file I/O, never under the registry's lock), then starts probing and deciding. */
    void start() throws SQLException {
        try {
            Decision local = null;
            long floor = 0;
            String refused = null;
            if (config.stateFile() == null) {
                journal = DecisionJournal.none(name);
                if (config.failback() == FailbackPolicy.NEVER) {
                    LOG.warn("stickyfail[{}] no stickyfail.stateFile: a restart of this application will start again from "
                            + "the first server up, even after a failover (set stickyfail.stateFile to keep the decision)", name);
                }
            } else {
                DecisionJournal.Opened opened = DecisionJournal.open(config.stateFile(), name, serverNames);
                journal = opened.journal();
                StateFile.Content content = opened.content();
                if (content instanceof StateFile.Loaded loaded) {
                    local = loaded.decision();
                } else if (content instanceof StateFile.Unusable bad) {
                    floor = bad.epochFloor();
                    if (config.stateFileUnusableFreshStart()) {
                        LOG.warn("stickyfail[{}] state file {} cannot be trusted: {}; starting fresh from the first server up "
                                + "(stickyfail.stateFileUnusable=fresh-start)", name, journal.path(), bad.why());
                    } else {
                        refused = "state file " + journal.path() + " cannot be trusted: " + bad.why();
                        LOG.error("stickyfail[{}] {}. Refusing to choose a server, since the first one may be the server the "
                                + "group had left: switch to the right server (JMX or admin switchTo), or delete the file to "
                                + "start fresh, or set stickyfail.stateFileUnusable=fresh-start", name, refused);
                    }
                }
            }
            store = new BoundedStore(name, createStore(), storeCallTimeout(), Duration.ofSeconds(60));
            String userSocketFactory = config.connectorProperties().get("socketFactory");
            if (!store.lease().isZero() && userSocketFactory != null
                    && !userSocketFactory.equals(FencingSocketFactory.class.getName())) {
                LOG.warn("stickyfail[{}] socketFactory={} replaces stickyfail's own: with a shared decision its sockets are "
                        + "not checked against the lease before each write nor cut at its deadline, so a paused instance "
                        + "relies on the fence at the server and on Connector/J's abort alone; remove it unless you must "
                        + "have it", name, userSocketFactory);
            }
            lease = store.lease().isZero() ? Lease.NONE : new Lease(store.lease().toNanos());
            long leaseNanos = store.lease().toNanos();
            CoreSettings settings = new CoreSettings(name, new ArrayList<>(serverNames()), instanceId, leaseNanos,
                    config.failback(), config.onMarkedDown() == dev.stickyfail.config.OnMarkedDown.SHUTDOWN_SESSIONS,
                    config.switchCatchUp() || config.reportAbandonedReturn(), config.serverFence(), config.fenceReadOnly(),
                    Math.min(leaseNanos / 4, TimeUnit.MILLISECONDS.toNanos(250)), holdDownNanos(leaseNanos),
                    config.drainTimeout().toNanos(), this::storeName, java.time.Instant::now);
            SwitchCore core = new SwitchCore(settings, servers, local, floor, refused);
            decider = new Decider(this, monitors, events, router, fence, serverFence, journal, store, lease, replication,
                    background, core);
            LOG.info("stickyfail[{}] starting: servers {} (first is the primary), check={} every {} (fast {}, down {}), "
                            + "timeout {}, rise {}, fall {}, failback={}, store {}, {}", name, Arrays.toString(servers),
                    config.check(), Durations.format(config.checkInterval()), Durations.format(config.checkFastInterval()),
                    Durations.format(config.checkDownInterval()), Durations.format(config.checkTimeout()), config.rise(),
                    config.fall(), config.failback().value(), store.describe(), journal.describe());
            decider.start();
            for (ServerMonitor m : monitors) {
                m.start();
            }
            background.execute(replication::checkRights); // the accounts' rights, once, off the caller's thread
            if (mbean != null) {
                mbean.register();
            }
        } catch (SQLException | RuntimeException | Error e) {
            stopped = true;
            if (decider != null) {
                decider.stop(Duration.ofSeconds(2));
            }
            for (ServerMonitor m : monitors) {
                m.stop();
            }
            closeQuietly();
            throw e;
        }
    }

    /**
     * How long a decision another instance made is kept before this instance, seeing its server down, proposes to
     * leave it: long enough that two instances seeing different servers down move everybody at most every few leases.
     */
    private static long holdDownNanos(long leaseNanos) {
        return Math.max(3 * leaseNanos, TimeUnit.SECONDS.toNanos(10));
    }

    private Duration storeCallTimeout() {
        Duration lease = config.lease();
        return lease.dividedBy(3).compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : lease.dividedBy(3);
    }

    private DecisionStore createStore() throws SQLException {
        if ("local".equals(config.store())) {
            return new LocalDecisionStore();
        }
        for (DecisionStoreFactory f : ServiceLoader.load(DecisionStoreFactory.class, GroupRuntime.class.getClassLoader())) {
            if (f.name().equals(config.store())) {
                Map<String, String> props = new LinkedHashMap<>(config.storeProperties());
                return f.create(new StoreContext(name, new ArrayList<>(serverNames()), instanceId, config.lease(), props));
            }
        }
        throw ConfigErrors.problem("stickyfail.store=" + config.store() + " needs the stickyfail-" + config.store()
                + " artifact on the class path (it provides the '" + config.store() + "' decision store), and it is not there");
    }

    void stop() {
        stopped = true;
        router.publish(dev.stickyfail.internal.decider.Route.NONE); // first: no connection is handed out from here on
        router.wakeAll();
        if (decider != null) {
            decider.stop(Duration.ofSeconds(5)); // fences every server
        }
        // whether or not the decider got there: nothing may stay open once this instance leaves the shared table
        for (int i = 0; i < servers.length; i++) {
            fence.cut(i, new Eviction(name, servers[i], "the group was stopped", null, epoch()));
        }
        for (ServerMonitor m : monitors) {
            m.stop();
        }
        if (mbean != null) {
            mbean.unregister();
        }
        closeQuietly();
        LOG.info("stickyfail[{}] stopped", name);
    }

    private void closeQuietly() {
        watchdog.shutdownNow();
        background.shutdownNow();
        replication.close();
        events.close();
        fence.close();
        try {
            if (store != null && registry.anyLeftRunning()) {
                store.closeWithoutLeaving(); // the others must wait for this instance as for a silent one
            } else if (store != null) {
                store.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("stickyfail[{}] closing the decision store failed", name, e);
        }
        if (journal != null) {
            journal.close();
        }
    }

    // ---------------------------------------------------------------- connections

    /**
     * A physical connection to the active server, registered. Waits up to {@code stickyfail.failoverTimeout} while no
     * server is usable, and while a failed attempt to reach the active server is being confirmed.
     */
    public TrackedConnection connect(ConnectionFactory factory) throws SQLException {
        return gate.connect(factory);
    }

    /** Opens one physical connection to a server within a time budget (the DataSource's credentials and properties). */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open(ServerAddress server, long budgetMillis) throws SQLException;
    }

    /** The connection factory for a set of Connector/J properties and a database. */
    public static ConnectionFactory connectionFactory(Map<String, String> connectorProperties, String database)
            throws SQLException {
        Map<String, String> props = new LinkedHashMap<>(connectorProperties);
        // our socket factory lets a switch reset the TCP connection; a user's own factory wins (abort() alone then)
        props.putIfAbsent("socketFactory", FencingSocketFactory.class.getName());
        return new AccountConnector(new PhysicalConnector(props), database, props.get("user"), props.get("password"));
    }

    /** Opens the application's connections as one account, and fence sessions as the same account. */
    private record AccountConnector(PhysicalConnector connector, String database, String user, String password)
            implements ConnectionFactory, ServerFence.Account {
        @Override
        public Connection open(ServerAddress server, long budgetMillis) throws SQLException {
            return connector.open(server, database, budgetMillis);
        }

        @Override
        public Connection session(ServerAddress server, long timeoutMillis) throws SQLException {
            return connector.openForProbe(server, user, password, timeoutMillis);
        }

        @Override
        public String toString() {
            return "account " + user; // never the password
        }
    }

    /** What ran ahead of a switch (tests). */
    SwitchRehearsal rehearsal() {
        return rehearsal;
    }

    /** {@code server} came up: run, once, what a switch to it and away from it can run ahead (background thread). */
    void rehearseSwitch(int server) {
        if (!stopped) {
            rehearsal.serverUp(server);
        }
    }

    /** A session to a server with the probe's credentials, every read bounded by {@code timeout}. */
    Connection openProbeSession(int server, Duration timeout) throws SQLException {
        return probeConnector.openForProbe(servers[server], config.probeUser(), config.probePassword(), timeout.toMillis());
    }

    /** A session to a server as {@code user}, with the probe's connector: for the check of the accounts' rights. */
    Connection openAccountSession(int server, String user, String password, Duration timeout) throws SQLException {
        return probeConnector.openForProbe(servers[server], user, password, timeout.toMillis());
    }

    /** Where a connection to {@code server} records the commits it acknowledged; null when they are not tracked. */
    dev.stickyfail.internal.replication.AcknowledgedCommits.Server acknowledgedCommits(int server) {
        return replication.acknowledged(server);
    }

    /**
     * The lease was renewed: at its new deadline, unless renewed again, every leased socket is cut from the watchdog,
     * whatever the decider is doing then (a store call that hangs must not keep a write going past the lease).
     */
    void leaseRenewed() {
        Lease l = lease;
        java.util.concurrent.ScheduledFuture<?> previous = leaseCut;
        if (previous != null) {
            previous.cancel(false);
        }
        long delay = Math.max(0, l.deadlineNanos() - System.nanoTime());
        try {
            leaseCut = watchdog.schedule(this::cutIfLeaseExpired, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    private void cutIfLeaseExpired() {
        if (!lease.expired() || stopped) {
            return;
        }
        int n = 0;
        for (int i = 0; i < servers.length; i++) {
            n += fence.cut(i, leaseEviction(i));
        }
        if (n > 0) {
            LOG.warn("stickyfail[{}] the lease ran out: cut {} connections at the deadline", name, n);
        }
    }

    /** An application connection was opened as this account: its sessions are fenced at the server from now on. */
    void rememberAccount(ConnectionFactory factory) {
        if (factory instanceof ServerFence.Account account) {
            serverFence.remember(account);
        }
    }

    /** Why connections are evicted and nothing is routed while the lease has run out: one wording everywhere. */
    String leaseLostWhy() {
        return "the shared decision could not be confirmed with " + storeName() + " for " + lease.sinceConfirmedMillis()
                + " ms (stickyfail.lease=" + Durations.format(config.lease()) + ")";
    }

    /** Why a connection is evicted when the lease has run out. */
    Eviction leaseEviction(int server) {
        return new Eviction(name, servers[server], leaseLostWhy(), null, epoch());
    }

    /** The lease on a shared decision; {@link Lease#NONE} for the local store. */
    Lease lease() {
        return lease;
    }

    Router router() {
        return router;
    }

    /** The decision in force, or {@code null}. */
    Decision currentDecision() {
        Decider d = decider;
        return d == null ? null : d.decision();
    }

    /** The decision store's last error while the decision is unconfirmed, or {@code null}. */
    String lastStoreError() {
        Decider d = decider;
        return d == null ? null : d.lastStoreError();
    }

    /** The store, as its messages name it. */
    String storeName() {
        BoundedStore s = store;
        return s == null ? "no store" : s.describe();
    }

    String describeServer(int i) {
        ServerMonitor m = monitors[i];
        ProbeResult last = m.lastResult();
        return servers[i] + " " + m.state() + (m.adminState() == AdminState.READY ? "" : "/" + m.adminState())
                + (last == null ? " (no probe answered yet)" : " (last probe " + last.outcome() + ": " + last.detail() + ")");
    }

    /** An error on an application connection, or on an attempt to open one. Runs on the application's thread. */
    void onConnectionError(int index, SQLException error, FailureKind kind, boolean connect) {
        boolean counted = config.observe() && kind != FailureKind.SERVER && !stopped
                && monitors[index].reportPassiveFailure(error);
        if (counted) {
            LOG.warn("stickyfail[{}] {} error on {} ({}); counted as a failed probe, probing it now",
                    name, connect ? "connection" : "communication", servers[index], ServerMonitor.describe(error));
        } else if (kind == FailureKind.SERVER) {
            LOG.warn("stickyfail[{}] {} refused a connection: {} (the server answered: not a reason to fail over)",
                    name, servers[index], ServerMonitor.describe(error));
        }
        events.connectionError(new ConnectionErrorEvent(name, servers[index], kind, error.getSQLState(),
                ServerMonitor.describe(error), connect, counted));
    }

    void onLeakedConnection(TrackedConnection t) {
        LOG.warn("stickyfail[{}] a connection to {} was garbage-collected without close(); aborted it", name, t.server());
    }

    /** Hands health to the decider; called with the monitor's lock held, so only queues. */
    private final class MonitorObserver implements ServerMonitor.Observer {
        @Override
        public void onProbe(ServerMonitor m, ProbeResult result, Duration latency) {
            events.probe(new ProbeEvent(name, m.server(), result, latency));
        }

        @Override
        public void onStateChange(ServerMonitor m, ServerState from, ServerState to, String cause) {
            if (to == ServerState.DOWN || to == ServerState.UP) {
                LOG.info("stickyfail[{}] {} is {} (was {}): {}", name, m.server(), to, from, cause);
            } else {
                LOG.debug("stickyfail[{}] {} is {} (was {}): {}", name, m.server(), to, from, cause);
            }
            Decider d = decider;
            if (d != null) {
                d.healthChanged(m.index(), from, to, cause);
            }
        }
    }

    // ---------------------------------------------------------------- what the parts share

    ServerAddress[] serverArray() {
        return servers;
    }

    Set<String> serverNames() {
        return serverNames;
    }

    /** @return the index of the server of that {@code host:port} name, or -1 */
    int indexOf(String server) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i].toString().equals(server)) {
                return i;
            }
        }
        return -1;
    }

    private int requireIndex(String server) {
        int i = server == null ? -1 : indexOf(server);
        if (i < 0) {
            throw new IllegalArgumentException("stickyfail[" + name + "]: no server " + server + " in this group; servers are "
                    + Arrays.toString(servers));
        }
        return i;
    }

    // ---------------------------------------------------------------- admin

    @Override
    public String name() {
        return name;
    }

    public boolean isStopped() {
        return stopped;
    }

    public StickyFailConfig config() {
        return config;
    }

    ServerAddress server(int index) {
        return servers[index];
    }

    ConnectionRegistry registry() {
        return registry;
    }

    String instanceIdentity() {
        return instanceId;
    }

    @Override
    public Optional<String> activeServer() {
        return Optional.ofNullable(activeServerName());
    }

    String activeServerName() {
        Decider dec = decider;
        Decision d = dec == null ? null : dec.decision();
        return d == null ? null : d.server();
    }

    @Override
    public long epoch() {
        Decider dec = decider;
        Decision d = dec == null ? null : dec.decision();
        return d == null ? 0 : d.epoch();
    }

    @Override
    public Optional<DecisionInfo> decision() {
        Decider dec = decider;
        Decision d = dec == null ? null : dec.decision();
        return d == null ? Optional.empty() : Optional.of(new DecisionInfo(d.server(), d.epoch(), d.decidedBy(),
                d.decidedAt(), d.reason(), decisionPersisted()));
    }

    @Override
    public List<dev.stickyfail.admin.ErrantReport> errantTransactions() {
        Decider d = decider;
        return d == null ? List.of() : d.errantReports();
    }

    @Override
    public List<dev.stickyfail.admin.MissingCommitsReport> missingCommits() {
        return replication.missingCommits();
    }

    @Override
    public List<dev.stickyfail.admin.AccountCheck> accountChecks() {
        return replication.accountChecks();
    }

    @Override
    public dev.stickyfail.admin.CoordinationInfo coordination() {
        Lease l = lease;
        String err = lastStoreError();
        dev.stickyfail.internal.decider.Route route = router.current();
        return new dev.stickyfail.admin.CoordinationInfo(store == null ? "" : store.describe(), l.enabled(), !l.expired(),
                l.enabled() ? l.remainingMillis() : Long.MAX_VALUE, l.enabled() ? l.sinceConfirmedMillis() : 0,
                err == null ? "" : err, route.usable(), route.usable() ? "" : notRoutingWhy(route));
    }

    private String notRoutingWhy(dev.stickyfail.internal.decider.Route route) {
        Decider d = decider;
        if (stopped) {
            return "the group is stopped";
        }
        if (refusedWhy() != null) {
            return refusedWhy();
        }
        if (currentDecision() == null) {
            return "no decision yet";
        }
        if (lease.expired()) {
            return leaseLostWhy();
        }
        if (d != null && d.decidedServerUnusable()) {
            int i = indexOf(currentDecision().server());
            return "the decided server is unusable here: " + describeServer(i);
        }
        return route.index() < 0 ? "a switch is in progress (epoch " + route.epoch() + ")" : "";
    }

    @Override
    public boolean routeUsable() {
        return !stopped && router.current().usable() && !lease.expired();
    }

    /** Whether the decision in force is durable (false after a failed state-file write, until a retry succeeds). */
    public boolean decisionPersisted() {
        DecisionJournal j = journal;
        return j == null || j.persisted();
    }

    /** Why no server is chosen (an untrusted state file), or {@code null}. */
    public String refusedWhy() {
        Decider dec = decider;
        return dec == null ? null : dec.refusedWhy();
    }

    String storeDescription() {
        BoundedStore s = store;
        return s == null ? "" : s.describe() + ", " + journal.describe();
    }

    @Override
    public List<ServerInfo> servers() {
        String active = activeServerName();
        long now = System.nanoTime();
        List<ServerInfo> list = new ArrayList<>(servers.length);
        for (int i = 0; i < servers.length; i++) {
            ServerMonitor m = monitors[i];
            ProbeResult last = m.lastResult();
            list.add(new ServerInfo(servers[i].toString(), i, m.state().name(), m.adminState().name(),
                    servers[i].toString().equals(active), last == null ? "NONE" : last.outcome().name(),
                    last == null ? "" : last.detail(), last == null ? 0 : m.lastLatency().toMillis(),
                    last == null ? -1 : TimeUnit.NANOSECONDS.toMillis(now - m.lastProbeEndNanos()), registry.count(i)));
        }
        return list;
    }

    @Override
    public void switchTo(String server) {
        int target = requireIndex(server);
        running("switchTo(" + server + ")");
        decider.switchTo(target, adminWait());
    }

    @Override
    public void setMaintenance(String server, boolean maintenance) {
        setAdminState(server, maintenance ? AdminState.MAINT : AdminState.READY);
    }

    @Override
    public void drain(String server) {
        setAdminState(server, AdminState.DRAIN);
    }

    @Override
    public void ready(String server) {
        setAdminState(server, AdminState.READY);
    }

    private void setAdminState(String server, AdminState state) {
        int index = requireIndex(server);
        running("set " + server + " to " + state);
        decider.setAdminState(index, state, adminWait());
    }

    private void running(String what) {
        if (stopped) {
            throw new IllegalStateException("stickyfail[" + name + "]: the group is stopped; " + what + " refused");
        }
    }

    private Duration adminWait() {
        return config.failoverTimeout().plus(config.lease()).plusSeconds(10);
    }

    @Override
    public void addListener(StickyFailListener listener) {
        events.add(listener);
    }

    @Override
    public void removeListener(StickyFailListener listener) {
        events.remove(listener);
    }

    public static void addGlobalListener(StickyFailListener listener) {
        EventDispatcher.GLOBAL.add(listener);
    }

    public static void removeGlobalListener(StickyFailListener listener) {
        EventDispatcher.GLOBAL.remove(listener);
    }

    @Override
    public String toString() {
        return "stickyfail group " + name;
    }

    /** What a probe of one server gets. */
    private final class Target implements ProbeTarget {
        private final ServerAddress server;

        Target(ServerAddress server) {
            this.server = server;
        }

        @Override
        public String group() {
            return name;
        }

        @Override
        public ServerAddress server() {
            return server;
        }

        @Override
        public Duration timeout() {
            return config.checkTimeout();
        }

        @Override
        public String checkSql() {
            return config.checkSql();
        }

        @Override
        public Duration maxReplicationLag() {
            return config.maxReplicationLag();
        }

        @Override
        public boolean galeraAvailableWhenDonor() {
            return config.galeraAvailableWhenDonor();
        }

        @Override
        public Connection connect() throws SQLException {
            return probeConnector.openForProbe(server, config.probeUser(), config.probePassword(), config.checkTimeout().toMillis());
        }
    }
}
