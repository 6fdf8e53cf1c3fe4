package dev.stickyfail.internal.runtime;

import dev.stickyfail.NoUsableServerException;
import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.admin.ServerInfo;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.config.Durations;
import dev.stickyfail.config.OnMarkedDown;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.config.FailbackPolicy;
import dev.stickyfail.event.AdminStateEvent;
import dev.stickyfail.event.ConnectionErrorEvent;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.internal.decision.Decision;
import dev.stickyfail.internal.decision.DecisionStore;
import dev.stickyfail.internal.decision.DecisionStoreFactory;
import dev.stickyfail.internal.decision.LocalDecisionStore;
import dev.stickyfail.internal.decision.StateFile;
import dev.stickyfail.internal.health.ServerMonitor;
import dev.stickyfail.probe.FailureKind;
import dev.stickyfail.probe.ProbeResult;
import dev.stickyfail.probe.ProbeTarget;
import dev.stickyfail.probe.Probes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One group (same servers and settings) in this JVM: its probes, its decision, and the registry of every live
 * physical connection, shared by every connection and DataSource that names the group.
 *
 * <p>The decision changes only under {@code decisionLock}, in one order: stop handing out connections, store the new
 * decision, abort every connection to every other server, and only then hand out connections to the new server.
 * Application threads never take that lock: they read the volatile {@link Route} and wait on it only while no server
 * is usable.
 */
public final class GroupRuntime implements GroupAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(GroupRuntime.class);

    /** Where connections go now: {@code index} of the decided server, and whether it may be used. */
    record Route(int index, long epoch, boolean usable) {
        static final Route NONE = new Route(-1, 0, false);
    }

    private final StickyFailConfig config;
    private final String name;
    private final ServerAddress[] servers;
    private final ServerMonitor[] monitors;
    private final ConnectionRegistry registry;
    private final EventDispatcher events;
    private final DecisionStore store;
    private final PhysicalConnector probeConnector;
    private final ScheduledThreadPoolExecutor watchdog;
    private final ReentrantLock decisionLock = new ReentrantLock();
    private final Object routeSignal = new Object();
    private final GroupMBean mbean;

    private volatile Decision decision;
    private volatile Route route = Route.NONE;
    private volatile boolean stopped;

    GroupRuntime(StickyFailConfig config) throws SQLException {
        this.config = config;
        this.name = config.group();
        this.servers = config.servers().toArray(new ServerAddress[0]);
        this.registry = new ConnectionRegistry(servers.length);
        this.events = new EventDispatcher(name);
        this.probeConnector = new PhysicalConnector(config.connectorProperties());
        this.store = createStore(config);
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
            monitors[i] = new ServerMonitor(name, i, servers[i], config, () -> Probes.create(config.check(), target),
                    observer, watchdog);
        }
        this.mbean = config.jmx() ? new GroupMBean(this) : null;
    }

    private static DecisionStore createStore(StickyFailConfig config) throws SQLException {
        if ("local".equals(config.store())) {
            Set<String> names = new LinkedHashSet<>();
            config.servers().forEach(s -> names.add(s.toString()));
            StateFile file = config.stateFile() == null ? null : new StateFile(config.stateFile(), config.group());
            return new LocalDecisionStore(file, names);
        }
        for (DecisionStoreFactory f : ServiceLoader.load(DecisionStoreFactory.class, GroupRuntime.class.getClassLoader())) {
            if (f.name().equals(config.store())) {
                return f.create(config);
            }
        }
        throw ConfigErrors.problem("stickyfail.store=" + config.store() + " needs a decision store named '" + config.store()
                + "' on the class path, and none is there");
    }

    void start() throws SQLException {
        Decision loaded = store.load();
        decisionLock.lock();
        try {
            decision = loaded;
        } finally {
            decisionLock.unlock();
        }
        if (loaded != null) {
            LOG.info("stickyfail[{}] resuming the stored decision: {} at epoch {} (since {}: {})", name, loaded.server(),
                    loaded.epoch(), loaded.time(), loaded.reason());
        }
        LOG.info("stickyfail[{}] starting: servers {} (first is the primary), check={} every {} (fast {}, down {}), "
                        + "timeout {}, rise {}, fall {}, failback={}, store {}", name, Arrays.toString(servers), config.check(),
                Durations.format(config.checkInterval()), Durations.format(config.checkFastInterval()),
                Durations.format(config.checkDownInterval()), Durations.format(config.checkTimeout()), config.rise(),
                config.fall(), config.failback().value(), store.describe());
        for (ServerMonitor m : monitors) {
            m.start();
        }
        if (mbean != null) {
            mbean.register();
        }
    }

    void stop() {
        stopped = true;
        for (ServerMonitor m : monitors) {
            m.stop();
        }
        watchdog.shutdownNow();
        if (mbean != null) {
            mbean.unregister();
        }
        decisionLock.lock();
        try {
            int aborted = 0;
            for (int i = 0; i < servers.length; i++) {
                aborted += registry.evict(i, new Eviction(name, servers[i], "the group was stopped", null, epoch()));
            }
            publish(Route.NONE);
            if (aborted > 0) {
                LOG.info("stickyfail[{}] aborted {} connections that were still open", name, aborted);
            }
        } finally {
            decisionLock.unlock();
        }
        store.close();
        LOG.info("stickyfail[{}] stopped", name);
    }

    // ---------------------------------------------------------------- connections

    /**
     * A physical connection to the active server, registered. Waits up to {@code stickyfail.failoverTimeout} while no
     * server is usable, and while a failed attempt to reach the active server is being confirmed.
     */
    public TrackedConnection connect(ConnectionFactory factory) throws SQLException {
        long deadline = System.nanoTime() + config.failoverTimeout().toNanos();
        SQLException lastError = null;
        while (true) {
            if (lastError != null && System.nanoTime() - deadline >= 0) {
                throw noUsableServer(lastError);
            }
            Route r = awaitUsable(deadline, lastError);
            Connection physical;
            try {
                physical = factory.open(servers[r.index], config.connectTimeout().toMillis());
            } catch (SQLException e) {
                FailureKind kind = FailureKind.of(e);
                onConnectionError(r.index, e, kind, true);
                if (kind == FailureKind.SERVER) {
                    throw e;
                }
                lastError = e;
                awaitChange(r, Math.min(deadline, System.nanoTime() + config.checkFastInterval().toNanos()));
                continue;
            }
            boolean autoCommit;
            try {
                autoCommit = physical.getAutoCommit(); // local in Connector/J: the session's state
            } catch (SQLException e) {
                physical.abort(Runnable::run);
                throw e;
            }
            TrackedConnection t = registry.register(this, r.index, physical, autoCommit);
            Route now = route;
            if (now.usable && now.index == r.index && !t.isEvicted()) {
                return t;
            }
            // A switch began while this connection was being opened; it may have swept the registry before this
            // connection was in it, so this connection must not be handed out.
            registry.remove(t);
            t.evict(new Eviction(name, servers[r.index], "a switch began while it was opening", activeServerAddress(), now.epoch));
        }
    }

    /** Opens one physical connection to a server within a time budget (the DataSource's credentials and properties). */
    @FunctionalInterface
    public interface ConnectionFactory {
        Connection open(ServerAddress server, long budgetMillis) throws SQLException;
    }

    /** The connection factory for a set of Connector/J properties and a database. */
    public static ConnectionFactory connectionFactory(java.util.Map<String, String> connectorProperties, String database)
            throws SQLException {
        PhysicalConnector connector = new PhysicalConnector(connectorProperties);
        return (server, budget) -> connector.open(server, database, budget);
    }

    private Route awaitUsable(long deadline, SQLException lastError) throws SQLException {
        Route r = route;
        if (r.usable) {
            return r;
        }
        synchronized (routeSignal) {
            while (!(r = route).usable) {
                if (stopped) {
                    throw new NoUsableServerException("stickyfail[" + name + "]: the group was stopped", null);
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw noUsableServer(lastError);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(routeSignal, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NoUsableServerException("stickyfail[" + name + "]: interrupted while waiting for a usable server", e);
                }
            }
        }
        return r;
    }

    private void awaitChange(Route seen, long until) throws SQLException {
        synchronized (routeSignal) {
            long remaining;
            while (route == seen && !stopped && (remaining = until - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(routeSignal, remaining);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new NoUsableServerException("stickyfail[" + name + "]: interrupted while waiting for a usable server", e);
                }
            }
        }
    }

    private SQLException noUsableServer(SQLException lastError) {
        StringBuilder sb = new StringBuilder("stickyfail[").append(name).append("]: no usable server within stickyfail.failoverTimeout=")
                .append(Durations.format(config.failoverTimeout())).append(": ");
        for (int i = 0; i < servers.length; i++) {
            if (i > 0) {
                sb.append("; ");
            }
            sb.append(describeServer(i));
        }
        Decision d = decision;
        sb.append(d == null ? "; no decision yet" : "; decision: " + d.server() + " at epoch " + d.epoch());
        if (lastError != null) {
            sb.append("; last connection attempt: ").append(ServerMonitor.describe(lastError));
        }
        return new NoUsableServerException(sb.toString(), lastError);
    }

    private String describeServer(int i) {
        ServerMonitor m = monitors[i];
        ProbeResult last = m.lastResult();
        return servers[i] + " " + m.state() + (m.adminState() == AdminState.READY ? "" : "/" + m.adminState())
                + (last == null ? " (no probe answered yet)" : " (last probe " + last.outcome() + ": " + last.detail() + ")");
    }

    /** An error on an application connection, or on an attempt to open one. */
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
        LOG.warn("stickyfail[{}] a connection to {} was garbage-collected without close(); closed it", name, t.server());
    }

    // ---------------------------------------------------------------- the decision

    /** Feeds health changes into the decision. Called with the monitor's lock held, so per server in order. */
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
            events.serverState(new ServerStateEvent(name, m.server(), from, to, cause));
            decisionLock.lock();
            try {
                if (stopped) {
                    return;
                }
                reconsider(m.server() + " marked " + to + " (" + cause + ")");
                if (to == ServerState.DOWN && config.onMarkedDown() == OnMarkedDown.SHUTDOWN_SESSIONS) {
                    evictServer(m.index(), m.server() + " was marked down (" + cause + ")");
                }
            } finally {
                decisionLock.unlock();
            }
        }
    }

    /** Decides again from the servers' states. Must hold decisionLock. */
    private void reconsider(String cause) {
        Decision d = decision;
        if (d == null) {
            int target = initialTarget();
            if (target >= 0) {
                switchTo(target, "first decision: " + servers[target] + " is the first server up");
            }
            return;
        }
        int current = indexOf(d.server());
        ServerMonitor m = monitors[current];
        boolean mustLeave = m.adminState() == AdminState.MAINT
                || (m.state() != ServerState.UNKNOWN && !m.state().isUp());
        if (mustLeave) {
            int target = firstEligible(current);
            if (target >= 0) {
                switchTo(target, cause);
                return;
            }
        } else if (config.failback() == FailbackPolicy.PRIMARY_UP && m.state().isUp()) {
            int best = firstEligible(-1);
            if (best >= 0 && best < current) {
                switchTo(best, "failback (stickyfail.failback=primary-up): " + servers[best] + " is up again");
                return;
            }
        }
        publish(currentRoute());
    }

    /** The first server in priority order that is up, or -1 if none is; -2 while an earlier server has not answered yet. */
    private int initialTarget() {
        for (int i = 0; i < servers.length; i++) {
            ServerMonitor m = monitors[i];
            if (m.adminState() != AdminState.READY) {
                continue;
            }
            if (m.state() == ServerState.UNKNOWN) {
                return -2;
            }
            if (m.state().isUp()) {
                return i;
            }
        }
        return -1;
    }

    private int firstEligible(int except) {
        for (int i = 0; i < servers.length; i++) {
            if (i != except && monitors[i].isEligible()) {
                return i;
            }
        }
        return -1;
    }

    /** Makes {@code target} the active server. Must hold decisionLock. */
    private void switchTo(int target, String reason) {
        long start = System.nanoTime();
        Decision previous = decision;
        Decision next = Decision.next(previous, servers[target].toString(), reason);
        publish(new Route(-1, previous == null ? 0 : previous.epoch(), false)); // no connection handed out from here on
        try {
            if (!store.compareAndSet(previous, next)) {
                LOG.warn("stickyfail[{}] the stored decision changed under this instance; not switching to {}", name, servers[target]);
                publish(currentRoute());
                return;
            }
        } catch (SQLException e) {
            LOG.error("stickyfail[{}] cannot store the switch to {}: {}; staying put", name, servers[target], e.getMessage());
            publish(currentRoute());
            return;
        }
        decision = next;
        int evicted = 0;
        for (int i = 0; i < servers.length; i++) {
            if (i != target) {
                evicted += evictServer(i, "switch to " + servers[target] + ": " + reason);
            }
        }
        publish(currentRoute());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        ServerAddress from = previous == null ? null : servers[indexOf(previous.server())];
        LOG.info("stickyfail[{}] switched {} -> {} (epoch {}) in {} ms, {} connections aborted: {}", name,
                from == null ? "(none)" : from, servers[target], next.epoch(), took.toMillis(), evicted, reason);
        events.switched(new SwitchEvent(name, from, servers[target], next.epoch(), reason, took, evicted));
    }

    /** Aborts every connection to one server. Must hold decisionLock. @return how many were aborted */
    private int evictServer(int index, String why) {
        long start = System.nanoTime();
        Decision d = decision;
        ServerAddress active = activeServerAddress();
        // a server evicted while it is still the decision's server (nothing else is up) is no "active server" to name
        int n = registry.evict(index, new Eviction(name, servers[index], why, servers[index].equals(active) ? null : active,
                d == null ? 0 : d.epoch()));
        if (n > 0) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            LOG.info("stickyfail[{}] aborted {} connections to {} in {} ms: {}", name, n, servers[index], took.toMillis(), why);
            events.evicted(new EvictionEvent(name, servers[index], why, n, took));
        }
        return n;
    }

    private Route currentRoute() {
        Decision d = decision;
        if (d == null) {
            return Route.NONE;
        }
        int i = indexOf(d.server());
        ServerMonitor m = monitors[i];
        return new Route(i, d.epoch(), !stopped && m.state().isUp() && m.adminState() != AdminState.MAINT);
    }

    private void publish(Route r) {
        if (r.equals(route)) {
            return;
        }
        route = r;
        synchronized (routeSignal) {
            routeSignal.notifyAll();
        }
    }

    private int indexOf(String server) {
        for (int i = 0; i < servers.length; i++) {
            if (servers[i].toString().equals(server)) {
                return i;
            }
        }
        throw new IllegalArgumentException("stickyfail[" + name + "]: no server " + server + " in this group; servers are "
                + Arrays.toString(servers));
    }

    private ServerAddress activeServerAddress() {
        Decision d = decision;
        return d == null ? null : servers[indexOf(d.server())];
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

    @Override
    public Optional<String> activeServer() {
        return Optional.ofNullable(activeServerName());
    }

    String activeServerName() {
        Decision d = decision;
        return d == null ? null : d.server();
    }

    @Override
    public long epoch() {
        Decision d = decision;
        return d == null ? 0 : d.epoch();
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
        int target = indexOf(server);
        decisionLock.lock();
        try {
            ServerMonitor m = monitors[target];
            if (!m.isEligible()) {
                throw new IllegalStateException("stickyfail[" + name + "]: cannot switch to " + describeServer(target)
                        + "; the target must be up and ready");
            }
            if (server.equals(activeServerName()) && route.usable) {
                LOG.info("stickyfail[{}] switchTo({}): already the active server", name, server);
                return;
            }
            switchTo(target, "admin switchTo(" + server + ")");
        } finally {
            decisionLock.unlock();
        }
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
        int index = indexOf(server);
        decisionLock.lock();
        try {
            AdminState before = monitors[index].setAdminState(state);
            if (before == state) {
                return;
            }
            LOG.info("stickyfail[{}] {} set to {} (was {})", name, server, state, before);
            events.adminState(new AdminStateEvent(name, servers[index], before, state));
            reconsider(server + " set to " + state + " by an operator");
        } finally {
            decisionLock.unlock();
        }
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
