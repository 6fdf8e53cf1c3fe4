package dev.stickyfail.internal.runtime;

import dev.stickyfail.config.ConfigErrors;
import dev.stickyfail.config.ServerAddress;
import dev.stickyfail.config.StickyFailConfig;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The groups running in this JVM, by name: one runtime per group, shared by every DataSource and connection that
 * names it. DataSources count as users and release the group when closed; the last one stops it. A group opened
 * through {@code DriverManager} is pinned (there is nothing to close) and runs until {@link #shutdown} or JVM exit.
 *
 * <p>One JVM makes one decision per server: a group that names a server of another running group is refused. The
 * lock guards the map only; starting and stopping a group (state file, store, threads) happens outside it, so one
 * group's start never blocks another group's {@code getConnection}.
 */
public final class RuntimeRegistry {

    private static final Object LOCK = new Object();
    private static final Map<String, Entry> GROUPS = new LinkedHashMap<>();

    private RuntimeRegistry() {
    }

    private static final class Entry {
        final StickyFailConfig config;
        final CompletableFuture<GroupRuntime> started = new CompletableFuture<>();
        CompletableFuture<Void> stopping;
        int users;
        boolean pinned;

        Entry(StickyFailConfig config) {
            this.config = config;
        }

        GroupRuntime runningOrNull() {
            return started.isDone() && !started.isCompletedExceptionally() && stopping == null ? started.join() : null;
        }
    }

    /** @param pin whether the caller never releases (DriverManager) */
    public static GroupRuntime acquire(StickyFailConfig config, boolean pin) throws SQLException {
        while (true) {
            Entry e;
            boolean starter = false;
            CompletableFuture<Void> waitFor = null;
            synchronized (LOCK) {
                e = GROUPS.get(config.group());
                if (e != null && e.stopping != null) {
                    waitFor = e.stopping;
                } else {
                    if (e == null) {
                        checkNoOverlap(config);
                        e = new Entry(config);
                        GROUPS.put(config.group(), e);
                        starter = true;
                    } else {
                        List<String> differences = e.config.groupSettingsDifferences(config);
                        if (!differences.isEmpty()) {
                            throw ConfigErrors.problem("group '" + config.group() + "' already runs in this JVM with other "
                                    + "settings: " + String.join(", ", differences)
                                    + ". Use the same settings (one JVM makes one decision per set of servers)");
                        }
                    }
                    if (pin) {
                        e.pinned = true;
                    } else {
                        e.users++;
                    }
                }
            }
            if (waitFor != null) {
                waitFor.join(); // a stop of the same group is finishing (it still holds the state file)
                continue;
            }
            if (starter) {
                start(e);
            }
            try {
                return e.started.get();
            } catch (ExecutionException ex) {
                throw unwrap(ex.getCause());
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw ConfigErrors.problem("interrupted while group '" + config.group() + "' was starting");
            }
        }
    }

    private static void start(Entry e) {
        try {
            GroupRuntime runtime = new GroupRuntime(e.config);
            runtime.start();
            e.started.complete(runtime);
        } catch (SQLException | RuntimeException | Error ex) {
            synchronized (LOCK) {
                GROUPS.remove(e.config.group(), e);
            }
            e.started.completeExceptionally(ex);
        }
    }

    private static SQLException unwrap(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SQLException se) {
            return se;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new SQLException(t);
    }

    /** Must hold LOCK. */
    private static void checkNoOverlap(StickyFailConfig config) throws SQLException {
        for (Entry other : GROUPS.values()) {
            for (ServerAddress s : config.servers()) {
                if (other.config.servers().contains(s)) {
                    throw ConfigErrors.problem("group '" + config.group() + "' (servers " + config.servers()
                            + ") names server " + s + ", which group '" + other.config.group() + "' (servers "
                            + other.config.servers() + ") already watches in this JVM. Two groups would decide about "
                            + s + " separately and could write to two servers at once: use the same servers in the same "
                            + "order and the same settings (then they share one group), or the same stickyfail.group");
                }
            }
        }
    }

    public static void release(GroupRuntime runtime) {
        Entry stop = null;
        synchronized (LOCK) {
            Entry e = GROUPS.get(runtime.name());
            if (e == null || e.runningOrNull() != runtime) {
                return;
            }
            e.users--;
            if (e.users <= 0 && !e.pinned) {
                e.stopping = new CompletableFuture<>();
                stop = e;
            }
        }
        if (stop != null) {
            stop(stop);
        }
    }

    private static void stop(Entry e) {
        try {
            e.started.join().stop();
        } finally {
            synchronized (LOCK) {
                GROUPS.remove(e.config.group(), e);
            }
            e.stopping.complete(null);
        }
    }

    public static Optional<GroupRuntime> find(String group) {
        synchronized (LOCK) {
            Entry e = GROUPS.get(group);
            return Optional.ofNullable(e == null ? null : e.runningOrNull());
        }
    }

    public static List<GroupRuntime> all() {
        List<GroupRuntime> list = new ArrayList<>();
        synchronized (LOCK) {
            for (Entry e : GROUPS.values()) {
                GroupRuntime r = e.runningOrNull();
                if (r != null) {
                    list.add(r);
                }
            }
        }
        return list;
    }

    /**
     * Stops a group whatever holds it: its probes stop and its remaining connections are aborted. DataSources that
     * used it start a new runtime on their next {@code getConnection}.
     *
     * @return whether the group was running
     */
    public static boolean shutdown(String group) {
        Entry stop;
        synchronized (LOCK) {
            Entry e = GROUPS.get(group);
            if (e == null || e.runningOrNull() == null) {
                return false;
            }
            e.stopping = new CompletableFuture<>();
            stop = e;
        }
        stop(stop);
        return true;
    }
}
