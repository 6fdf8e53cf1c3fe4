package dev.stickyfail.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.exception.CPGroupDestroyedException;
import com.hazelcast.cp.IAtomicReference;
import com.hazelcast.topic.ITopic;
import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code stickyfail.store=hazelcast}: a group's decision in a Hazelcast CP {@link IAtomicReference}, shared by every
 * application instance.
 *
 * <ul>
 *   <li>{@code stickyfail.decision.<group>} holds {@link Decision#encode()} and changes only by compare-and-set of the
 *       exact bytes read, when their epoch is the expected one.</li>
 *   <li>{@code stickyfail.instances.<group>} holds the {@link InstanceTable}: every instance with the epoch it
 *       acknowledged and a heartbeat counter. {@link #acknowledge} writes it; {@link #read} moves this instance's heartbeat
 *       on, asynchronously and at most every third of a lease, so a confirming read costs one linearizable get. An
 *       instance whose counter has not moved for {@value #EXPIRY_LEASES} leases (on the observer's clock) is removed by
 *       whoever notices; {@link #close()} removes this one.</li>
 *   <li>{@code stickyfail.hints.<group>}, an ordinary topic, carries "the decision changed" after each successful
 *       compare-and-set, so other instances read at once instead of at their next poll.</li>
 * </ul>
 * Epochs never go backwards: the highest decision this JVM has seen is kept, and a shared value that is missing or older
 * (a CP {@code reset()}, or every CP member restarted) is set back to it by compare-and-set.
 *
 * <p>Called by one thread at a time (the group's); the hint listener runs on Hazelcast's threads.
 */
public final class HazelcastDecisionStore implements DecisionStore {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastDecisionStore.class);
    static final int EXPIRY_LEASES = 3;
    private static final int MAX_ROUNDS = 16;

    private final StoreContext context;
    private final HazelcastSettings settings;
    private final String log;
    private final String decisionName;
    private final String instancesName;
    private final String hintsName;
    private HazelcastHandle handle;
    private long proxiesGeneration = -1;
    private IAtomicReference<String> decisionRef;
    private IAtomicReference<String> instancesRef;
    private ITopic<String> hints;
    private volatile Runnable hint;
    private UUID hintRegistration;
    private CompletableFuture<List<IAtomicReference<String>>> creating;
    private long creatingGeneration = -1;
    private volatile Decision highest;
    private final Map<String, Seen> seen = new HashMap<>();
    private final AtomicBoolean heartbeatInFlight = new AtomicBoolean();
    /** Starts at the wall clock so that a re-registered or restarted instance never repeats a counter value. */
    private final AtomicLong heartbeats = new AtomicLong(System.currentTimeMillis() * 1000);
    private volatile long lastHeartbeat;
    private volatile boolean closed;

    /** When this observer last saw an instance's heartbeat counter move. */
    private record Seen(long heartbeat, long sinceNanos) {
    }

    HazelcastDecisionStore(StoreContext context, HazelcastSettings settings) {
        this.context = context;
        this.settings = settings;
        this.log = "stickyfail[" + context.group() + "]";
        String key = URLEncoder.encode(context.group(), StandardCharsets.UTF_8); // no '@': it would name a CP group
        this.decisionName = "stickyfail.decision." + key;
        this.instancesName = "stickyfail.instances." + key;
        this.hintsName = "stickyfail.hints." + key;
    }

    @Override
    public Decision start(Decision local) throws SQLException {
        if (local != null) {
            check(local, "this instance's state file");
            noteSeen(local);
        }
        if (handle == null) {
            handle = HazelcastHandle.acquire(settings, log);
        }
        long deadline = System.nanoTime() + settings.startTimeout().toNanos();
        handle.awaitReady(settings, log);
        Decision shared;
        while (true) {
            // A CP group that has just formed elects its leaders first: the first calls may take a few seconds.
            try {
                proxies();
                register();
                shared = reseedIfBehind(readRaw());
                break;
            } catch (SQLTransientConnectionException e) {
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                LOG.debug("{} joining: {}; retrying", log, e.getMessage());
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        LOG.info("{} hazelcast store ready ({}): decision {}", log, describe(),
                shared == null ? "none yet" : "epoch " + shared.epoch() + " on " + shared.server());
        return shared;
    }

    @Override
    public Decision propose(long expectedEpoch, Decision next) throws SQLException {
        if (next.epoch() <= expectedEpoch) {
            throw new IllegalArgumentException("a proposed decision must have a higher epoch than " + expectedEpoch
                    + ", was " + next.epoch());
        }
        check(next, "the proposed decision");
        String mine = next.encode();
        proxies();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String raw = get(decisionRef, "the decision read");
            if (mine.equals(raw)) {
                return won(next);
            }
            Decision stored = decode(raw);
            if (stored == null && highest != null && highest.epoch() > 0) {
                reseedIfBehind(raw); // wiped by a CP reset: put back what this JVM has seen, then decide again
                continue;
            }
            long storedEpoch = stored == null ? 0 : stored.epoch();
            if (storedEpoch != expectedEpoch) {
                return stored; // another instance won this epoch (or a later one)
            }
            try {
                if (cas(decisionRef, raw, mine, "the decision compare-and-set")) {
                    return won(next);
                }
            } catch (SQLException e) {
                // Outcome unknown (timeout, indeterminate state): the next round's read tells whether it landed.
                LOG.debug("{} decision compare-and-set for epoch {}: {}; reading back", log, next.epoch(), e.toString());
                String after;
                try {
                    after = get(decisionRef, "the decision read after an unanswered compare-and-set");
                } catch (SQLException again) {
                    again.addSuppressed(e);
                    throw again;
                }
                if (mine.equals(after)) {
                    return won(next);
                }
            }
            // false can also mean our own retried write landed first: the next round's read tells
        }
        throw new SQLNonTransientConnectionException(log + " " + describe() + ": the decision kept changing while epoch "
                + expectedEpoch + " was expected; gave up after " + MAX_ROUNDS + " rounds", "08001");
    }

    @Override
    public Decision read() throws SQLException {
        proxies();
        Decision d = reseedIfBehind(get(decisionRef, "the decision read"));
        maybeHeartbeat();
        return d;
    }

    @Override
    public void acknowledge(long epoch) throws SQLException {
        proxies();
        update(t -> t.beat(context.instanceId(), epoch, heartbeats.incrementAndGet()), "the acknowledgement of epoch " + epoch);
    }

    @Override
    public Acknowledgements acknowledgements(long epoch) throws SQLException {
        proxies();
        InstanceTable table = decodeTable(get(instancesRef, "the instance table read"));
        List<String> expired = observe(table);
        boolean all = true;
        for (InstanceTable.Entry e : table.all()) {
            if (!e.id().equals(context.instanceId()) && e.ackedEpoch() < epoch && !expired.contains(e.id())) {
                all = false;
            }
        }
        if (!expired.isEmpty()) {
            removeExpired(expired);
        }
        return new Acknowledgements(all, context.lease(), all ? List.of() : List.of("some instances"));
    }

    @Override
    public Duration lease() {
        return context.lease();
    }

    @Override
    public void onChange(Runnable hint) {
        this.hint = hint;
        if (decisionRef != null) {
            try {
                proxies();
            } catch (SQLException e) {
                LOG.debug("{} hint channel: {}", log, e.toString());
            }
        }
    }

    @Override
    public String describe() {
        return "hazelcast store (" + (handle == null ? "not started" : handle.describe()) + ")";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (handle == null) {
            return;
        }
        try {
            if (instancesRef != null) {
                update(t -> t.without(List.of(context.instanceId())), "the removal of this instance");
            }
        } catch (SQLException | RuntimeException e) {
            LOG.info("{} could not remove this instance from the shared instance table ({}); the others expire it "
                    + "after {} leases", log, e.getMessage(), EXPIRY_LEASES);
        }
        try {
            if (hints != null && hintRegistration != null) {
                hints.removeMessageListener(hintRegistration);
            }
        } catch (RuntimeException e) {
            LOG.debug("{} removing the hint listener: {}", log, e.toString());
        }
        handle.release();
    }

    // ---- the decision

    private Decision won(Decision next) {
        noteSeen(next);
        publishHint(next.epoch());
        return next;
    }

    /** Sets a missing or older shared decision back to the highest this JVM has seen; returns what is stored then. */
    private Decision reseedIfBehind(String raw) throws SQLException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Decision stored = decode(raw);
            noteSeen(stored);
            Decision h = highest;
            if (h == null || (stored != null && stored.epoch() >= h.epoch())) {
                return stored;
            }
            String encoded = h.encode();
            if (cas(decisionRef, raw, encoded, "the compare-and-set that seeds the decision")) {
                if (stored == null) {
                    LOG.info("{} seeded the shared decision: epoch {} on {}", log, h.epoch(), h.server());
                } else {
                    LOG.warn("{} the shared decision had epoch {}, older than epoch {} this instance knows (a CP reset or a "
                            + "restart of every CP member?); set it back to epoch {} on {}", log, stored.epoch(), h.epoch(),
                            h.epoch(), h.server());
                }
                publishHint(h.epoch());
                return h;
            }
            raw = get(decisionRef, "the decision read");
        }
        throw new SQLNonTransientConnectionException(log + " " + describe() + ": the decision kept changing while it was "
                + "being seeded", "08001");
    }

    private Decision decode(String raw) throws SQLException {
        if (raw == null) {
            return null;
        }
        Decision d;
        try {
            d = Decision.decode(raw);
        } catch (IllegalArgumentException e) {
            throw new SQLNonTransientConnectionException(log + " the Hazelcast reference " + decisionName + " holds no "
                    + "stickyfail decision: " + e.getMessage(), "08001", e);
        }
        check(d, "the shared decision in " + decisionName);
        return d;
    }

    private void check(Decision d, String where) throws SQLException {
        if (!context.servers().contains(d.server())) {
            throw new SQLNonTransientConnectionException(log + " " + where + " names server " + d.server() + " (epoch "
                    + d.epoch() + ", decided by " + d.decidedBy() + "), which is not one of this group's servers "
                    + context.servers() + "; refusing to follow it: another application's group of the same name, or a "
                    + "URL that differs between instances", "08001");
        }
    }

    private void noteSeen(Decision d) {
        if (d != null && d.isNewerThan(highest)) {
            highest = d;
        }
    }

    private String readRaw() throws SQLException {
        return get(decisionRef, "the decision read");
    }

    // ---- the instance table: acknowledgements and liveness

    private interface Change {
        InstanceTable apply(InstanceTable table);
    }

    private void update(Change change, String what) throws SQLException {
        for (int round = 0; round < MAX_ROUNDS; round++) {
            String raw = get(instancesRef, "the instance table read");
            InstanceTable table = decodeTable(raw);
            observe(table);
            String next = change.apply(table).encode();
            if (next.equals(raw)) {
                return;
            }
            if (cas(instancesRef, raw, next, what)) {
                lastHeartbeat = System.nanoTime();
                return;
            }
        }
        throw new SQLNonTransientConnectionException(log + " " + describe() + ": the instance table kept changing during "
                + what, "08001");
    }

    private void register() throws SQLException {
        update(t -> t.beat(context.instanceId(), 0, heartbeats.incrementAndGet()), "the registration of this instance");
    }

    /** At most every third of a lease, in the background: a confirming read stays one round trip. */
    private void maybeHeartbeat() {
        long every = Math.max(1, context.lease().toNanos() / 3);
        if (System.nanoTime() - lastHeartbeat < every || !heartbeatInFlight.compareAndSet(false, true)) {
            return;
        }
        IAtomicReference<String> ref = instancesRef;
        ref.getAsync().thenCompose(raw -> {
            InstanceTable table = decodeTable(raw);
            synchronized (seen) {
                observe(table);
            }
            return ref.compareAndSetAsync(raw, table.beat(context.instanceId(), 0, heartbeats.incrementAndGet()).encode());
        }).whenComplete((ok, err) -> {
            heartbeatInFlight.set(false);
            if (Boolean.TRUE.equals(ok)) {
                lastHeartbeat = System.nanoTime();
            } else if (err != null) {
                LOG.debug("{} heartbeat: {}", log, err.toString());
            }
        });
    }

    /** Notes heartbeats; returns the instances (other than this one) whose counter has not moved for the expiry. */
    private List<String> observe(InstanceTable table) {
        long now = System.nanoTime();
        long expiry = context.lease().toNanos() * EXPIRY_LEASES;
        List<String> expired = new ArrayList<>();
        synchronized (seen) {
            seen.keySet().retainAll(table.entries().keySet());
            for (InstanceTable.Entry e : table.all()) {
                Seen s = seen.get(e.id());
                if (s == null || s.heartbeat() != e.heartbeat()) {
                    seen.put(e.id(), new Seen(e.heartbeat(), now));
                } else if (now - s.sinceNanos() > expiry && !e.id().equals(context.instanceId())) {
                    expired.add(e.id());
                }
            }
        }
        return expired;
    }

    private void removeExpired(List<String> expired) {
        try {
            update(t -> {
                List<String> still = new ArrayList<>();
                for (String id : expired) {
                    InstanceTable.Entry e = t.get(id);
                    Seen s;
                    synchronized (seen) {
                        s = seen.get(id);
                    }
                    if (e != null && s != null && s.heartbeat() == e.heartbeat()) {
                        still.add(id);
                    }
                }
                return t.without(still);
            }, "the removal of expired instances");
            LOG.info("{} removed instance(s) {} from the shared instance table: no heartbeat for {} leases ({} ms)", log,
                    expired, EXPIRY_LEASES, context.lease().toMillis() * EXPIRY_LEASES);
        } catch (SQLException e) {
            LOG.debug("{} removing expired instances: {}", log, e.toString());
        }
    }

    private InstanceTable decodeTable(String raw) {
        try {
            return InstanceTable.decode(raw);
        } catch (IllegalArgumentException e) {
            LOG.warn("{} the Hazelcast reference {} holds no stickyfail instance table ({}); starting it afresh", log,
                    instancesName, e.getMessage());
            return InstanceTable.EMPTY;
        }
    }

    // ---- Hazelcast

    /** Creates (again, after the embedded member restarted) the proxies and the hint listener. */
    private void proxies() throws SQLException {
        if (handle == null) {
            throw new SQLNonTransientConnectionException(log + " the hazelcast store was not started", "08001");
        }
        long generation = handle.generation();
        if (generation == proxiesGeneration && decisionRef != null && (hint == null || hintRegistration != null)) {
            return;
        }
        HazelcastInstance hz = handle.instance();
        String store = log + " " + describe();
        if (generation != proxiesGeneration || decisionRef == null) {
            // Creating a CP proxy commits to the METADATA group and blocks while it has no leader: on a daemon thread,
            // and a creation still running is awaited again rather than started once more at every call.
            if (creating == null || creatingGeneration != generation) {
                creating = CompletableFuture.supplyAsync(() -> List.of(
                        hz.getCPSubsystem().<String>getAtomicReference(decisionName),
                        hz.getCPSubsystem().<String>getAtomicReference(instancesName)), Calls.BLOCKING);
                creatingGeneration = generation;
            }
            List<IAtomicReference<String>> refs;
            try {
                refs = Calls.awaitWithoutCancel(creating, settings.callTimeout(), "the creation of " + decisionName, store);
            } catch (SQLException e) {
                if (creating.isDone()) {
                    creating = null; // failed: the next call tries again
                }
                throw e;
            }
            decisionRef = refs.get(0);
            instancesRef = refs.get(1);
            hints = hz.getTopic(hintsName);
            hintRegistration = null;
            proxiesGeneration = generation;
        }
        Runnable h = hint;
        if (h != null && hintRegistration == null) {
            ITopic<String> topic = hints;
            hintRegistration = Calls.blocking(() -> topic.addMessageListener(m -> {
                Runnable current = hint;
                if (current != null && !closed) {
                    current.run();
                }
            }), settings.callTimeout(), "the subscription to " + hintsName, store);
        }
    }

    private void publishHint(long epoch) {
        try {
            hints.publishAsync(Long.toString(epoch));
        } catch (RuntimeException e) {
            LOG.debug("{} publishing the hint for epoch {}: {}", log, epoch, e.toString());
        }
    }

    private String get(IAtomicReference<String> ref, String what) throws SQLException {
        try {
            return Calls.await(ref.getAsync(), settings.callTimeout(), what, log + " " + describe());
        } catch (SQLException e) {
            if (!groupDestroyed(e)) {
                throw e;
            }
            return Calls.await(current(ref).getAsync(), settings.callTimeout(), what, log + " " + describe());
        }
    }

    private boolean cas(IAtomicReference<String> ref, String expect, String update, String what) throws SQLException {
        try {
            return Calls.await(ref.compareAndSetAsync(expect, update), settings.callTimeout(), what, log + " " + describe());
        } catch (SQLException e) {
            if (!groupDestroyed(e)) {
                throw e;
            }
            // a destroyed group applied nothing: try once on the new one
            return Calls.await(current(ref).compareAndSetAsync(expect, update), settings.callTimeout(), what,
                    log + " " + describe());
        }
    }

    /**
     * After a CP {@code reset()} every proxy fails with CPGroupDestroyedException until it is created again; the values
     * are gone too, and {@link #reseedIfBehind} puts the decision back.
     */
    private boolean groupDestroyed(SQLException e) throws SQLException {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CPGroupDestroyedException) {
                LOG.warn("{} the CP group holding the decision was destroyed (a CP reset?); creating the proxies again", log);
                proxiesGeneration = -1;
                creating = null;
                return true;
            }
        }
        return false;
    }

    private IAtomicReference<String> current(IAtomicReference<String> stale) throws SQLException {
        boolean decision = stale == decisionRef;
        proxies();
        return decision ? decisionRef : instancesRef;
    }
}
