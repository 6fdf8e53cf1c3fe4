package dev.stickyfail.internal.runtime;

import dev.stickyfail.admin.AdminState;
import dev.stickyfail.admin.ServerState;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.event.DecisionPersistenceEvent;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.internal.decider.Action;
import dev.stickyfail.internal.decider.Input;
import dev.stickyfail.internal.decider.ServerFenceOutcome;
import dev.stickyfail.internal.decider.SwitchCore;
import dev.stickyfail.internal.decision.DecisionJournal;
import dev.stickyfail.internal.health.ServerMonitor;
import dev.stickyfail.store.Decision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives a group's {@link SwitchCore} with a thread of its own: every input (a server's health, an operator's command,
 * a hint from the store, the passing of time) is queued and given to the core in order, and the core's actions are
 * carried out here, its calls synchronously (each bounded), their results fed straight back. No application, probe or
 * watchdog thread ever runs a switch, waits for one, or holds a lock one needs; listeners run on the group's event
 * thread, after the change.
 */
final class Decider {

    private static final Logger LOG = LoggerFactory.getLogger(Decider.class);

    private final GroupRuntime group;
    private final String name;
    private final ServerAddress[] servers;
    private final ServerMonitor[] monitors;
    private final EventDispatcher events;
    private final Router router;
    private final Fence fence;
    private final ServerFence serverFence;
    private final DecisionJournal journal;
    private final BoundedStore store;
    private final Lease lease;
    private final ReplicationGuard replication;
    private final ExecutorService background;
    private final SwitchCore core;
    private final BlockingQueue<Input> inbox = new LinkedBlockingQueue<>();
    private final Map<Long, CompletableFuture<Void>> commands = new ConcurrentHashMap<>();
    private final AtomicLong nextCommand = new AtomicLong(1);
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private final Thread thread;

    // what other threads read, mirrored from the core after every step
    private volatile Decision decision;
    private volatile String refusedWhy;
    private volatile String lastStoreError;
    private volatile boolean decidedServerUnusable;
    /** Connections aborted since the switch in progress began, for its {@link SwitchEvent}. */
    private int evictedInSwitch;
    /**
     * Writes the state file while the switch goes on (its fsync costs as much as a fence at the server); null without
     * a state file. A usable route is published only once the write finished: a restart after the first write to the
     * new server finds the decision that sent it there.
     */
    private final ExecutorService journalWriter;
    /** The write in progress (whether {@link DecisionJournal#persisted()} changed), or null. */
    private Future<Boolean> journalWrite;

    Decider(GroupRuntime group, ServerMonitor[] monitors, EventDispatcher events, Router router, Fence fence,
            ServerFence serverFence, DecisionJournal journal, BoundedStore store, Lease lease, ReplicationGuard replication,
            ExecutorService background, SwitchCore core) {
        this.group = group;
        this.name = group.name();
        this.servers = group.serverArray();
        this.monitors = monitors;
        this.events = events;
        this.router = router;
        this.fence = fence;
        this.serverFence = serverFence;
        this.journal = journal;
        this.store = store;
        this.lease = lease;
        this.replication = replication;
        this.background = background;
        this.core = core;
        this.refusedWhy = core.refusedWhy();
        this.thread = new Thread(this::run, "stickyfail-decider[" + name + "]");
        this.thread.setDaemon(true);
        this.journalWriter = journal.path() == null ? null : Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stickyfail-state-file[" + name + "]");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        if (lease.enabled()) {
            store.store().onChange(() -> inbox.add(new Input.Hint()));
        }
        inbox.add(new Input.Start());
        thread.start();
    }

    // ---------------------------------------------------------------- inputs (any thread)

    /** Never blocks: called with a monitor's lock held. */
    void healthChanged(int server, ServerState from, ServerState to, String cause) {
        inbox.add(new Input.HealthChanged(server, from, to, cause, System.nanoTime()));
    }

    void switchTo(int target, Duration wait) {
        long id = nextCommand.getAndIncrement();
        command("switchTo(" + servers[target] + ")", id, new Input.AdminSwitch(id, target), wait);
    }

    void setAdminState(int server, AdminState state, Duration wait) {
        long id = nextCommand.getAndIncrement();
        command("set " + servers[server] + " to " + state, id, new Input.AdminStateChange(id, server, state), wait);
    }

    /**
     * Queues an operator's command and waits for it, unless called from the decider or event thread (a listener
     * calling back): then it is queued behind the change being reported and this returns at once.
     */
    private void command(String what, long id, Input in, Duration wait) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        commands.put(id, done);
        inbox.add(in);
        if (Thread.currentThread() == thread || events.isEventThread()) {
            return;
        }
        try {
            done.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("stickyfail[" + name + "]: " + what + " is still in progress after "
                    + wait.toMillis() + " ms; see the log");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("stickyfail[" + name + "]: interrupted while waiting for " + what);
        }
    }

    /** Stops deciding and fences every server; waits up to {@code wait} for it. */
    void stop(Duration wait) {
        inbox.add(new Input.Stop());
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            stopped.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("stickyfail[{}] the decider did not stop within {} ms", name, wait.toMillis());
        }
    }

    Decision decision() {
        return decision;
    }

    String refusedWhy() {
        return refusedWhy;
    }

    /** The shared store's last error while the decision is unconfirmed, or {@code null}. */
    String lastStoreError() {
        return lastStoreError;
    }

    /** Whether the decided server is down or in maintenance here, so this instance routes nothing. */
    boolean decidedServerUnusable() {
        return decidedServerUnusable;
    }

    /** What abandoned servers did alone, latest first (any thread). */
    List<dev.stickyfail.admin.ErrantReport> errantReports() {
        return replication.reports();
    }

    // ---------------------------------------------------------------- the loop

    private void run() {
        while (true) {
            Input in;
            try {
                long wait = core.nextWakeAt() - System.nanoTime();
                in = inbox.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue; // only Stop ends the loop
            }
            if (in == null) {
                in = new Input.Tick();
                housekeeping();
            }
            try {
                deliver(in);
            } catch (Throwable t) {
                // nothing may wedge the group; the core never routes past a barrier it did not pass
                LOG.error("stickyfail[{}] unexpected error in the decider; going on", name, t);
            }
            if (in instanceof Input.Stop) {
                awaitJournal();
                if (journalWriter != null) {
                    journalWriter.shutdown();
                }
                failPendingCommands();
                stopped.complete(null);
                return;
            }
        }
    }

    /** Gives {@code first} to the core, carries out what it asks, and feeds the results of its calls back. */
    private void deliver(Input first) {
        Deque<Input> pending = new ArrayDeque<>();
        pending.add(first);
        for (Input in; (in = pending.poll()) != null; ) {
            List<Action> actions = core.step(in, System.nanoTime());
            for (Action a : actions) {
                long began = LOG.isDebugEnabled() ? System.nanoTime() : 0;
                Input result = perform(a);
                if (began != 0) {
                    // where a switch spends its time, step by step
                    LOG.debug("stickyfail[{}] {} took {} us", name, a.getClass().getSimpleName(),
                            (System.nanoTime() - began) / 1000);
                }
                if (result != null) {
                    pending.add(result);
                }
            }
            mirror();
        }
    }

    private void mirror() {
        decision = core.decision();
        refusedWhy = core.refusedWhy();
        lastStoreError = core.lastStoreError();
        decidedServerUnusable = core.decidedServerUnusable();
    }

    private void housekeeping() {
        awaitJournal();
        if (journal.retry()) {
            firePersistence(true, "written to " + journal.path());
        }
        if (core.refusedWhy() != null && journal.fileDeleted(group.serverNames())) {
            inbox.add(new Input.StateFileDeleted());
        }
    }

    private Input perform(Action a) {
        if (a instanceof Action.Publish p) {
            if (p.route().usable()) {
                awaitJournal();
            }
            router.publish(p.route());
        } else if (a instanceof Action.RenewLease r) {
            lease.confirmed(r.sentAt());
            group.leaseRenewed();
        } else if (a instanceof Action.RevokeLease) {
            lease.revoke();
        } else if (a instanceof Action.FenceLocal f) {
            for (int i : f.servers()) {
                evictedInSwitch += fenceServer(i, f.why(), f.active(), f.epoch());
            }
        } else if (a instanceof Action.Journal j) {
            awaitJournal(); // one write at a time, in order
            if (journalWriter == null) {
                journalWritten(journal.record(j.decision()));
            } else {
                journalWrite = journalWriter.submit(() -> journal.record(j.decision()));
            }
        } else if (a instanceof Action.Emit e) {
            emit(e.event());
        } else if (a instanceof Action.CompleteCommand c) {
            CompletableFuture<Void> done = commands.remove(c.command());
            if (done != null) {
                if (c.error() == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(c.error());
                }
            }
        } else if (a instanceof Action.SetAdminState s) {
            monitors[s.server()].setAdminState(s.state());
        } else if (a instanceof Action.ServerUp u) {
            background.execute(() -> {
                replication.serverUp(u.server());
                group.rehearseSwitch(u.server());
                replication.prepareSession(u.server());
            });
        } else if (a instanceof Action.Call c) {
            return call(c);
        }
        return null;
    }

    private Input call(Action.Call c) {
        long sent = System.nanoTime();
        if (c instanceof Action.StoreStart s) {
            try {
                return new Input.StoreStarted(c.id(), store.start(s.local()), null, sent);
            } catch (Throwable t) {
                return new Input.StoreStarted(c.id(), null, t, sent);
            }
        } else if (c instanceof Action.StorePropose p) {
            try {
                return new Input.Proposed(c.id(), store.propose(p.expectedEpoch(), p.next()), null, sent);
            } catch (Throwable t) {
                return new Input.Proposed(c.id(), null, t, sent);
            }
        } else if (c instanceof Action.StoreRead) {
            try {
                return new Input.ReadDone(c.id(), store.read(), null, sent);
            } catch (Throwable t) {
                return new Input.ReadDone(c.id(), null, t, sent);
            }
        } else if (c instanceof Action.StoreAcknowledge ack) {
            try {
                store.acknowledge(ack.epoch());
                return new Input.Acknowledged(c.id(), null);
            } catch (Throwable t) {
                return new Input.Acknowledged(c.id(), t);
            }
        } else if (c instanceof Action.StoreAcknowledgements acks) {
            try {
                return new Input.AcknowledgementsRead(c.id(), store.acknowledgements(acks.epoch()), null);
            } catch (Throwable t) {
                return new Input.AcknowledgementsRead(c.id(), null, t);
            }
        } else if (c instanceof Action.FenceAtServer f) {
            ServerFenceOutcome o;
            try {
                o = serverFence.fence(f.server(), f.readOnly(), f.downHere());
            } catch (Throwable t) {
                o = ServerFenceOutcome.notAnswering("the fence failed: " + t);
            }
            events.serverFenced(name, servers[f.server()], f.why(), o);
            return new Input.ServerFenced(c.id(), o);
        } else if (c instanceof Action.ClearReadOnly r) {
            String why;
            try {
                why = serverFence.clearReadOnly(r.server(), () -> stillDecided(r.server(), r.epoch()));
            } catch (Throwable t) {
                why = t.toString();
            }
            return new Input.ReadOnlyCleared(c.id(), why == null, why == null ? "" : why);
        } else if (c instanceof Action.Drain d) {
            long started = System.nanoTime();
            int busy = fence.drain(d.servers(), i -> new Eviction(name, servers[i], d.why(),
                    d.active() >= 0 && d.active() != i ? servers[d.active()] : null, d.epoch()), d.timeoutNanos());
            LOG.info("stickyfail[{}] drained connections to {} in {} ms before the switch{}", name, d.servers().stream()
                    .map(i -> servers[i].toString()).toList(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
                    busy == 0 ? "" : "; " + busy + " still busy are aborted");
            return new Input.Drained(c.id(), busy);
        } else if (c instanceof Action.CatchUp u) {
            try {
                replication.catchUp(u.from(), u.to(), u.epoch());
            } catch (Throwable t) {
                LOG.warn("stickyfail[{}] the catch-up failed: {}", name, t.toString());
            }
            return new Input.CaughtUp(c.id());
        }
        throw new IllegalStateException("unknown call " + c);
    }

    /** Whether the shared decision is still {@code epoch} on {@code server} (a fresh, linearizable read). */
    private String stillDecided(int server, long epoch) {
        if (!lease.enabled()) {
            return null; // this instance alone decides
        }
        try {
            Decision d = store.read();
            if (d != null && d.epoch() == epoch && d.server().equals(servers[server].toString())) {
                return null;
            }
            return "the shared decision moved on (" + (d == null ? "none" : d.server() + " at epoch " + d.epoch()) + ")";
        } catch (java.sql.SQLException e) {
            return "the shared decision cannot be read (" + e.getMessage() + ")";
        }
    }

    private void emit(Object event) {
        if (event instanceof SwitchStartingEvent e) {
            evictedInSwitch = 0;
            events.switchStarting(e);
        } else if (event instanceof SwitchEvent e) {
            events.switched(new SwitchEvent(e.group(), e.from(), e.to(), e.epoch(), e.reason(), e.duration(),
                    evictedInSwitch, e.kind(), e.detectionToServing()));
            evictedInSwitch = 0;
        } else {
            events.fromDecider(event);
        }
    }

    /** Waits for the state file write in progress, if any (it ends on its own: a write has no other way out). */
    private void awaitJournal() {
        Future<Boolean> w = journalWrite;
        if (w == null) {
            return;
        }
        journalWrite = null;
        boolean interrupted = false;
        boolean changed = false;
        while (true) {
            try {
                changed = w.get();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException e) {
                LOG.error("stickyfail[{}] writing the state file failed unexpectedly", name, e.getCause());
                break;
            } catch (CancellationException e) {
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        journalWritten(changed);
    }

    private void journalWritten(boolean changed) {
        if (changed) {
            firePersistence(journal.persisted(), journal.persisted() ? "written to " + journal.path() : journal.lastError());
        }
    }

    private void firePersistence(boolean persisted, String detail) {
        Decision d = core.decision();
        events.persistence(new DecisionPersistenceEvent(name, d == null ? 0 : d.epoch(), persisted, detail));
    }

    private int fenceServer(int index, String why, int active, long epoch) {
        long start = System.nanoTime();
        int n = fence.fence(index, new Eviction(name, servers[index], why,
                active >= 0 && active != index ? servers[active] : null, epoch));
        if (n > 0) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            LOG.info("stickyfail[{}] aborted {} connections to {} in {} ms: {}", name, n, servers[index], took.toMillis(), why);
            events.evicted(new EvictionEvent(name, servers[index], why, n, took));
        }
        return n;
    }

    private void failPendingCommands() {
        for (Map.Entry<Long, CompletableFuture<Void>> e : commands.entrySet()) {
            e.getValue().completeExceptionally(new IllegalStateException("stickyfail[" + name + "]: the group was stopped"));
        }
        commands.clear();
    }
}
