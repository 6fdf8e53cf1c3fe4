package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.event.AdminStateEvent;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.ConnectionErrorEvent;
import dev.stickyfail.event.DecisionPersistenceEvent;
import dev.stickyfail.event.ErrantTransactionsEvent;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.LeaseEvent;
import dev.stickyfail.event.MissingCommitsEvent;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.ServerFenceEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.internal.decider.ServerFenceOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Hands a group's events to the listeners of every group and to the group's own. What the decider reports (switches,
 * server and admin states, fences, leases, catch-ups, persistence) is delivered in order on the group's event thread,
 * so no listener can hold up a switch; probe results and connection errors on the thread that saw them. A failing
 * listener is logged, never fatal.
 */
final class EventDispatcher implements AutoCloseable {

    /** Listeners of every group, present and future (metrics, frameworks). */
    static final List<StickyFailListener> GLOBAL = new CopyOnWriteArrayList<>();

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final String group;
    private final List<StickyFailListener> own = new CopyOnWriteArrayList<>();
    private final ExecutorService thread;
    private volatile Thread eventThread;

    EventDispatcher(String group) {
        this.group = group;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stickyfail-events[" + group + "]");
            t.setDaemon(true);
            eventThread = t;
            return t;
        });
    }

    void add(StickyFailListener l) {
        own.add(l);
    }

    void remove(StickyFailListener l) {
        own.remove(l);
    }

    /** Whether the caller is a listener running on this group's event thread. */
    boolean isEventThread() {
        return Thread.currentThread() == eventThread;
    }

    // ---- on the caller's thread

    void probe(ProbeEvent e) {
        fire(l -> l.onProbe(e));
    }

    void connectionError(ConnectionErrorEvent e) {
        fire(l -> l.onConnectionError(e));
    }

    // ---- on the event thread, in order

    void serverState(ServerStateEvent e) {
        later(l -> l.onServerStateChange(e));
    }

    void adminState(AdminStateEvent e) {
        later(l -> l.onAdminStateChange(e));
    }

    void switchStarting(SwitchStartingEvent e) {
        later(l -> l.onSwitchStarting(e));
    }

    void persistence(DecisionPersistenceEvent e) {
        later(l -> l.onDecisionPersistence(e));
    }

    void lease(LeaseEvent e) {
        later(l -> l.onLease(e));
    }

    void catchUp(CatchUpEvent e) {
        later(l -> l.onCatchUp(e));
    }

    void missingCommits(MissingCommitsEvent e) {
        later(l -> l.onMissingCommits(e));
    }

    void errant(ErrantTransactionsEvent e) {
        later(l -> l.onErrantTransactions(e));
    }

    void switched(SwitchEvent e) {
        later(l -> l.onSwitch(e));
    }

    void evicted(EvictionEvent e) {
        later(l -> l.onEviction(e));
    }

    void serverFenced(String group, ServerAddress server, String why, ServerFenceOutcome o) {
        ServerFenceEvent e = new ServerFenceEvent(group, server, why, o.answered(), o.killed(), o.remaining(),
                o.readOnly(), o.detail());
        later(l -> l.onServerFence(e));
    }

    /** An event the decider's core made. */
    void fromDecider(Object event) {
        if (event instanceof ServerStateEvent e) {
            serverState(e);
        } else if (event instanceof AdminStateEvent e) {
            adminState(e);
        } else if (event instanceof LeaseEvent e) {
            lease(e);
        } else if (event instanceof SwitchStartingEvent e) {
            switchStarting(e);
        } else if (event instanceof SwitchEvent e) {
            switched(e);
        } else {
            LOG.warn("stickyfail[{}] no listener method for {}", group, event);
        }
    }

    private void later(Consumer<StickyFailListener> call) {
        try {
            thread.execute(() -> fire(call));
        } catch (RejectedExecutionException e) {
            fire(call); // the group is closing: deliver it here rather than drop it
        }
    }

    private void fire(Consumer<StickyFailListener> call) {
        for (StickyFailListener l : GLOBAL) {
            deliver(l, call);
        }
        for (StickyFailListener l : own) {
            deliver(l, call);
        }
    }

    private void deliver(StickyFailListener l, Consumer<StickyFailListener> call) {
        try {
            call.accept(l);
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable t) {
            LOG.warn("stickyfail[{}] listener {} failed", group, l, t);
        }
    }

    /** Delivers what is queued, then stops the event thread. */
    @Override
    public void close() {
        thread.shutdown();
    }
}
