package dev.stickyfail.it;

import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.DecisionStoreFactory;
import dev.stickyfail.store.StoreContext;
import dev.stickyfail.store.shared.InMemoryRegister;
import dev.stickyfail.store.shared.SharedDecisionStore;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A shared store for testing the runtime's side of the protocol (leases, remote decisions, acknowledgements) in one
 * JVM: the real {@link SharedDecisionStore} over in-memory registers, one pair per group, so every DataSource of a
 * group in this JVM is one instance of it. {@code stickyfail.store=injvm}. What other instances would do, the test does
 * through the static hooks. The Hazelcast store is tested with real members in the {@code hazelcast} module.
 */
public final class InJvmSharedStore implements DecisionStore {

    /** The registers of each group. A group that is used for the first time starts without a census. */
    private static final Map<String, Registers> GROUPS = new ConcurrentHashMap<>();
    /** Groups whose store cannot be reached: every call throws, and nothing takes effect. */
    static final Set<String> UNREACHABLE = ConcurrentHashMap.newKeySet();
    /** Groups whose store takes a compare-and-set and then fails the call (the answer was lost). */
    static final Set<String> LOSES_ANSWERS = ConcurrentHashMap.newKeySet();
    /** Epoch acknowledged by each other (pretend) instance, by group: they count as live instances of that group. */
    static final Map<String, Map<String, Long>> OTHER_ACKS = new ConcurrentHashMap<>();
    /** How each group's last instance closed its store: {@code left} or {@code stayed}. */
    static final Map<String, String> CLOSED = new ConcurrentHashMap<>();
    /** The other (pretend) instances' longest lease, by group, when longer than the real instances'. */
    static final Map<String, Duration> OTHER_LEASE = new ConcurrentHashMap<>();

    private record Registers(InMemoryRegister decision, InMemoryRegister instances, List<String> servers) {
    }

    private final StoreContext context;
    private final SharedDecisionStore protocol;

    private InJvmSharedStore(StoreContext context) {
        this.context = context;
        Registers r = registers(context.group(), context.servers());
        this.protocol = new SharedDecisionStore(context, r.decision(), r.instances());
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

    private static Registers registers(String group, List<String> servers) {
        return GROUPS.computeIfAbsent(group, g -> {
            Registers r = new Registers(new InMemoryRegister("injvm decision " + g),
                    new InMemoryRegister("injvm instances " + g), servers);
            try {
                SharedDecisionStore.initialize(r.decision(), r.instances(), "1.injvm-" + g); // new: no census
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            return r;
        });
    }

    /** Forgets the group: its next store starts a new one. */
    static void reset(String group) {
        GROUPS.remove(group);
        UNREACHABLE.remove(group);
        LOSES_ANSWERS.remove(group);
        OTHER_ACKS.remove(group);
        OTHER_LEASE.remove(group);
    }

    /** The group's shared decision as it is stored, or null. */
    static Decision current(String group) {
        String raw = GROUPS.get(group).decision().peek();
        return raw == null || raw.startsWith("stickyfail-decision/none") ? null : Decision.decode(raw);
    }

    /**
     * What another instance does when its probes want a switch: it joins the group, proposes the decision following
     * the current one, and leaves (so nobody waits for its acknowledgements).
     *
     * @return the decision stored afterwards
     */
    static Decision switchAsAnotherInstance(String group, String server, String instanceId, String reason)
            throws SQLException {
        Registers r = GROUPS.get(group);
        StoreContext ctx = new StoreContext(group, r.servers(), instanceId, Duration.ofSeconds(10), Map.of());
        try (SharedDecisionStore other = new SharedDecisionStore(ctx, r.decision(), r.instances())) {
            Decision now = other.start(null);
            return other.propose(now == null ? 0 : now.epoch(), Decision.next(now, server, instanceId, reason));
        }
    }

    /** The group's registers, for a test that loses or corrupts them. */
    static InMemoryRegister decisionRegister(String group) {
        return GROUPS.get(group).decision();
    }

    static InMemoryRegister instancesRegister(String group) {
        return GROUPS.get(group).instances();
    }

    private void reach() throws SQLException {
        if (UNREACHABLE.contains(context.group())) {
            throw new SQLTransientConnectionException("injvm store unreachable (test)", "08001");
        }
    }

    @Override
    public Decision start(Decision local) throws SQLException {
        reach();
        return protocol.start(local);
    }

    @Override
    public Decision propose(long expectedEpoch, Decision next) throws SQLException {
        reach();
        Decision stored = protocol.propose(expectedEpoch, next);
        if (LOSES_ANSWERS.contains(context.group())) {
            throw new SQLTransientConnectionException("injvm store: compare-and-set did not answer in time (test)", "08001");
        }
        return stored;
    }

    @Override
    public Decision read() throws SQLException {
        reach();
        return protocol.read();
    }

    @Override
    public void acknowledge(long epoch) throws SQLException {
        reach();
        protocol.acknowledge(epoch);
    }

    @Override
    public Acknowledgements acknowledgements(long epoch) throws SQLException {
        reach();
        Acknowledgements real = protocol.acknowledgements(epoch);
        List<String> waiting = new ArrayList<>(real.waitingFor());
        OTHER_ACKS.getOrDefault(context.group(), Map.of()).forEach((id, acked) -> {
            if (acked < epoch) {
                waiting.add(id);
            }
        });
        Duration others = OTHER_LEASE.getOrDefault(context.group(), Duration.ZERO);
        Duration longest = others.compareTo(real.longestLease()) > 0 ? others : real.longestLease();
        return new Acknowledgements(waiting.isEmpty(), longest, waiting);
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
        CLOSED.put(context.group(), "left");
        protocol.close();
    }

    @Override
    public void closeWithoutLeaving() {
        CLOSED.put(context.group(), "stayed");
        protocol.closeWithoutLeaving();
    }
}
