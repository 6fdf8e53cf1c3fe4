package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.OnMarkedDown;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;
import dev.stickyfail.event.AdminStateEvent;
import dev.stickyfail.event.DecisionPersistenceEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchReason;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.internal.decision.DecisionJournal;
import dev.stickyfail.internal.health.ServerMonitor;
import dev.stickyfail.store.Decision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one place a group's decision changes. Every input that can change it (a server's health, an operator's command,
 * a tick that retries what failed) is queued and applied in order on the decider's own thread, so no application,
 * probe or watchdog thread ever runs a switch, waits for one, or holds a lock one needs.
 *
 * <p>A switch is split in two. <em>Propose</em> asks the store to compare-and-set the next epoch and returns the
 * winner; <em>apply</em> carries out whichever decision won (this instance's or another's) in a fixed order: stop
 * handing out connections, record the decision in the state file, tell listeners the switch is starting, fence every
 * other server, acknowledge, and only then hand out connections to the new server.
 *
 * <p>The group is in one of three states, read from two fields: <b>undecided</b> ({@code decision == null}), <b>refused</b>
 * ({@code refusedWhy != null}: a state file that cannot be trusted; only an operator moves it on), or <b>decided</b>
 * (routing to the decision's server whenever that server is up). Listeners run on this thread, after the change and
 * outside every lock; a listener that calls back (say {@code switchTo}) only queues another input.
 */
final class Decider {

    private static final Logger LOG = LoggerFactory.getLogger(Decider.class);
    private static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** What the decider is told. */
    sealed interface Input permits HealthChanged, Command, Hint, Stop {
    }

    /** The shared store says the decision may have changed: confirm now rather than at the next poll. */
    record Hint() implements Input {
    }

    /** A server's health state changed; {@code atNanos} is when it was seen. */
    record HealthChanged(int server, ServerState from, ServerState to, String cause, long atNanos) implements Input {
    }

    /** An operator's command, run on the decider thread; {@code done} completes with its result. */
    record Command(String name, Supplier<Object> action, CompletableFuture<Object> done) implements Input {
    }

    record Stop(CompletableFuture<Void> done) implements Input {
    }

    private final GroupRuntime group;
    private final String name;
    private final ServerAddress[] servers;
    private final ServerMonitor[] monitors;
    private final StickyFailConfig config;
    private final EventDispatcher events;
    private final Router router;
    private final Fence fence;
    private final DecisionJournal journal;
    private final BoundedStore store;
    private final Lease lease;
    private final LeaseKeeper keeper;
    private final String instanceId;
    private final ReplicationGuard replication;
    private final BlockingQueue<Input> inbox = new LinkedBlockingQueue<>();
    private final Thread thread;

    // confined to the decider thread, published for readers through the volatile fields
    private volatile Decision decision;
    private volatile String refusedWhy;
    private Decision local;
    private long epochFloor;
    private boolean storeStarted;
    private long retryAt = Long.MAX_VALUE;
    private long backoff = MIN_BACKOFF_NANOS;
    private long nextTick;

    Decider(GroupRuntime group, ServerMonitor[] monitors, EventDispatcher events, Router router, Fence fence,
            DecisionJournal journal, BoundedStore store, Lease lease, String instanceId, Decision local, long epochFloor,
            String refusedWhy) {
        this.group = group;
        this.name = group.name();
        this.servers = group.serverArray();
        this.monitors = monitors;
        this.config = group.config();
        this.events = events;
        this.router = router;
        this.fence = fence;
        this.journal = journal;
        this.store = store;
        this.lease = lease;
        this.keeper = new LeaseKeeper(group, store, lease);
        this.instanceId = instanceId;
        this.replication = new ReplicationGuard(group, events);
        this.local = local;
        this.epochFloor = epochFloor;
        this.refusedWhy = refusedWhy;
        this.thread = new Thread(this::run, "stickyfail-decider[" + name + "]");
        this.thread.setDaemon(true);
    }

    void start() {
        if (lease.enabled()) {
            store.store().onChange(() -> inbox.add(new Hint()));
        }
        thread.start();
    }

    // ---------------------------------------------------------------- inputs (any thread)

    /** Never blocks: called with a monitor's lock held. */
    void healthChanged(int server, ServerState from, ServerState to, String cause) {
        inbox.add(new HealthChanged(server, from, to, cause, System.nanoTime()));
    }

    /**
     * Runs an operator's command on the decider thread and waits for it, unless called from the decider thread itself
     * (a listener calling back): then it is queued behind the change being reported and this returns at once.
     */
    Object command(String what, Supplier<Object> action, Duration wait) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        inbox.add(new Command(what, action, done));
        if (Thread.currentThread() == thread) {
            return null;
        }
        try {
            return done.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("stickyfail[" + name + "]: " + what + " is still in progress after "
                    + wait.toMillis() + " ms; see the log");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("stickyfail[" + name + "]: interrupted while waiting for " + what);
        }
    }

    /** Stops deciding and fences every server; waits up to {@code wait} for it. */
    void stop(Duration wait) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        inbox.add(new Stop(done));
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            done.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.warn("stickyfail[{}] the decider did not stop within {} ms", name, wait.toMillis());
        }
    }

    Decision decision() {
        return decision;
    }

    String refusedWhy() {
        return refusedWhy;
    }

    boolean isDeciderThread() {
        return Thread.currentThread() == thread;
    }

    /** What abandoned servers did alone, latest first (any thread). */
    List<dev.stickyfail.admin.ErrantReport> errantReports() {
        return replication.reports();
    }

    /** The shared store's last error while the lease is not held, or {@code null}. */
    String lastStoreError() {
        return keeper.lastStoreError();
    }

    // ---------------------------------------------------------------- the loop

    private void run() {
        nextTick = System.nanoTime() + TICK_NANOS;
        startStore();
        while (true) {
            Input in;
            try {
                long now = System.nanoTime();
                long until = Math.min(nextTick, retryAt);
                if (keeper.enabled() && storeStarted) {
                    until = Math.min(until, keeper.nextConfirmAt());
                }
                in = inbox.poll(Math.max(0, until - now), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue; // only Stop ends the loop
            }
            try {
                if (in instanceof Stop stop) {
                    fenceEverything("the group was stopped");
                    stop.done.complete(null);
                    return;
                }
                if (in != null) {
                    handle(in);
                }
                long now = System.nanoTime();
                if (now - retryAt >= 0) {
                    retryAt = Long.MAX_VALUE;
                    reconsider("retry", System.nanoTime());
                }
                if (now - nextTick >= 0) {
                    nextTick = now + TICK_NANOS;
                    tick();
                }
                if (keeper.enabled() && storeStarted) {
                    if (in instanceof Hint || keeper.confirmDue(System.nanoTime())) {
                        confirm();
                    }
                    checkLease();
                }
            } catch (Throwable t) {
                // Nothing may wedge the group: route to whatever the decision says, and keep deciding.
                LOG.error("stickyfail[{}] unexpected error in the decider; routing to the decided server and going on", name, t);
                if (in instanceof Command c) {
                    c.done.completeExceptionally(t);
                }
                recover();
                scheduleRetry();
            }
        }
    }

    private void handle(Input in) {
        if (in instanceof HealthChanged h) {
            onHealthChanged(h);
        } else if (in instanceof Command c) {
            try {
                c.done.complete(c.action.get());
            } catch (RuntimeException e) {
                c.done.completeExceptionally(e);
            }
        }
    }

    private void tick() {
        if (journal.retry()) {
            firePersistence(true, "written to " + journal.path());
        }
        if (!storeStarted) {
            startStore();
        } else if (refusedWhy != null && journal.fileDeleted(group.serverNames())) {
            LOG.warn("stickyfail[{}] the untrusted state file {} was deleted: starting fresh from the first server up",
                    name, journal.path());
            refusedWhy = null;
            reconsider("state file deleted by an operator", System.nanoTime());
        }
    }

    private void startStore() {
        try {
            long sent = System.nanoTime();
            Decision start = store.start(local);
            storeStarted = true;
            keeper.answered(sent);
            if (start != null && group.indexOf(start.server()) < 0) {
                throw new IllegalStateException("the store's decision names " + start.server()
                        + ", which is not one of this group's servers " + group.serverNames()
                        + ": another group with the same name, or a misconfigured URL");
            }
            if (start != null && (local == null || start.epoch() >= local.epoch())) {
                decision = start;
                if (!start.equals(local)) {
                    journalRecord(start);
                }
            }
            if (decision != null) {
                LOG.info("stickyfail[{}] resuming the decision: {} at epoch {} (decided {} by {}: {})", name,
                        decision.server(), decision.epoch(), decision.decidedAt(),
                        decision.decidedBy().isEmpty() ? "an earlier run" : decision.decidedBy(), decision.reason());
            }
            if (decision != null && keeper.enabled()) {
                keeper.awaitAcknowledgements(decision.epoch(), System.nanoTime(), group::isStopped);
            }
            reconsider("start", System.nanoTime());
        } catch (Throwable t) {
            keeper.failed(t);
            LOG.warn("stickyfail[{}] cannot reach the decision store {} yet ({}); retrying", name, store.describe(),
                    t.toString());
        }
    }

    // ---------------------------------------------------------------- the lease (shared stores)

    /** Reads the shared decision: renews the lease from when the read was sent, and adopts a newer decision. */
    private void confirm() {
        LeaseKeeper.Confirmation c = keeper.confirm(decision);
        if (c instanceof LeaseKeeper.Newer n) {
            Decision d = n.decision();
            LOG.info("stickyfail[{}] another instance switched to {} (epoch {}, decided by {}: {}); following", name,
                    d.server(), d.epoch(), d.decidedBy(), d.reason());
            apply(d, SwitchReason.REMOTE, d.reason(), n.sentAt());
        }
        if (keeper.regained()) {
            LOG.info("stickyfail[{}] the shared decision is confirmed again ({} at epoch {}); routing resumes", name,
                    decision == null ? "none" : decision.server(), decision == null ? 0 : decision.epoch());
            events.lease(new dev.stickyfail.event.LeaseEvent(name, true, store.describe(), "confirmed again"));
            reconsider("lease confirmed again", System.nanoTime());
        }
    }

    /** Once the lease has run out: stop routing and fence every server (fail closed) until it is confirmed again. */
    private void checkLease() {
        String why = keeper.justLost();
        if (why == null) {
            return;
        }
        LOG.error("stickyfail[{}] {}; routing nothing and aborting every connection until it can be confirmed", name, why);
        router.publish(Router.Route.closed(decision == null ? 0 : decision.epoch()));
        for (int i = 0; i < servers.length; i++) {
            fenceServer(i, why);
        }
        events.lease(new dev.stickyfail.event.LeaseEvent(name, false, store.describe(), why));
    }

    // ---------------------------------------------------------------- health and commands

    private void onHealthChanged(HealthChanged h) {
        ServerMonitor m = monitors[h.server];
        if (h.to == ServerState.UP) {
            replication.serverUp(h.server); // before the event: a listener that sees the server up sees the report too
        }
        events.serverState(new ServerStateEvent(name, servers[h.server], h.from, h.to, h.cause));
        reconsider(servers[h.server] + " marked " + h.to + " (" + h.cause + ")", h.atNanos);
        if (h.to == ServerState.DOWN && config.onMarkedDown() == OnMarkedDown.SHUTDOWN_SESSIONS
                && m.state() == ServerState.DOWN) {
            fenceServer(h.server, servers[h.server] + " was marked down (" + h.cause + ")");
        }
    }

    /** {@code switchTo} by an operator: the target must be eligible. Runs on the decider thread. */
    Object adminSwitch(int target) {
        ServerMonitor m = monitors[target];
        if (!m.isEligible()) {
            throw new IllegalStateException("stickyfail[" + name + "]: cannot switch to " + group.describeServer(target)
                    + "; the target must be up and ready");
        }
        Decision d = decision;
        if (refusedWhy != null) {
            LOG.warn("stickyfail[{}] switchTo({}) by an operator resolves the untrusted state file ({})", name,
                    servers[target], refusedWhy);
            refusedWhy = null;
        } else if (d != null && d.server().equals(servers[target].toString()) && router.current().usable()) {
            LOG.info("stickyfail[{}] switchTo({}): already the active server", name, servers[target]);
            return null;
        }
        Decision before = decision;
        String notMade = switchTo(target, SwitchReason.ADMIN, "admin switchTo(" + servers[target] + ")", System.nanoTime());
        if (notMade != null) {
            // an operator's switch is not retried behind their back: the policy would keep a healthy server
            Decision now = decision;
            throw new IllegalStateException("stickyfail[" + name + "]: switchTo(" + servers[target] + ") was not made: "
                    + notMade + "; the active server is " + (now == before ? "still " : "now ")
                    + (now == null ? "none" : now.server() + " (epoch " + now.epoch() + ")"));
        }
        return null;
    }

    /** An operator changed a server's admin state. Runs on the decider thread. */
    Object adminState(int index, AdminState state) {
        AdminState before = monitors[index].setAdminState(state);
        if (before == state) {
            return null;
        }
        LOG.info("stickyfail[{}] {} set to {} (was {})", name, servers[index], state, before);
        events.adminState(new AdminStateEvent(name, servers[index], before, state));
        reconsider(servers[index] + " set to " + state + " by an operator", System.nanoTime());
        return null;
    }

    // ---------------------------------------------------------------- deciding

    private void reconsider(String cause, long detectedAt) {
        if (refusedWhy != null || !storeStarted || group.isStopped()) {
            router.publish(Router.Route.NONE);
            return;
        }
        Decision d = decision;
        int current = d == null ? -1 : group.indexOf(d.server());
        SwitchPolicy.Verdict v = SwitchPolicy.decide(current, views(), config.failback());
        if (v instanceof SwitchPolicy.SwitchTo s) {
            String why;
            if (s.reason() == SwitchReason.INITIAL) {
                why = "first decision: " + servers[s.target()] + " is the first server up";
            } else if (s.reason() == SwitchReason.FAILBACK) {
                why = "failback (stickyfail.failback=primary-up): " + servers[s.target()] + " is up again";
            } else if (s.reason() == SwitchReason.MARKED_DOWN) {
                // the verdict reads the monitors as they are now, which may be past the change being handled (a
                // GOING_DOWN queued before the DOWN): say what the decision was taken on
                dev.stickyfail.probe.ProbeResult last = monitors[current].lastResult();
                why = servers[current] + " marked " + monitors[current].state()
                        + (last == null ? "" : " (" + last.detail() + ")");
            } else {
                why = cause;
            }
            switchTo(s.target(), s.reason(), why, detectedAt);
        } else {
            router.publish(routeFor(d));
        }
    }

    private SwitchPolicy.View[] views() {
        SwitchPolicy.View[] v = new SwitchPolicy.View[monitors.length];
        for (int i = 0; i < monitors.length; i++) {
            v[i] = new SwitchPolicy.View(monitors[i].state(), monitors[i].adminState());
        }
        return v;
    }

    /**
     * Propose, then apply whichever decision won. Returns why the decision applied is not a switch to {@code target}
     * (the store failed or refused, or another instance decided for another server), or {@code null}.
     */
    private String switchTo(int target, SwitchReason reason, String why, long detectedAt) {
        Decision previous = decision;
        long base = previous == null ? epochFloor : Math.max(previous.epoch(), epochFloor);
        Decision next = new Decision(servers[target].toString(), base + 1, instanceId, Instant.now(), why);
        router.publish(Router.Route.closed(previous == null ? 0 : previous.epoch())); // nothing handed out while asking
        Decision winner;
        long sent = System.nanoTime();
        try {
            winner = store.propose(previous == null ? 0 : previous.epoch(), next);
            keeper.answered(sent); // a compare-and-set answers linearizably, as a read does
        } catch (Throwable e) {
            keeper.failed(e);
            LOG.warn("stickyfail[{}] cannot store the switch to {} in {} ({}); {}", name, servers[target],
                    store.describe(), e.toString(), reason == SwitchReason.ADMIN ? "not switched" : "retrying");
            router.publish(routeFor(previous));
            scheduleRetry();
            return "the store did not take it (" + e + "). Try again once the store answers";
        }
        if (next.equals(winner)) {
            backoff = MIN_BACKOFF_NANOS;
            apply(next, reason, why, detectedAt);
            return null;
        } else if (winner != null && winner.isNewerThan(previous) && group.indexOf(winner.server()) >= 0) {
            LOG.info("stickyfail[{}] another instance decided first: {} at epoch {} ({}); adopting it", name,
                    winner.server(), winner.epoch(), winner.reason());
            apply(winner, SwitchReason.REMOTE, winner.reason(), detectedAt);
            return winner.server().equals(servers[target].toString()) ? null
                    : "another instance decided first: " + winner.server() + " at epoch " + winner.epoch();
        } else {
            LOG.warn("stickyfail[{}] the store refused the switch to {} (it holds {}); {}", name, servers[target],
                    winner == null ? "nothing" : winner.server() + " at epoch " + winner.epoch(),
                    reason == SwitchReason.ADMIN ? "not switched" : "retrying");
            router.publish(routeFor(previous));
            scheduleRetry();
            return "the store refused it (it holds " + (winner == null ? "nothing" : winner.server() + " at epoch "
                    + winner.epoch()) + ")";
        }
    }

    private void apply(Decision next, SwitchReason reason, String why, long detectedAt) {
        long start = System.nanoTime();
        int target = group.indexOf(next.server());
        Decision previous = decision;
        ServerAddress from = previous == null ? null : servers[group.indexOf(previous.server())];
        router.publish(Router.Route.closed(next.epoch()));
        decision = next;
        epochFloor = Math.max(epochFloor, next.epoch());
        journalRecord(next);
        events.switchStarting(new SwitchStartingEvent(name, from, servers[target], next.epoch(), reason, why));
        int evicted = 0;
        for (int i = 0; i < servers.length; i++) {
            if (i != target) {
                evicted += fenceServer(i, "switch to " + servers[target] + ": " + why);
            }
        }
        try {
            store.acknowledge(next.epoch());
        } catch (Throwable e) {
            LOG.warn("stickyfail[{}] cannot acknowledge epoch {} in {} ({})", name, next.epoch(), store.describe(), e.toString());
        }
        if (from != null) {
            replication.catchUp(group.indexOf(from.toString()), target, next.epoch());
        }
        if (keeper.enabled()) {
            keeper.awaitAcknowledgements(next.epoch(), start, group::isStopped);
        }
        router.publish(routeFor(next));
        long end = System.nanoTime();
        Duration took = Duration.ofNanos(end - start);
        LOG.info("stickyfail[{}] switched {} -> {} (epoch {}) in {} ms, {} connections aborted: {}", name,
                from == null ? "(none)" : from, servers[target], next.epoch(), took.toMillis(), evicted, why);
        events.switched(new SwitchEvent(name, from, servers[target], next.epoch(), why, took, evicted, reason,
                Duration.ofNanos(Math.max(0, end - detectedAt))));
    }

    private void journalRecord(Decision d) {
        if (journal.record(d)) {
            firePersistence(journal.persisted(), journal.persisted() ? "written to " + journal.path() : journal.lastError());
        }
    }

    private void firePersistence(boolean persisted, String detail) {
        Decision d = decision;
        events.persistence(new DecisionPersistenceEvent(name, d == null ? 0 : d.epoch(), persisted, detail));
    }

    private int fenceServer(int index, String why) {
        long start = System.nanoTime();
        Decision d = decision;
        ServerAddress active = d == null ? null : servers[group.indexOf(d.server())];
        int n = fence.fence(index, new Eviction(name, servers[index], why, servers[index].equals(active) ? null : active,
                d == null ? 0 : d.epoch()));
        if (n > 0) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            LOG.info("stickyfail[{}] aborted {} connections to {} in {} ms: {}", name, n, servers[index], took.toMillis(), why);
            events.evicted(new dev.stickyfail.event.EvictionEvent(name, servers[index], why, n, took));
        }
        return n;
    }

    private void fenceEverything(String why) {
        router.publish(Router.Route.NONE);
        int n = 0;
        for (int i = 0; i < servers.length; i++) {
            n += fenceServer(i, why);
        }
        if (n > 0) {
            LOG.info("stickyfail[{}] aborted {} connections that were still open", name, n);
        }
    }

    private Router.Route routeFor(Decision d) {
        if (d == null || refusedWhy != null) {
            return Router.Route.NONE;
        }
        int i = group.indexOf(d.server());
        ServerMonitor m = monitors[i];
        return new Router.Route(i, d.epoch(), !group.isStopped() && !lease.expired() && m.state().isUp()
                && m.adminState() != AdminState.MAINT);
    }

    /**
     * After an unexpected error, possibly half way through a switch: make sure nothing but the decided server holds
     * connections (fencing is idempotent), then route to it.
     */
    private void recover() {
        try {
            Decision d = decision;
            int target = d == null ? -1 : group.indexOf(d.server());
            for (int i = 0; i < servers.length; i++) {
                if (i != target) {
                    try {
                        fenceServer(i, "recovering from an error in a switch");
                    } catch (Throwable t) {
                        LOG.error("stickyfail[{}] cannot fence {} while recovering", name, servers[i], t);
                    }
                }
            }
            router.publish(routeFor(d));
        } catch (Throwable t) {
            router.publish(Router.Route.NONE);
        }
    }

    private void scheduleRetry() {
        retryAt = System.nanoTime() + backoff;
        backoff = Math.min(MAX_BACKOFF_NANOS, backoff * 2);
    }
}
