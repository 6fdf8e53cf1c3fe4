package dev.stickyfail.testkit.galera;

/**
 * A node's view of itself and its cluster, from {@code SHOW GLOBAL STATUS}: {@code wsrep_local_state} (1 Joining,
 * 2 Donor/Desynced, 3 Joined, 4 Synced; 0 when not in a primary component), {@code wsrep_local_state_comment},
 * {@code wsrep_ready}, {@code wsrep_cluster_status} (Primary, non-Primary, Disconnected) and
 * {@code wsrep_cluster_size}.
 */
public record GaleraStatus(int localState, String stateComment, boolean ready, String clusterStatus, int clusterSize) {

    public static final int SYNCED = 4;
    public static final int DONOR_DESYNCED = 2;

    /** Synced, ready, in the primary component: what stickyfail's galera probe accepts. */
    public boolean isSyncedPrimary() {
        return localState == SYNCED && ready && "Primary".equals(clusterStatus);
    }

    @Override
    public String toString() {
        return "wsrep_local_state=" + localState + " (" + stateComment + "), wsrep_ready=" + (ready ? "ON" : "OFF")
                + ", wsrep_cluster_status=" + clusterStatus + ", wsrep_cluster_size=" + clusterSize;
    }
}
