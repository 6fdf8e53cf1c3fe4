package dev.stickyfail.internal.runtime;

import dev.stickyfail.event.AdminStateEvent;
import dev.stickyfail.event.ConnectionErrorEvent;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.ProbeEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.event.SwitchEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Hands a group's events to the listeners of every group and to the group's own; a failing listener is logged, not fatal. */
final class EventDispatcher {

    /** Listeners of every group, present and future (metrics, frameworks). */
    static final List<StickyFailListener> GLOBAL = new CopyOnWriteArrayList<>();

    private static final Logger LOG = LoggerFactory.getLogger(EventDispatcher.class);

    private final String group;
    private final List<StickyFailListener> own = new CopyOnWriteArrayList<>();

    EventDispatcher(String group) {
        this.group = group;
    }

    void add(StickyFailListener l) {
        own.add(l);
    }

    void remove(StickyFailListener l) {
        own.remove(l);
    }

    void probe(ProbeEvent e) {
        fire(l -> l.onProbe(e));
    }

    void serverState(ServerStateEvent e) {
        fire(l -> l.onServerStateChange(e));
    }

    void adminState(AdminStateEvent e) {
        fire(l -> l.onAdminStateChange(e));
    }

    void switchStarting(dev.stickyfail.event.SwitchStartingEvent e) {
        fire(l -> l.onSwitchStarting(e));
    }

    void persistence(dev.stickyfail.event.DecisionPersistenceEvent e) {
        fire(l -> l.onDecisionPersistence(e));
    }

    void lease(dev.stickyfail.event.LeaseEvent e) {
        fire(l -> l.onLease(e));
    }

    void catchUp(dev.stickyfail.event.CatchUpEvent e) {
        fire(l -> l.onCatchUp(e));
    }

    void errant(dev.stickyfail.event.ErrantTransactionsEvent e) {
        fire(l -> l.onErrantTransactions(e));
    }

    void switched(SwitchEvent e) {
        fire(l -> l.onSwitch(e));
    }

    void evicted(EvictionEvent e) {
        fire(l -> l.onEviction(e));
    }

    void connectionError(ConnectionErrorEvent e) {
        fire(l -> l.onConnectionError(e));
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
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("stickyfail[{}] listener {} failed", group, l, e);
        }
    }
}
