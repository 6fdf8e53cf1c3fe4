package dev.stickyfail.internal.runtime;

import dev.stickyfail.CommitOutcomeUnknownException;
import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.NoUsableServerException;
import dev.stickyfail.event.CatchUpEvent;
import dev.stickyfail.event.ConnectionErrorEvent;
import dev.stickyfail.event.EvictionEvent;
import dev.stickyfail.event.LeaseEvent;
import dev.stickyfail.event.MissingCommitsEvent;
import dev.stickyfail.event.ServerFenceEvent;
import dev.stickyfail.event.ServerStateEvent;
import dev.stickyfail.event.SwitchEvent;
import dev.stickyfail.event.SwitchStartingEvent;
import dev.stickyfail.internal.decider.Action;
import dev.stickyfail.internal.decider.Input;
import dev.stickyfail.internal.decider.ServerFenceOutcome;
import dev.stickyfail.internal.health.Health;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Rehearses, once per server when it first comes up, the parts of a switch that only read: the catch-up's reads on
 * it (as if the group were switching to it) and the fence's listing of the application's sessions there (as if
 * switching away from it); and loads, once per JVM, the classes the rest of a switch uses.
 *
 * <p>Why: in a JVM where the switch's code never ran, the first switch paid for class loading, lambda linkage and
 * interpretation at the one moment time matters (measured: 137 ms from a kill to the switch, against 60-64 ms for the
 * next ones; with three instances, each in a fresh JVM, the catch-up alone took 68-155 ms). Nothing here writes,
 * kills or waits on anything but its own sessions, each bounded; a rehearsal that fails only leaves the first switch
 * cold, and says so at DEBUG. Runs on the group's background thread.
 */
final class SwitchRehearsal {

    private static final Logger LOG = LoggerFactory.getLogger(SwitchRehearsal.class);
    private static final AtomicBoolean CLASSES_LOADED = new AtomicBoolean();

    /** Used by a switch and by nothing before it: the decider's steps, the events and errors it makes. */
    private static final List<Class<?>> SWITCH_CLASSES = List.of(Action.class, Input.class, Health.class,
            ServerFenceOutcome.class, SwitchEvent.class, SwitchStartingEvent.class, EvictionEvent.class,
            ServerFenceEvent.class, CatchUpEvent.class, MissingCommitsEvent.class, ServerStateEvent.class,
            ConnectionErrorEvent.class, LeaseEvent.class, EvictedConnectionException.class,
            CommitOutcomeUnknownException.class, NoUsableServerException.class);

    private final String group;
    private final ReplicationGuard replication;
    private final ServerFence serverFence;
    private final ServerFence.Account probeAccount;
    /** What each server's rehearsal found, once it ran. */
    private final Map<Integer, String> rehearsed = new ConcurrentHashMap<>();

    SwitchRehearsal(String group, ReplicationGuard replication, ServerFence serverFence,
                    ServerFence.Account probeAccount) {
        this.group = group;
        this.replication = replication;
        this.serverFence = serverFence;
        this.probeAccount = probeAccount;
    }

    /** {@code server} is up: rehearse a switch to it and away from it, unless done already. */
    void serverUp(int server) {
        if (rehearsed.containsKey(server)) {
            return;
        }
        long start = System.nanoTime();
        loadClasses();
        String found = "catch-up " + replication.rehearseCatchUp(server) + ", fence " + serverFence.rehearse(server, probeAccount);
        rehearsed.put(server, found);
        LOG.debug("stickyfail[{}] rehearsed a switch to and from server {} in {} us: {}", group, server,
                (System.nanoTime() - start) / 1000, found);
    }

    /** What the rehearsal of {@code server} found, once it ran (tests). */
    Optional<String> outcome(int server) {
        return Optional.ofNullable(rehearsed.get(server));
    }

    /** Loads and initialises every class of {@link #SWITCH_CLASSES}, with the records nested in sealed ones. */
    static void loadClasses() {
        if (!CLASSES_LOADED.compareAndSet(false, true)) {
            return;
        }
        Deque<Class<?>> todo = new ArrayDeque<>(SWITCH_CLASSES);
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                LOG.debug("cannot load {} ahead of a switch: {}", c.getName(), e.toString());
            }
            Class<?>[] permitted = c.getPermittedSubclasses();
            if (permitted != null) {
                todo.addAll(List.of(permitted));
            }
        }
    }
}
