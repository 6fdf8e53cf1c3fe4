package dev.stickyfail.hazelcast;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.IAtomicReference;
import com.hazelcast.cp.exception.CPGroupDestroyedException;
import com.hazelcast.topic.ITopic;
import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import dev.stickyfail.store.shared.Register;
import dev.stickyfail.store.shared.SharedDecisionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * {@code stickyfail.store=hazelcast}: the {@link SharedDecisionStore} protocol over two Hazelcast CP
 * {@link IAtomicReference}s in the default CP group, so that they are lost together:
 * <ul>
 *   <li>{@code stickyfail.decision.<group>}: the decision;</li>
 *   <li>{@code stickyfail.instances.<group>}: the instance table;</li>
 *   <li>{@code stickyfail.hints.<group>}, an ordinary topic: "the decision changed", so other instances read at once
 *       instead of at their next poll.</li>
 * </ul>
 * This class only adapts: it acquires the Hazelcast instance, bounds every store call (a few CP operations) by
 * {@code stickyfail.hazelcast.callTimeout} in total, creates the proxies again after the embedded member restarted or
 * the CP group was destroyed by a {@code reset()} (whose lost values the protocol's census handles), and carries hints.
 *
 * <p>Called by one thread at a time (the group's); the hint listener runs on Hazelcast's threads.
 */
public final class HazelcastDecisionStore implements DecisionStore {

    private static final Logger LOG = LoggerFactory.getLogger(HazelcastDecisionStore.class);
    static final int EXPIRY_LEASES = SharedDecisionStore.EXPIRY_LEASES;

    private final StoreContext context;
    private final HazelcastSettings settings;
    private final String log;
    private final String decisionName;
    private final String instancesName;
    private final String hintsName;
    private final SharedDecisionStore protocol;
    private HazelcastHandle handle;
    private long proxiesGeneration = -1;
    private IAtomicReference<String> decisionRef;
    private IAtomicReference<String> instancesRef;
    private volatile ITopic<String> hints;
    private volatile Runnable hint;
    /**
     * The last epoch this instance announced. Its own message comes back to it, and the wake-up it caused cost the
     * switching instance a needless read of the decision inside its barrier, before its next look at the
     * acknowledgements (the switch's own compare-and-set already told it).
     */
    private volatile String announced;
    private UUID hintRegistration;
    private CompletableFuture<List<IAtomicReference<String>>> creating;
    private long creatingGeneration = -1;
    /** The end of the current store call's budget (System.nanoTime: Hazelcast's calls run on real time). */
    private long deadline;
    private boolean ready;
    private volatile boolean closed;

    HazelcastDecisionStore(StoreContext context, HazelcastSettings settings) {
        this.context = context;
        this.settings = settings;
        this.log = "stickyfail[" + context.group() + "]";
        String key = URLEncoder.encode(context.group(), StandardCharsets.UTF_8); // no '@': it would name a CP group
        this.decisionName = "stickyfail.decision." + key;
        this.instancesName = "stickyfail.instances." + key;
        this.hintsName = "stickyfail.hints." + key;
        this.protocol = new SharedDecisionStore(context, new CpRegister(decisionName, refs -> refs.decision),
                new CpRegister(instancesName, refs -> refs.instances), this::publishHint,
                RandomGenerator.of("L64X128MixRandom"));
    }

    /**
     * Joins (the first call acquires the member or client and waits for the CP Subsystem to form, within
     * {@code stickyfail.hazelcast.startTimeout}), then the protocol's start, which throws while a census waits.
     */
    @Override
    public synchronized Decision start(Decision local) throws SQLException {
        if (handle == null) {
            handle = HazelcastHandle.acquire(settings, log);
        }
        if (!ready) {
            handle.awaitReady(settings, log); // also refuses a cluster without CP Subsystem: until it passes once
            ready = true;
        }
        budget();
        Decision shared = protocol.start(local);
        LOG.info("{} hazelcast store ready ({}): decision {}", log, describe(),
                shared == null ? "none yet" : "epoch " + shared.epoch() + " on " + shared.server());
        return shared;
    }

    @Override
    public synchronized Decision propose(long expectedEpoch, Decision next) throws SQLException {
        budget();
        return protocol.propose(expectedEpoch, next);
    }

    @Override
    public synchronized Decision read() throws SQLException {
        budget();
        return protocol.read();
    }

    @Override
    public synchronized void acknowledge(long epoch) throws SQLException {
        budget();
        protocol.acknowledge(epoch);
    }

    @Override
    public synchronized Acknowledgements acknowledgements(long epoch) throws SQLException {
        budget();
        return protocol.acknowledgements(epoch);
    }

    @Override
    public Duration lease() {
        return context.lease();
    }

    @Override
    public void onChange(Runnable hint) {
        this.hint = hint;
        synchronized (this) {
            if (handle != null && decisionRef != null) {
                try {
                    budget();
                    proxies();
                } catch (SQLException e) {
                    LOG.debug("{} hint channel: {}", log, e.toString());
                }
            }
        }
    }

    @Override
    public String describe() {
        return "hazelcast store (" + (handle == null ? "not started" : handle.describe()) + ")";
    }

    @Override
    public void close() {
        close(true);
    }

    @Override
    public void closeWithoutLeaving() {
        close(false);
    }

    private void close(boolean leave) {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (this) {
            if (handle == null) {
                return;
            }
            if (decisionRef != null) {
                deadline = System.nanoTime() + settings.callTimeout().toNanos();
                if (leave) {
                    protocol.close();
                } else {
                    protocol.closeWithoutLeaving();
                }
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
    }

    // ---- Hazelcast

    private void budget() throws SQLException {
        if (handle == null) {
            throw new SQLNonTransientConnectionException(log + " the hazelcast store was not started", "08001");
        }
        deadline = System.nanoTime() + settings.callTimeout().toNanos();
    }

    private Duration left(String what) throws SQLException {
        long nanos = deadline - System.nanoTime();
        if (nanos <= 0) {
            throw new SQLTransientConnectionException(log + " " + describe() + " did not answer " + what + " within "
                    + settings.callTimeout().toMillis() + " ms for the whole store call (stickyfail.hazelcast.callTimeout)",
                    "08001");
        }
        return Duration.ofNanos(nanos);
    }

    /** The two CP references, as last created. */
    private record Refs(IAtomicReference<String> decision, IAtomicReference<String> instances) {
    }

    /** One CP {@link IAtomicReference}, created again whenever the member restarted or its CP group was destroyed. */
    private final class CpRegister implements Register {
        private final String name;
        private final Function<Refs, IAtomicReference<String>> pick;

        CpRegister(String name, Function<Refs, IAtomicReference<String>> pick) {
            this.name = name;
            this.pick = pick;
        }

        @Override
        public String get() throws SQLException {
            return call(ref -> ref.getAsync(), "the read of " + name);
        }

        @Override
        public boolean compareAndSet(String expect, String update) throws SQLException {
            return call(ref -> ref.compareAndSetAsync(expect, update), "the compare-and-set of " + name);
        }

        @Override
        public String name() {
            return "hazelcast IAtomicReference " + name;
        }

        private <T> T call(Function<IAtomicReference<String>, CompletionStage<T>> op, String what) throws SQLException {
            proxies();
            String store = log + " " + describe();
            try {
                return Calls.await(op.apply(pick.apply(refs())), left(what), what, store);
            } catch (SQLException e) {
                if (!groupDestroyed(e)) {
                    throw e;
                }
                // a destroyed group applied nothing: once more on the new one (whose values are gone: the census)
                proxies();
                return Calls.await(op.apply(pick.apply(refs())), left(what), what, store);
            }
        }
    }

    private Refs refs() {
        return new Refs(decisionRef, instancesRef);
    }

    /** Creates (again, after the embedded member restarted or a CP reset) the proxies and the hint listener. */
    private void proxies() throws SQLException {
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
                refs = Calls.awaitWithoutCancel(creating, left("the creation of " + decisionName),
                        "the creation of " + decisionName, store);
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
                if (current != null && !closed && !m.getMessageObject().equals(announced)) {
                    current.run();
                }
            }), left("the subscription to " + hintsName), "the subscription to " + hintsName, store);
        }
    }

    private void publishHint(long epoch) {
        ITopic<String> topic = hints;
        if (topic == null) {
            return;
        }
        String message = Long.toString(epoch);
        announced = message;
        try {
            topic.publishAsync(message);
        } catch (RuntimeException e) {
            LOG.debug("{} publishing the hint for epoch {}: {}", log, epoch, e.toString());
        }
    }

    /**
     * After a CP {@code reset()} every proxy fails with CPGroupDestroyedException until it is created again; the values
     * are gone too, and the protocol's census seeds the decision again.
     */
    private boolean groupDestroyed(SQLException e) {
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
}
