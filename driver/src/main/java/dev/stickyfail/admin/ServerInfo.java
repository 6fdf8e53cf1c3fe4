package dev.stickyfail.admin;

/**
 * One server of a group as the admin API and JMX show it. A JavaBean-style class (not a record) so that JMX's
 * MXBean mapping turns it into open data that any JMX client can read.
 */
public final class ServerInfo {

    private final String server;
    private final int priority;
    private final String state;
    private final String adminState;
    private final boolean active;
    private final String lastProbeResult;
    private final String lastProbeDetail;
    private final long lastProbeLatencyMillis;
    private final long lastProbeAgeMillis;
    private final int connections;

    public ServerInfo(String server, int priority, String state, String adminState, boolean active,
                      String lastProbeResult, String lastProbeDetail, long lastProbeLatencyMillis,
                      long lastProbeAgeMillis, int connections) {
        this.server = server;
        this.priority = priority;
        this.state = state;
        this.adminState = adminState;
        this.active = active;
        this.lastProbeResult = lastProbeResult;
        this.lastProbeDetail = lastProbeDetail;
        this.lastProbeLatencyMillis = lastProbeLatencyMillis;
        this.lastProbeAgeMillis = lastProbeAgeMillis;
        this.connections = connections;
    }

    /** {@code host:port}. */
    public String getServer() {
        return server;
    }

    /** Position in the URL: 0 is the primary. */
    public int getPriority() {
        return priority;
    }

    /** A {@link ServerState} name. */
    public String getState() {
        return state;
    }

    /** An {@link AdminState} name. */
    public String getAdminState() {
        return adminState;
    }

    /** Whether this is the group's active server. */
    public boolean isActive() {
        return active;
    }

    /** A {@link dev.stickyfail.probe.ProbeOutcome} name, or {@code NONE} before the first probe. */
    public String getLastProbeResult() {
        return lastProbeResult;
    }

    public String getLastProbeDetail() {
        return lastProbeDetail;
    }

    public long getLastProbeLatencyMillis() {
        return lastProbeLatencyMillis;
    }

    /** Milliseconds since the last probe finished; -1 before the first. */
    public long getLastProbeAgeMillis() {
        return lastProbeAgeMillis;
    }

    /** Live physical connections from this JVM to the server, through this group. */
    public int getConnections() {
        return connections;
    }

    @Override
    public String toString() {
        return server + " " + state + (adminState.equals(AdminState.READY.name()) ? "" : "/" + adminState)
                + (active ? " (active)" : "") + ", last probe " + lastProbeResult
                + (lastProbeDetail == null || "ok".equals(lastProbeDetail) ? "" : ": " + lastProbeDetail)
                + ", " + connections + " connections";
    }
}
