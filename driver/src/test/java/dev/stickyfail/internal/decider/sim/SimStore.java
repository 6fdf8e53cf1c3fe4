package dev.stickyfail.internal.decider.sim;

import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import dev.stickyfail.store.shared.InMemoryRegister;
import dev.stickyfail.store.shared.Register;
import dev.stickyfail.store.shared.SharedDecisionStore;

import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The shared store of the simulation: the real {@link SharedDecisionStore} protocol of every instance, over two
 * in-memory registers standing for the CP Subsystem's (linearizable: the simulation runs one event at a time), on the
 * simulation's clock and seeded randomness. A wipe empties both registers, as a CP reset or a restart of every member
 * does. The simulation reads the decision register directly for its invariants, and keeps every decision it held.
 */
final class SimStore {

    private final Sim sim;
    private final InMemoryRegister decisionRegister = new InMemoryRegister("sim decision");
    private final InMemoryRegister instanceRegister = new InMemoryRegister("sim instances");
    private final Register decisions = new Recorded();
    private final List<Decision> history = new ArrayList<>();

    SimStore(Sim sim) {
        this.sim = sim;
    }

    /** Every decision the register held, in order. */
    List<Decision> history() {
        return history;
    }

    /** The decision the register holds now, or {@code null}. */
    Decision decision() {
        return decode(decisionRegister.peek());
    }

    /** The CP Subsystem lost its state: both registers are empty. */
    void wipe() {
        decisionRegister.wipe();
        instanceRegister.wipe();
    }

    /** One instance's store, as its group would create it. */
    DecisionStore forInstance(String id, long leaseNanos, Random random) {
        StoreContext context = new StoreContext("sim", sim.serverNames(), id, Duration.ofNanos(leaseNanos), Map.of(),
                sim::now);
        return new SharedDecisionStore(context, decisions, instanceRegister, epoch -> { }, random);
    }

    private static Decision decode(String raw) {
        if (raw == null || !raw.startsWith("stickyfail-decision/") || raw.startsWith("stickyfail-decision/none")) {
            return null;
        }
        return Decision.decode(raw);
    }

    /** The decision register, noting every value it takes. */
    private final class Recorded implements Register {
        @Override
        public String get() throws SQLException {
            return decisionRegister.get();
        }

        @Override
        public boolean compareAndSet(String expect, String update) throws SQLException {
            boolean set = decisionRegister.compareAndSet(expect, update);
            Decision d = set ? decode(update) : null;
            if (d != null && (history.isEmpty() || !history.get(history.size() - 1).equals(d))) {
                history.add(d);
                if (!d.history().equals(history.size() > 1 ? history.get(history.size() - 2).history() : "")) {
                    sim.trace("store: " + d.server() + " at epoch " + d.epoch() + " in history " + d.history()
                            + " (" + d.decidedBy() + ": " + d.reason() + ")");
                }
            }
            return set;
        }

        @Override
        public String name() {
            return decisionRegister.name();
        }
    }
}
