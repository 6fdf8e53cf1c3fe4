package dev.stickyfail.internal.runtime;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every live physical connection of a group, per server, so a switch can fence them all. */
final class ConnectionRegistry {

    private final Set<TrackedConnection>[] byServer;
    /** Connections being opened, per server: a fence cuts them too. */
    private final Set<FencingSocketFactory.Opening>[] opening;
    private final LostConnections lost;
    /**
     * Whether a connection was ever cut, aborted or broken with a statement running: the server may still be running
     * it, whatever the client saw. Then this instance, when it stops, stays among those a switch waits for.
     */
    private volatile boolean leftRunning;

    @SuppressWarnings("unchecked")
    ConnectionRegistry(int servers) {
        byServer = new Set[servers];
        opening = new Set[servers];
        for (int i = 0; i < servers; i++) {
            byServer[i] = ConcurrentHashMap.newKeySet();
            opening[i] = ConcurrentHashMap.newKeySet();
        }
        lost = new LostConnections(this, servers);
    }

    LostConnections lost() {
        return lost;
    }

    void leftRunning() {
        leftRunning = true;
    }

    /** See {@link #leftRunning}. */
    boolean anyLeftRunning() {
        return leftRunning;
    }

    /**
     * Marks every connection to {@code server} opened before {@code nanos} (a {@code System.nanoTime()}) unusable,
     * and leaves them registered: the server's process is gone, and a switch will still cut and abort them.
     */
    void markOpenedBefore(int server, long nanos, Eviction why) {
        for (TrackedConnection t : byServer[server]) {
            if (t.openedAt() - nanos < 0) {
                t.mark(why);
            }
        }
    }

    TrackedConnection register(GroupRuntime runtime, int server, Connection physical, boolean autoCommit) {
        TrackedConnection t = new TrackedConnection(runtime, server, physical, autoCommit);
        byServer[server].add(t);
        return t;
    }

    /** Registers an attempt to open a connection to {@code server}, until {@link #opened}. */
    FencingSocketFactory.Opening opening(int server, Lease lease) {
        FencingSocketFactory.Opening o = new FencingSocketFactory.Opening(lease, server);
        opening[server].add(o);
        return o;
    }

    void opened(FencingSocketFactory.Opening o) {
        opening[o.server].remove(o);
    }

    private static final long[] NO_ATTEMPTS = new long[0];

    /** When each attempt to open a connection to {@code server} still in progress started (wall clock, ms). */
    long[] attemptStarts(int server) {
        if (opening[server].isEmpty()) {
            return NO_ATTEMPTS; // the usual case: the traffic scan asks every 12 ms, and allocates nothing then
        }
        return opening[server].stream().mapToLong(o -> o.startedMillis).toArray();
    }

    /** Cuts every attempt to open a connection to {@code server} now; never blocks. */
    int cutOpening(int server) {
        int n = 0;
        for (FencingSocketFactory.Opening o : opening[server]) {
            o.cut();
            n++;
        }
        return n;
    }

    /** @return whether it was registered */
    boolean remove(TrackedConnection t) {
        return byServer[t.serverIndex()].remove(t);
    }

    /** The connections to {@code server} now (a live view: connections come and go). */
    Iterable<TrackedConnection> connections(int server) {
        return byServer[server];
    }

    int count(int server) {
        return byServer[server].size();
    }

    /**
     * Marks every connection to {@code server} unusable (from here on no statement starts on them) and takes them out
     * of the registry. Never blocks.
     *
     * @return every connection taken out, for the fence to cut and abort: also those already marked (a statement saw
     *         the lease run out) but still open
     */
    List<TrackedConnection> mark(int server, Eviction why) {
        List<TrackedConnection> marked = new ArrayList<>();
        for (TrackedConnection t : byServer[server]) {
            t.mark(why);
            marked.add(t);
            byServer[server].remove(t);
        }
        return marked;
    }
}
