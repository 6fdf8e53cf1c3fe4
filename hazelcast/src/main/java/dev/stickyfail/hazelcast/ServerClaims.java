package dev.stickyfail.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.IAtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One decision per database server across every service that shares a Hazelcast cluster. The decision is keyed by the
 * group's name; two services that name the same servers under different group names would each keep a decision of
 * their own and could write to both servers. So every group claims its servers, by name as the URL writes them, in
 * CP references {@code stickyfail.server.<host:port>} holding {@code <group>|<counter>}, and a group that finds one of
 * its servers claimed by another live group refuses to start (08001), naming both.
 *
 * <p>Liveness without synchronised clocks: every running instance of the owning group moves the counter on at most
 * every third of a lease. A claim whose counter does not move for {@value #STALE_LEASES} leases on the observer's
 * clock belongs to a group that no longer runs (renamed, removed): the claim is taken over, with a WARN.
 */
final class ServerClaims {

    private static final Logger LOG = LoggerFactory.getLogger(ServerClaims.class);
    static final int STALE_LEASES = 3;
    private static final String PREFIX = "stickyfail.server.";

    private final String group;
    private final List<String> servers;
    private final Duration lease;
    private final Duration callTimeout;
    private final String log;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile long lastRefresh;
    private volatile String lostTo;
    private CompletableFuture<List<IAtomicReference<String>>> creating;
    private HazelcastInstance creatingFor;

    ServerClaims(String group, List<String> servers, Duration lease, Duration callTimeout, String log) {
        this.group = group;
        this.servers = List.copyOf(servers);
        this.lease = lease.isZero() ? Duration.ofSeconds(10) : lease;
        this.callTimeout = callTimeout;
        this.log = log;
    }

    static String name(String server) {
        return PREFIX + URLEncoder.encode(server, StandardCharsets.UTF_8);
    }

    /** Claims every server for this group, waiting out a stale claim of another group; fails on a live one. */
    void claim(HazelcastInstance hz) throws SQLException {
        List<IAtomicReference<String>> refs = refs(hz);
        for (int i = 0; i < servers.size(); i++) {
            claim(servers.get(i), refs.get(i));
        }
        lostTo = null;
        lastRefresh = System.nanoTime();
    }

    private void claim(String server, IAtomicReference<String> ref) throws SQLException {
        String what = "the claim of " + server;
        String raw = get(ref, what);
        long since = System.nanoTime();
        while (true) {
            String owner = owner(raw);
            if (group.equals(owner)) {
                return;
            }
            if (owner == null || System.nanoTime() - since > lease.toNanos() * STALE_LEASES) {
                if (cas(ref, raw, encode(0), what)) {
                    if (owner != null) {
                        LOG.warn("{} took over server {} from stickyfail.group={}: its claim had not moved for {} leases (a "
                                + "group that no longer runs)", log, server, owner, STALE_LEASES);
                    }
                    return;
                }
                raw = get(ref, what);
                since = System.nanoTime();
                continue;
            }
            sleep(Math.min(lease.toMillis() / 3, 1000));
            String again = get(ref, what);
            if (!again.equals(raw)) {
                if (owner.equals(owner(again))) {
                    throw conflict(server, owner); // its counter moved: that group runs now
                }
                raw = again;
                since = System.nanoTime();
            }
        }
    }

    /** Set when a refresh finds one of this group's servers claimed by another group. */
    String lostTo() {
        return lostTo;
    }

    SQLException conflict(String server, String owner) {
        return new SQLNonTransientConnectionException(log + " server " + server + " is already followed by stickyfail.group="
                + owner + " in this Hazelcast cluster, and this group is " + group + ": every service and instance writing "
                + "to the same servers must use the same stickyfail.group (and write the servers the same way), or there "
                + "would be two decisions for one server", "08001");
    }

    /** Moves this group's counters on, asynchronously, at most every third of a lease. */
    void refresh(HazelcastInstance hz) {
        if (System.nanoTime() - lastRefresh < lease.toNanos() / 3 || !refreshing.compareAndSet(false, true)) {
            return;
        }
        lastRefresh = System.nanoTime();
        try {
            for (IAtomicReference<String> ref : refs(hz)) {
                ref.getAsync().thenCompose(raw -> {
                    String owner = owner(raw);
                    if (owner != null && !group.equals(owner)) {
                        lostTo = owner;
                        return CompletableFuture.completedFuture(false);
                    }
                    // null: another instance of this group released it when it stopped; this one still follows it
                    return ref.compareAndSetAsync(raw, encode(owner == null ? 0 : counter(raw) + 1));
                });
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("{} refreshing the server claims: {}", log, e.toString());
        } finally {
            refreshing.set(false);
        }
    }

    /**
     * Gives the claims up when this instance stops, so a renamed group need not wait for them to go stale; another
     * running instance of this group claims them again at its next refresh.
     */
    void release(HazelcastInstance hz) {
        try {
            for (IAtomicReference<String> ref : refs(hz)) {
                String raw = get(ref, "the claim");
                if (group.equals(owner(raw))) {
                    cas(ref, raw, null, "the release of the claim");
                }
            }
        } catch (SQLException | RuntimeException e) {
            LOG.debug("{} releasing the server claims: {}", log, e.toString());
        }
    }

    /**
     * The claims' CP proxies, created once per Hazelcast instance. Creating one commits to the METADATA group and may
     * take a while in a young cluster: a creation that outlasts the call timeout goes on, and the next call awaits it.
     */
    private synchronized List<IAtomicReference<String>> refs(HazelcastInstance hz) throws SQLException {
        if (creating == null || creatingFor != hz || (creating.isCompletedExceptionally())) {
            creatingFor = hz;
            creating = CompletableFuture.supplyAsync(() -> {
                List<IAtomicReference<String>> refs = new ArrayList<>();
                for (String s : servers) {
                    refs.add(hz.getCPSubsystem().getAtomicReference(name(s)));
                }
                return refs;
            }, Calls.BLOCKING);
        }
        return Calls.awaitWithoutCancel(creating, callTimeout, "the creation of the server claims", log);
    }

    private String encode(long counter) {
        return group.replace("|", "%7C") + "|" + counter;
    }

    private static String owner(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        int bar = raw.lastIndexOf('|');
        return (bar < 0 ? raw : raw.substring(0, bar)).replace("%7C", "|");
    }

    private static long counter(String raw) {
        try {
            return Long.parseLong(raw.substring(raw.lastIndexOf('|') + 1));
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private String get(IAtomicReference<String> ref, String what) throws SQLException {
        String v = Calls.await(ref.getAsync(), callTimeout, what, log);
        return v == null ? "" : v;
    }

    private boolean cas(IAtomicReference<String> ref, String expect, String update, String what) throws SQLException {
        return Calls.await(ref.compareAndSetAsync(expect == null || expect.isEmpty() ? null : expect, update), callTimeout,
                what, log);
    }

    private static void sleep(long millis) throws SQLException {
        try {
            Thread.sleep(Math.max(50, millis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLNonTransientConnectionException("interrupted while claiming the servers", "08001", e);
        }
    }
}
