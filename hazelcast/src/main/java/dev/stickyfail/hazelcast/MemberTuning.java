package dev.stickyfail.hazelcast;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.cp.CPSubsystemConfig;
import com.hazelcast.config.cp.RaftAlgorithmConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The failure-detector and Raft settings a stickyfail CP member needs, applied to a member {@link Config} (embedded
 * members and {@link StandaloneMember} alike).
 *
 * <p>Hazelcast's defaults let a frozen member (a long GC pause, SIGSTOP) that leads the CP group stall every CP call for
 * about a minute (60 s without a heartbeat before it is expelled, 25 s before Raft followers suspect a silent leader).
 * Every application instance would then fail closed for that minute. With these settings the group recovers from a
 * frozen leader in about 5 s (the heartbeat timeout) when the two others stay together, so a lease of 10 s survives it.
 *
 * <p>A setting the member file gives a value other than Hazelcast's default is left alone: the user chose it.
 * {@code hazelcast.phone.home.enabled=false} and {@code hazelcast.socket.bind.any=false} are applied even when tuning is
 * off (unless the file sets them): stickyfail never makes a member call home or listen on every interface.
 */
public final class MemberTuning {

    /**
     * Seconds without a heartbeat before a member is expelled (Hazelcast: 60). Calls to a frozen leader's CP group work
     * again once it is expelled, so this sets the recovery time. (8 s was tried: slower, and it did not prevent the two
     * healthy members from sometimes losing each other after a freeze.)
     */
    public static final int MAX_NO_HEARTBEAT_SECONDS = 5;
    /** Seconds between member heartbeats (Hazelcast: 5). */
    public static final int HEARTBEAT_INTERVAL_SECONDS = 1;
    /**
     * Milliseconds before an operation whose target does not answer is given up (Hazelcast: 60000). Well under the
     * heartbeat timeout: with 5000, freezing the cluster master made the new master expel the third member (its
     * heartbeats stalled about as long as its calls to the frozen member) in every run, and the CP group lost its
     * majority; with 3000 the two stayed together (FrozenMasterTest).
     */
    public static final int OPERATION_CALL_TIMEOUT_MILLIS = 3000;
    /**
     * Seconds the master waits for more joiners before admitting one (Hazelcast: 5). A member that restarts itself after
     * a pause, or an instance restarted in a rolling deploy, is admitted, promoted and confirming its lease that much
     * sooner; three instances started together still join in one or two rounds.
     */
    public static final int WAIT_SECONDS_BEFORE_JOIN = 1;
    /**
     * I/O threads for each direction (Hazelcast: 3). With 3, freezing one member made the two healthy members lose each
     * other in about 2 runs of 5: thread dumps showed the master's output thread busy flushing while the healthy
     * member received nothing from it, as if its pipeline waited behind the frozen member's. With 8, none did in 12
     * runs (not enough to call it rare: docs/operations.md has the runbook). The cost is a few idle threads.
     */
    public static final int IO_THREAD_COUNT = 8;
    /** Raft: a follower that heard nothing from its leader for 4 x 500 ms starts an election (Hazelcast: 5 x 5000). */
    public static final long LEADER_HEARTBEAT_PERIOD_MILLIS = 500;
    public static final int MAX_MISSED_LEADER_HEARTBEAT_COUNT = 4;
    /** Raft: an election that has not finished within 1 s is restarted (Hazelcast: 2000). */
    public static final long LEADER_ELECTION_TIMEOUT_MILLIS = 1000;
    /**
     * A CP member missing from the cluster this long is removed from the CP groups so that another member can be
     * promoted in its place (Hazelcast: 4 h). Must be at least the session time-to-live, which stickyfail lowers to the
     * same value (stickyfail uses no CP sessions: no FencedLock, no ISemaphore).
     */
    public static final int MISSING_CP_MEMBER_AUTO_REMOVAL_SECONDS = 60;

    private MemberTuning() {
    }

    /**
     * Applies the settings to {@code config}; returns what it changed, as {@code name=value}, for the log.
     *
     * @param tune false: only phone-home and bind-any (stickyfail.hazelcast.tune=false)
     */
    public static List<String> apply(Config config, boolean tune) {
        List<String> changed = new ArrayList<>();
        property(config, "hazelcast.phone.home.enabled", "false", changed);
        property(config, "hazelcast.socket.bind.any", "false", changed);
        if (!tune) {
            return changed;
        }
        property(config, "hazelcast.max.no.heartbeat.seconds", String.valueOf(MAX_NO_HEARTBEAT_SECONDS), changed);
        property(config, "hazelcast.heartbeat.interval.seconds", String.valueOf(HEARTBEAT_INTERVAL_SECONDS), changed);
        property(config, "hazelcast.operation.call.timeout.millis", String.valueOf(OPERATION_CALL_TIMEOUT_MILLIS), changed);
        property(config, "hazelcast.wait.seconds.before.join", String.valueOf(WAIT_SECONDS_BEFORE_JOIN), changed);
        property(config, "hazelcast.io.thread.count", String.valueOf(IO_THREAD_COUNT), changed);

        CPSubsystemConfig defaults = new CPSubsystemConfig();
        CPSubsystemConfig cp = config.getCPSubsystemConfig();
        if (cp.getSessionTimeToLiveSeconds() == defaults.getSessionTimeToLiveSeconds()
                && cp.getMissingCPMemberAutoRemovalSeconds() == defaults.getMissingCPMemberAutoRemovalSeconds()) {
            cp.setSessionTimeToLiveSeconds(MISSING_CP_MEMBER_AUTO_REMOVAL_SECONDS);
            cp.setMissingCPMemberAutoRemovalSeconds(MISSING_CP_MEMBER_AUTO_REMOVAL_SECONDS);
            changed.add("cp-subsystem.session-time-to-live-seconds=" + MISSING_CP_MEMBER_AUTO_REMOVAL_SECONDS);
            changed.add("cp-subsystem.missing-cp-member-auto-removal-seconds=" + MISSING_CP_MEMBER_AUTO_REMOVAL_SECONDS);
        }
        RaftAlgorithmConfig rd = new RaftAlgorithmConfig();
        RaftAlgorithmConfig raft = cp.getRaftAlgorithmConfig();
        if (raft.getLeaderElectionTimeoutInMillis() == rd.getLeaderElectionTimeoutInMillis()) {
            raft.setLeaderElectionTimeoutInMillis(LEADER_ELECTION_TIMEOUT_MILLIS);
            changed.add("raft-algorithm.leader-election-timeout-in-millis=" + LEADER_ELECTION_TIMEOUT_MILLIS);
        }
        if (raft.getLeaderHeartbeatPeriodInMillis() == rd.getLeaderHeartbeatPeriodInMillis()) {
            raft.setLeaderHeartbeatPeriodInMillis(LEADER_HEARTBEAT_PERIOD_MILLIS);
            changed.add("raft-algorithm.leader-heartbeat-period-in-millis=" + LEADER_HEARTBEAT_PERIOD_MILLIS);
        }
        if (raft.getMaxMissedLeaderHeartbeatCount() == rd.getMaxMissedLeaderHeartbeatCount()) {
            raft.setMaxMissedLeaderHeartbeatCount(MAX_MISSED_LEADER_HEARTBEAT_COUNT);
            changed.add("raft-algorithm.max-missed-leader-heartbeat-count=" + MAX_MISSED_LEADER_HEARTBEAT_COUNT);
        }
        return changed;
    }

    /**
     * A client's failure detector: Hazelcast's defaults keep sending to a frozen member for 60 s (heartbeat timeout)
     * and wait 120 s for an invocation; the client should move to the other members within seconds.
     */
    public static List<String> applyClient(ClientConfig config, boolean tune) {
        List<String> changed = new ArrayList<>();
        clientProperty(config, "hazelcast.phone.home.enabled", "false", changed);
        if (tune) {
            clientProperty(config, "hazelcast.client.heartbeat.interval", "1000", changed);
            clientProperty(config, "hazelcast.client.heartbeat.timeout", String.valueOf(MAX_NO_HEARTBEAT_SECONDS * 1000), changed);
        }
        return changed;
    }

    private static void clientProperty(ClientConfig config, String name, String value, List<String> changed) {
        if (config.getProperty(name) == null) {
            config.setProperty(name, value);
            changed.add(name + "=" + value);
        }
    }

    private static void property(Config config, String name, String value, List<String> changed) {
        if (config.getProperty(name) == null) {
            config.setProperty(name, value);
            changed.add(name + "=" + value);
        }
    }
}
