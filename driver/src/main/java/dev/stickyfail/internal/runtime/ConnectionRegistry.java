package dev.stickyfail.internal.runtime;

import java.sql.Connection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** Every live physical connection of a group, per server, so a switch can abort them all. */
final class ConnectionRegistry {

    private final Set<TrackedConnection>[] byServer;

    @SuppressWarnings("unchecked")
    ConnectionRegistry(int servers) {
        byServer = new Set[servers];
        for (int i = 0; i < servers; i++) {
            byServer[i] = ConcurrentHashMap.newKeySet();
        }
    }

    TrackedConnection register(GroupRuntime runtime, int server, Connection physical, boolean autoCommit) {
        TrackedConnection t = new TrackedConnection(runtime, server, physical, autoCommit);
        byServer[server].add(t);
        return t;
    }

    /** @return whether it was registered */
    boolean remove(TrackedConnection t) {
        return byServer[t.serverIndex()].remove(t);
    }

    int count(int server) {
        return byServer[server].size();
    }

    /** Aborts every connection to {@code server}. @return how many this call aborted */
    int evict(int server, Eviction why) {
        int n = 0;
        for (TrackedConnection t : byServer[server]) {
            if (t.evict(why)) {
                n++;
            }
            byServer[server].remove(t);
        }
        return n;
    }
}
