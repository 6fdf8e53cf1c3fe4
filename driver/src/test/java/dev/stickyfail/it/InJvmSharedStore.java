package dev.stickyfail.it;

import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A shared store for testing the runtime's side of the protocol (leases, remote decisions, acknowledgements) in one
 * JVM: what other instances would do is done by the test, through the static state. {@code stickyfail.store=injvm}.
 * The real shared store (Hazelcast) is tested with real members in the {@code hazelcast} module.
 */
public final class InJvmSharedStore implements DecisionStore {

    /** The decision, by group. */
    static final Map<String, AtomicReference<Decision>> DECISIONS = new ConcurrentHashMap<>();
    /** Groups whose store cannot be reached: every call throws. */
    static final Set<String> UNREACHABLE = ConcurrentHashMap.newKeySet();
    /** Groups whose store takes a compare-and-set and then fails the call (the answer was lost). */
    static final Set<String> LOSES_ANSWERS = ConcurrentHashMap.newKeySet();
    /** Epoch acknowledged by each other (pretend) instance, by group. */
    static final Map<String, Map<String, Long>> OTHER_ACKS = new ConcurrentHashMap<>();

    private final StoreContext context;

    private InJvmSharedStore(StoreContext context) {
        this.context = context;
    }

    public static final class Factory implements DecisionStoreFactory {
        @Override
        public String name() {
            return "injvm";
        }

        @Override
        public DecisionStore create(StoreContext context) {
            return new InJvmSharedStore(context);
        }
    }

    static void reset(String group) {
        DECISIONS.remove(group);
        UNREACHABLE.remove(group);
        LOSES_ANSWERS.remove(group);
        OTHER_ACKS.remove(group);
    }

    private AtomicReference<Decision> ref() throws SQLException {
        if (UNREACHABLE.contains(context.group())) {
            throw new SQLTransientConnectionException("injvm store unreachable (test)", "08001");
        }
        return DECISIONS.computeIfAbsent(context.group(), g -> new AtomicReference<>());
    }

    @Override
    public Decision start(Decision local) throws SQLException {
        AtomicReference<Decision> ref = ref();
        ref.accumulateAndGet(local, (cur, loc) -> loc != null && loc.isNewerThan(cur) ? loc : cur);
        return ref.get();
    }

    @Override
    public Decision propose(long expectedEpoch, Decision next) throws SQLException {
        AtomicReference<Decision> ref = ref();
        Decision stored = ref.updateAndGet(cur -> (cur == null ? 0 : cur.epoch()) == expectedEpoch ? next : cur);
        if (LOSES_ANSWERS.contains(context.group())) {
            throw new SQLTransientConnectionException("injvm store: compare-and-set did not answer in time (test)", "08001");
        }
        return stored;
    }

    @Override
    public Decision read() throws SQLException {
        return ref().get();
    }

    @Override
    public void acknowledge(long epoch) throws SQLException {
        ref();
    }

    @Override
    public Acknowledgements acknowledgements(long epoch) throws SQLException {
        ref();
        boolean all = OTHER_ACKS.getOrDefault(context.group(), Map.of()).values().stream().allMatch(e -> e >= epoch);
        return new Acknowledgements(all, context.lease(), all ? java.util.List.of() : java.util.List.of("other"));
    }

    @Override
    public Duration lease() {
        return context.lease();
    }

    @Override
    public String describe() {
        return "injvm (test)";
    }

    @Override
    public void close() {
    }
}
