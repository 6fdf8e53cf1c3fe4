package dev.stickyfail.internal.decider.sim;

import dev.stickyfail.store.Acknowledgements;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A linearizable shared store for the simulation, keeping the store SPI's contract: reads register the reader (every
 * lease holder is in the acknowledgement set), entries expire after three of their own leases, acknowledgements report
 * the longest live lease, and a wiped store is re-seeded only after a census, at an epoch above every offer, in a new
 * history. Time is the simulation's.
 */
final class SimStore {

    /** {@code longestSeen}: the longest lease this instance has seen in the table (its census must outlast it). */
    private record Entry(long acked, long lastBeat, long leaseNanos, Decision offered, long longestSeen) {
    }

    private final Sim sim;
    private Decision decision;
    private final List<Decision> history = new ArrayList<>();
    private final Map<String, Entry> table = new LinkedHashMap<>();
    private int histories;
    private long wipedSeenAt = -1;
    /** When the instance table was last lost: membership is unknown for one longest lease after. */
    private long tableLostAt = Long.MIN_VALUE;

    SimStore(Sim sim) {
        this.sim = sim;
    }

    Decision decision() {
        return decision;
    }

    /** Every decision the store held, in order. */
    List<Decision> history() {
        return history;
    }

    private void set(Decision d) {
        decision = d;
        if (d != null && (history.isEmpty() || !history.get(history.size() - 1).equals(d))) {
            history.add(d);
        }
    }

    /** The CP Subsystem lost its state: every value is gone. */
    void wipe() {
        decision = null;
        table.clear();
        wipedSeenAt = sim.now();
        tableLostAt = sim.now();
    }

    /** One instance's view of the store. */
    DecisionStore forInstance(String id, long leaseNanos) {
        return new View(id, leaseNanos);
    }

    /** A lost value is seeded only once every lease anyone here has seen could have run out. */
    private long census() {
        long longest = 0;
        for (Entry e : table.values()) {
            longest = Math.max(longest, Math.max(e.leaseNanos(), e.longestSeen()));
        }
        return longest + Math.max(longest / 10, 500 * Sim.MS);
    }

    private final class View implements DecisionStore {
        private final String id;
        private final long leaseNanos;
        private Decision highest;
        private long longestSeen;

        View(String id, long leaseNanos) {
            this.id = id;
            this.leaseNanos = leaseNanos;
        }

        private void beat(Decision offer) {
            for (Entry other : table.values()) {
                longestSeen = Math.max(longestSeen, other.leaseNanos());
            }
            Entry e = table.get(id);
            table.put(id, new Entry(e == null ? 0 : e.acked(), sim.now(), leaseNanos,
                    offer != null ? offer : e == null ? null : e.offered(), longestSeen));
        }

        private void note(Decision d) {
            if (d != null && (highest == null || d.epoch() > highest.epoch())) {
                highest = d;
            }
        }

        /** A missing value: offer what this instance has seen, and seed once the census is over. */
        private void censusOrSeed() throws SQLException {
            if (decision != null) {
                return;
            }
            beat(highest);
            boolean anyOffer = table.values().stream().anyMatch(e -> e.offered() != null);
            if (!anyOffer && wipedSeenAt < 0) {
                return; // a store that never held anything: the first proposal decides
            }
            if (wipedSeenAt < 0) {
                wipedSeenAt = sim.now();
            }
            long until = wipedSeenAt + census();
            if (sim.now() - until < 0) {
                throw new SQLTransientConnectionException("sim store: census until " + until / Sim.MS + " ms", "08001");
            }
            Decision best = null;
            for (Entry e : table.values()) {
                if (e.offered() != null && (best == null || e.offered().epoch() > best.epoch())) {
                    best = e.offered();
                }
            }
            if (best != null) {
                set(new Decision(best.server(), best.epoch() + 1, "census", sim.wallClock(),
                        "re-seeded after the shared state was lost", "h" + (++histories)));
                sim.trace("store: census seeds " + decision.server() + " at epoch " + decision.epoch());
            }
            wipedSeenAt = -1;
        }

        @Override
        public Decision start(Decision local) throws SQLException {
            note(local);
            if (local != null && decision != null && !local.history().isEmpty()
                    && !local.history().equals(decision.history())) {
                local = null; // another history: not trusted for its epoch alone
            }
            beat(local);
            censusOrSeed();
            note(decision);
            return decision;
        }

        @Override
        public Decision propose(long expectedEpoch, Decision next) throws SQLException {
            beat(null);
            censusOrSeed();
            long stored = decision == null ? 0 : decision.epoch();
            if (stored == expectedEpoch) {
                String history = decision == null ? (next.history().isEmpty() ? "h" + (++histories) : next.history())
                        : decision.history();
                set(next.inHistory(history));
            }
            note(decision);
            return decision;
        }

        @Override
        public Decision read() throws SQLException {
            beat(null);
            censusOrSeed();
            note(decision);
            return decision;
        }

        @Override
        public void acknowledge(long epoch) {
            Entry e = table.get(id);
            table.put(id, new Entry(Math.max(epoch, e == null ? 0 : e.acked()), sim.now(), leaseNanos,
                    e == null ? null : e.offered(), longestSeen));
        }

        @Override
        public Acknowledgements acknowledgements(long epoch) throws SQLException {
            long longest = leaseNanos;
            List<String> waiting = new ArrayList<>();
            if (decision == null || tableLostAt != Long.MIN_VALUE && sim.now() - tableLostAt < census()) {
                // a lost table is unknown membership, never "everyone acknowledged"
                waiting.add("membership unknown since the instance table was lost");
            }
            for (Map.Entry<String, Entry> me : table.entrySet()) {
                Entry e = me.getValue();
                if (sim.now() - e.lastBeat() > 3 * e.leaseNanos()) {
                    continue; // expired
                }
                longest = Math.max(longest, e.leaseNanos());
                if (!me.getKey().equals(id) && e.acked() < epoch) {
                    waiting.add(me.getKey());
                }
            }
            return new Acknowledgements(waiting.isEmpty(), Duration.ofNanos(longest), waiting);
        }

        @Override
        public Duration lease() {
            return Duration.ofNanos(leaseNanos);
        }

        @Override
        public String describe() {
            return "sim store";
        }

        @Override
        public void close() {
            table.remove(id);
        }
    }
}
