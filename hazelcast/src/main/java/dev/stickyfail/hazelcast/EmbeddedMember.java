package dev.stickyfail.hazelcast;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPMember;
import com.hazelcast.cp.CPSubsystemManagementService;
import com.hazelcast.cp.event.CPGroupAvailabilityEvent;
import com.hazelcast.cp.event.CPGroupAvailabilityListener;
import com.hazelcast.map.IMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A Hazelcast member this JVM runs (embedded in the application, or the {@link StandaloneMember}), kept in its CP
 * group by a keeper thread that checks it every second:
 * <ul>
 *   <li>A member that comes back after a crash has a new identity and is only an AP member. The keeper removes the CP
 *       member that had this member's address (it is certainly dead: its address is ours now) and promotes this one
 *       (retried with backoff: promotion fails while another membership change runs), so the group has its CP members
 *       again in seconds rather than after the auto-removal timeout.</li>
 *   <li>A CP member that sees fewer members than a majority of {@code cp-member-count} for a few seconds, and whose CP
 *       Subsystem does not answer, has been split off, typically expelled after a pause (GC, SIGSTOP). Hazelcast would
 *       merge it back only after minutes, and its CP calls block meanwhile; the keeper restarts it instead, and it
 *       rejoins as a new member and is promoted. A member whose CP groups shrank by graceful departures still answers:
 *       it may hold the only copy of the CP state, and it is left alone.</li>
 *   <li>CP groups that lost their majority are {@code reset()} (every CP value wiped: the stores run their census) only
 *       when every CP member reported missing is proven dead: its address is now held by another, restarted member,
 *       and the CP Subsystem still does not answer. A member count proves nothing: the missing CP members may be alive
 *       and deciding on the other side of a partition, and a reset there would make a second CP Subsystem. Only the
 *       master can reset, and a master that joined after the loss (the survivor restarted itself before the crashed
 *       members came back) never saw it: members that did publish what they saw in an AP map, and the master adopts
 *       it. Each lost CP member is recorded with the cluster member that held its address, so that only a different
 *       process at that address proves it dead (a member split off and restarted saw the others leave, but they did
 *       not: they are still there, as themselves).</li>
 *   <li>A member that shut itself down (a soon-to-be CP member terminates when a member leaves during CP discovery)
 *       is started again.</li>
 * </ul>
 * Stores notice a restart through {@link #generation()} and create their proxies again.
 */
public final class EmbeddedMember implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMember.class);
    /** How long a CP member may see less than a majority before it restarts itself; above one heartbeat round. */
    static final long SPLIT_GRACE_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final long MAX_BACKOFF_MILLIS = 16_000;
    private static final long GRACEFUL_SHUTDOWN_MILLIS = 10_000;
    /** Where members that saw the CP majority lost say which CP members went missing (an AP map: CP is down then). */
    static final String LOST_MAJORITY_MAP = "stickyfail.cp-majority-lost";
    private static final UUID UNKNOWN = new UUID(0, 0);

    private final String name;
    private final Supplier<Config> configs;
    private final int cpMemberCount;
    private final ScheduledExecutorService keeper;
    private volatile HazelcastInstance instance;
    private volatile long generation;
    private volatile boolean closed;
    private volatile boolean majorityLost;
    /**
     * The CP members reported missing since the majority was lost: their address, and the cluster member that held it
     * then ({@link #UNKNOWN} when this member never saw it). Kept across a restart of this member after a split.
     */
    private final Map<Address, UUID> missingCpMembers = new ConcurrentHashMap<>();
    /** The cluster member last seen at each address, kept after it left. */
    private final Map<Address, UUID> lastSeen = new ConcurrentHashMap<>();
    /** Lost CP members a reset of this member already dealt with: not adopted again from a late publication. */
    private final Set<String> resetFor = ConcurrentHashMap.newKeySet();
    private long provenSince;
    private String lastWhy;
    private long splitSince;
    private long nextPromotion;
    private long backoffMillis = 500;

    private EmbeddedMember(String name, Supplier<Config> configs, Config first) {
        this.name = name;
        this.configs = configs;
        this.cpMemberCount = first.getCPSubsystemConfig().getCPMemberCount();
        this.instance = watch(Hazelcast.newHazelcastInstance(first), false);
        this.keeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "stickyfail-hazelcast-keeper");
            t.setDaemon(true);
            return t;
        });
        keeper.scheduleWithFixedDelay(this::keep, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Starts a member (blocks while it joins its cluster).
     *
     * @param name    for logs, e.g. the member file
     * @param configs a fresh config each time the member is (re)started
     */
    public static EmbeddedMember start(String name, Supplier<Config> configs) {
        return new EmbeddedMember(name, configs, configs.get());
    }

    public HazelcastInstance instance() {
        return instance;
    }

    /** Grows by one at every restart of the member. */
    public long generation() {
        return generation;
    }

    public int cpMemberCount() {
        return cpMemberCount;
    }

    /** Waits until CP discovery completed (it needs {@code cp-member-count} members); false when it has not in time. */
    public boolean awaitCpDiscovery(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (true) {
            HazelcastInstance hz = instance;
            try {
                long left = deadline - System.nanoTime();
                if (hz.getCPSubsystem().getCPSubsystemManagementService()
                        .awaitUntilDiscoveryCompleted(Math.max(0, Math.min(left, TimeUnit.MILLISECONDS.toNanos(500))),
                                TimeUnit.NANOSECONDS)) {
                    return true;
                }
            } catch (RuntimeException e) {
                // the member is being restarted by the keeper: wait for the new one
                Thread.sleep(100);
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
        }
    }

    public String describe() {
        HazelcastInstance hz = instance;
        try {
            Member local = hz.getCluster().getLocalMember();
            return "embedded member " + local.getAddress().getHost() + ":" + local.getAddress().getPort()
                    + (hz.getCPSubsystem().getLocalCPMember() != null ? ", CP member" : ", not a CP member")
                    + ", cluster of " + hz.getCluster().getMembers().size() + ", cp-member-count " + cpMemberCount;
        } catch (RuntimeException e) {
            return "embedded member from " + name + " (restarting)";
        }
    }

    private synchronized void keep() {
        if (closed) {
            return;
        }
        try {
            HazelcastInstance hz = instance;
            if (!hz.getLifecycleService().isRunning()) {
                restart("it has shut down", false);
                return;
            }
            if (cpMemberCount == 0) {
                return;
            }
            int majority = cpMemberCount / 2 + 1;
            int clusterSize = hz.getCluster().getMembers().size();
            CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
            boolean cpMember = hz.getCPSubsystem().getLocalCPMember() != null;
            if (cpMember && clusterSize < majority) {
                if (cpSubsystemAnswers(cp)) {
                    // its CP groups shrank by graceful departures: it may hold the only copy of the CP state
                    splitSince = 0;
                    note("this CP member sees " + clusterSize + " member(s), fewer than a majority of cp-member-count "
                            + cpMemberCount + ", but its CP groups answer (the others left gracefully): not restarting it, "
                            + "it holds the CP state");
                } else if (splitSince == 0) {
                    splitSince = System.nanoTime();
                } else if (System.nanoTime() - splitSince > SPLIT_GRACE_NANOS
                        && hz.getCluster().getMembers().size() < majority) { // again: the others may be back by now
                    if (majorityLost) {
                        // this member's CP state dies with it: after the restart its address proves it dead too
                        Member me = hz.getCluster().getLocalMember();
                        missingCpMembers.put(me.getAddress(), me.getUuid());
                    }
                    restart("this CP member sees " + clusterSize + " member(s), fewer than a majority of cp-member-count "
                            + cpMemberCount + ", and its CP groups do not answer, for "
                            + TimeUnit.NANOSECONDS.toSeconds(SPLIT_GRACE_NANOS) + " s: it was split off or expelled after a "
                            + "pause, or the others crashed; it starts afresh", majorityLost);
                    return;
                }
                if (splitSince != 0) {
                    return;
                }
            } else {
                splitSince = 0;
            }
            if (resetAfterLostMajority(hz, clusterSize) || cpMember) {
                return;
            }
            if (!cp.isDiscoveryCompleted() || clusterSize < majority || System.nanoTime() - nextPromotion < 0) {
                return;
            }
            promote(hz, cp);
        } catch (RuntimeException e) {
            LOG.debug("stickyfail: hazelcast member keeper: {}", e.toString());
        }
    }

    /** Whether the CP Subsystem answers a linearizable query (its METADATA group has a majority), within 2 s. */
    private static boolean cpSubsystemAnswers(CPSubsystemManagementService cp) {
        try {
            cp.getCPMembers().toCompletableFuture().get(2, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return false;
        }
    }

    /** Logs {@code why} once, until it changes. */
    private void note(String why) {
        if (!why.equals(lastWhy)) {
            lastWhy = why;
            LOG.warn("stickyfail: hazelcast: {}", why);
        }
    }

    private HazelcastInstance watch(HazelcastInstance hz, boolean keepWhatWasLost) {
        if (!keepWhatWasLost) {
            majorityLost = false;
            missingCpMembers.clear();
        }
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                lastSeen.put(e.getMember().getAddress(), e.getMember().getUuid());
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                // kept: a CP member reported missing is matched with the member that held its address
            }
        });
        hz.getCluster().getMembers().forEach(m -> lastSeen.put(m.getAddress(), m.getUuid()));
        if (cpMemberCount > 0) {
            hz.getCPSubsystem().addGroupAvailabilityListener(new CPGroupAvailabilityListener() {
                @Override
                public void availabilityDecreased(CPGroupAvailabilityEvent event) {
                    // a minority is missing: Raft carries on
                }

                @Override
                public void majorityLost(CPGroupAvailabilityEvent event) {
                    LOG.warn("stickyfail: hazelcast: CP group {} lost its majority (unavailable: {}); every CP call fails "
                            + "until the missing members are back, or proven dead and the CP Subsystem is reset",
                            event.getGroupId().getName(), event.getUnavailableMembers());
                    event.getUnavailableMembers().forEach(m -> missingCpMembers.putIfAbsent(m.getAddress(),
                            lastSeen.getOrDefault(m.getAddress(), UNKNOWN)));
                    majorityLost = true;
                }
            });
        }
        return hz;
    }

    /**
     * CP groups that lost their majority (two of three CP members crashed together) are repaired in Community Hazelcast
     * only by {@code reset()}, which wipes every CP value (the stores run their census). The master does it only once
     * every CP member reported missing is proven dead (its address is held by a member again, and since one address
     * is one process, that member is a restart: the old CP member's state is gone) and the CP Subsystem still does not
     * answer, for a few seconds. A missing CP member whose address nobody here holds may be alive behind a partition,
     * still deciding with a majority: resetting this side would make a second CP Subsystem. Returns whether the
     * majority is lost (nothing else to do then).
     */
    private boolean resetAfterLostMajority(HazelcastInstance hz, int clusterSize) {
        boolean master = hz.getCluster().getMembers().iterator().next().localMember();
        if (majorityLost) {
            publish(hz);
        } else if (master) {
            adopt(hz);
        }
        if (!majorityLost) {
            provenSince = 0;
            return false;
        }
        Map<Address, UUID> present = new HashMap<>();
        hz.getCluster().getMembers().forEach(m -> present.put(m.getAddress(), m.getUuid()));
        Set<String> unproven = new TreeSet<>();
        for (Map.Entry<Address, UUID> lost : missingCpMembers.entrySet()) {
            UUID now = present.get(lost.getKey());
            // one address is one process: a different member there is a restart, and the old CP member's state is gone
            if (now == null || now.equals(lost.getValue())) {
                unproven.add(lost.getKey().getHost() + ":" + lost.getKey().getPort());
            }
        }
        CPSubsystemManagementService cp = hz.getCPSubsystem().getCPSubsystemManagementService();
        if (!unproven.isEmpty()) {
            provenSince = 0;
            if (cpSubsystemAnswers(cp)) {
                regained();
                return false;
            }
            note("the CP groups lost their majority and CP member(s) " + unproven + " are missing: they may be alive "
                    + "behind a partition, so the CP Subsystem is not reset (that would make a second one); it comes back "
                    + "when they do, or when they are restarted at their addresses, or an operator resets it");
            return true;
        }
        if (cpSubsystemAnswers(cp)) {
            regained();
            return false;
        }
        if (clusterSize < cpMemberCount || !master || System.nanoTime() - nextPromotion < 0) {
            return true;
        }
        if (provenSince == 0) {
            provenSince = System.nanoTime();
            return true;
        }
        if (System.nanoTime() - provenSince < SPLIT_GRACE_NANOS) {
            return true;
        }
        try {
            LOG.warn("stickyfail: hazelcast: resetting the CP Subsystem: its majority was lost, every missing CP member "
                    + "{} is proven dead (its address is held by a restarted member) and {} members are present; every CP "
                    + "value is wiped and the stores run their census", missingCpMembers, clusterSize);
            hz.getCPSubsystem().getCPSubsystemManagementService().reset().toCompletableFuture().get(30, TimeUnit.SECONDS);
            missingCpMembers.forEach((a, u) -> resetFor.add(key(a, u)));
            regained();
            backoffMillis = 500;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warn("stickyfail: hazelcast: CP reset failed (retrying in {} ms): {}", backoffMillis, e.toString());
            nextPromotion = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
        }
        return true;
    }

    private void regained() {
        if (majorityLost) {
            try {
                HazelcastInstance hz = instance;
                hz.<String, String>getMap(LOST_MAJORITY_MAP).removeAsync(hz.getCluster().getLocalMember().getUuid()
                        .toString());
            } catch (RuntimeException e) {
                LOG.debug("stickyfail: hazelcast: withdrawing the lost CP members: {}", e.toString());
            }
        }
        majorityLost = false;
        missingCpMembers.clear();
        provenSince = 0;
        lastWhy = null;
    }

    /** Says which CP members this member saw go missing, for a master that did not see it (it joined later). */
    private void publish(HazelcastInstance hz) {
        StringBuilder sb = new StringBuilder();
        missingCpMembers.forEach((a, u) -> sb.append(sb.length() == 0 ? "" : ",").append(key(a, u)));
        try {
            hz.<String, String>getMap(LOST_MAJORITY_MAP).setAsync(hz.getCluster().getLocalMember().getUuid().toString(),
                    sb.toString(), 1, TimeUnit.MINUTES);
        } catch (RuntimeException e) {
            LOG.debug("stickyfail: hazelcast: publishing the lost CP members: {}", e.toString());
        }
    }

    /** The master takes over what present members saw go missing when the CP majority was lost. */
    private void adopt(HazelcastInstance hz) {
        IMap<String, String> published = hz.getMap(LOST_MAJORITY_MAP);
        for (Member m : hz.getCluster().getMembers()) {
            if (m.localMember()) {
                continue;
            }
            String text;
            try {
                text = published.getAsync(m.getUuid().toString()).toCompletableFuture().get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    return;
                }
                continue;
            }
            if (text == null || text.isEmpty()) {
                continue;
            }
            Map<Address, UUID> seen = decode(text);
            seen.keySet().removeIf(a -> resetFor.contains(key(a, seen.get(a))));
            if (!seen.isEmpty()) {
                LOG.warn("stickyfail: hazelcast: member {} saw the CP majority lost (CP members missing: {}); this master "
                        + "joined later and takes it over", m.getAddress(), text);
                seen.forEach(missingCpMembers::putIfAbsent);
                majorityLost = true;
            }
        }
    }

    private static String key(Address a, UUID u) {
        return a.getHost() + ":" + a.getPort() + "=" + u;
    }

    private static Map<Address, UUID> decode(String text) {
        Map<Address, UUID> out = new HashMap<>();
        for (String part : text.split(",")) {
            try {
                int eq = part.indexOf('=');
                int colon = part.lastIndexOf(':', eq);
                out.put(new Address(part.substring(0, colon), Integer.parseInt(part.substring(colon + 1, eq))),
                        UUID.fromString(part.substring(eq + 1)));
            } catch (RuntimeException | java.net.UnknownHostException e) {
                LOG.debug("stickyfail: hazelcast: ignoring a lost CP member entry {}: {}", part, e.toString());
            }
        }
        return out;
    }

    private void promote(HazelcastInstance hz, CPSubsystemManagementService cp) {
        try {
            Collection<CPMember> members = cp.getCPMembers().toCompletableFuture().get(5, TimeUnit.SECONDS);
            // CP members have UUIDs of their own, not the cluster member's: match by address
            Address me = hz.getCluster().getLocalMember().getAddress();
            int live = 0;
            for (CPMember m : members) {
                if (me.equals(m.getAddress())) {
                    // this member is no CP member, so a CP member at its address is this member before a restart
                    LOG.info("stickyfail: hazelcast: removing CP member {} ({}): it had this member's address, so it is "
                            + "this member before a restart", m.getUuid(), m.getAddress());
                    cp.removeCPMember(m.getUuid()).toCompletableFuture().get(10, TimeUnit.SECONDS);
                } else {
                    live++; // present, or missing for now: Hazelcast's auto-removal decides
                }
            }
            if (live < cpMemberCount) {
                cp.promoteToCPMember().toCompletableFuture().get(10, TimeUnit.SECONDS);
                LOG.info("stickyfail: hazelcast: {} promoted to CP member ({} CP members before)", me, live);
            }
            backoffMillis = 500;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.info("stickyfail: hazelcast: promoting this member to CP member failed (retrying in {} ms): {}",
                    backoffMillis, e.toString());
            nextPromotion = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(backoffMillis);
            backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF_MILLIS);
        }
    }

    private void restart(String why, boolean keepWhatWasLost) {
        LOG.warn("stickyfail: hazelcast: restarting the member from {}: {}", name, why);
        try {
            instance.getLifecycleService().terminate();
        } catch (RuntimeException e) {
            LOG.debug("stickyfail: hazelcast: terminating the old member: {}", e.toString());
        }
        splitSince = 0;
        backoffMillis = 500;
        nextPromotion = 0;
        try {
            HazelcastInstance fresh = Hazelcast.newHazelcastInstance(configs.get());
            if (closed) {
                fresh.getLifecycleService().terminate();
                return;
            }
            instance = watch(fresh, keepWhatWasLost);
            generation++;
        } catch (RuntimeException e) {
            LOG.warn("stickyfail: hazelcast: restarting the member from {} failed (retrying): {}", name, e.toString());
        }
    }

    /** Leaves the cluster gracefully (a CP member leaves its CP groups, so the others need not wait for it). */
    @Override
    public void close() {
        // not synchronized: the keeper may be blocked in a restart (joining waits for the cluster to answer)
        closed = true;
        keeper.shutdownNow();
        HazelcastInstance hz = instance;
        // A graceful shutdown of a CP member waits for its CP groups, which may have lost their majority: bounded.
        Thread t = new Thread(() -> {
            try {
                hz.shutdown();
            } catch (RuntimeException e) {
                LOG.debug("stickyfail: hazelcast: shutting the member down: {}", e.toString());
            }
        }, "stickyfail-hazelcast-shutdown");
        t.setDaemon(true);
        t.start();
        try {
            t.join(GRACEFUL_SHUTDOWN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("stickyfail: hazelcast: the member from {} did not leave gracefully within {} ms; terminating it",
                    name, GRACEFUL_SHUTDOWN_MILLIS);
            hz.getLifecycleService().terminate();
        }
    }
}
