package dev.stickyfail.internal.decider.sim;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * What happens to a simulated fleet: its shape (servers, instances and their leases, settings) and its faults in time.
 * Every fault is healed by {@link #healedMillis()}; the run then goes on for {@link #livenessBoundMillis()}, by when
 * every instance must route again.
 */
record Schedule(int servers, int instances, List<Long> leaseMillis, boolean failbackPrimaryUp, boolean serverFence,
                boolean fenceReadOnly, int lostAnswerPercent, int longStatementPercent, List<Fault> faults,
                long healedMillis) {

    enum Kind {
        KILL_SERVER, RESTART_SERVER, FREEZE_SERVER, THAW_SERVER, CUT_INSTANCE_FROM_SERVER, HEAL_INSTANCE_FROM_SERVER,
        CUT_INSTANCE_FROM_STORE, HEAL_INSTANCE_FROM_STORE, SLOW_STORE, PAUSE_INSTANCE, RESTART_INSTANCE, WIPE_STORE,
        ADMIN_SWITCH
    }

    record Fault(long atMillis, Kind kind, int instance, int target, long durationMillis) {
        @Override
        public String toString() {
            return "@" + atMillis + "ms " + kind + " instance=" + instance + " target=" + target
                    + (durationMillis > 0 ? " for " + durationMillis + "ms" : "");
        }
    }

    /** One fault and what heals it, generated together. */
    private record Episode(Kind kind, int instance, int target, long at, long duration) {
        List<Fault> faults() {
            long end = at + duration;
            return switch (kind) {
                case KILL_SERVER -> List.of(new Fault(at, kind, 0, target, 0), new Fault(end, Kind.RESTART_SERVER, 0, target, 0));
                case FREEZE_SERVER -> List.of(new Fault(at, kind, 0, target, 0), new Fault(end, Kind.THAW_SERVER, 0, target, 0));
                case CUT_INSTANCE_FROM_SERVER -> List.of(new Fault(at, kind, instance, target, 0),
                        new Fault(end, Kind.HEAL_INSTANCE_FROM_SERVER, instance, target, 0));
                case CUT_INSTANCE_FROM_STORE -> List.of(new Fault(at, kind, instance, 0, 0),
                        new Fault(end, Kind.HEAL_INSTANCE_FROM_STORE, instance, 0, 0));
                case SLOW_STORE -> List.of(new Fault(at, kind, instance, 0, 200 + duration % 3000),
                        new Fault(end, Kind.SLOW_STORE, instance, 0, 0));
                case PAUSE_INSTANCE -> List.of(new Fault(at, kind, instance, 0, duration));
                default -> List.of(new Fault(at, kind, instance, target, 0));
            };
        }
    }

    long endMillis() {
        return healedMillis + livenessBoundMillis();
    }

    /** Every instance routes again within this after the last fault healed: the bound the protocol promises. */
    long livenessBoundMillis() {
        long longest = leaseMillis.stream().mapToLong(Long::longValue).max().orElse(0);
        return 3 * longest + 15_000;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Schedule[servers=" + servers + ", instances=" + instances + ", leases="
                + leaseMillis + ", failback=" + (failbackPrimaryUp ? "primary-up" : "never") + ", serverFence="
                + serverFence + ", fenceReadOnly=" + fenceReadOnly + ", lostAnswers=" + lostAnswerPercent + "%, long statements="
                + longStatementPercent + "%, healed at " + healedMillis + "ms]");
        for (Fault f : faults) {
            sb.append("\n  ").append(f);
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------- generation

    static Arbitrary<Schedule> any() {
        Arbitrary<Integer> servers = Arbitraries.integers().between(2, 3);
        Arbitrary<Integer> instances = Arbitraries.integers().between(1, 4);
        Arbitrary<List<Long>> leases = Arbitraries.of(1_000L, 2_000L, 3_000L, 10_000L).list().ofSize(4);
        Arbitrary<Boolean> failback = Arbitraries.of(true, false, false);
        Arbitrary<Boolean> fenceReadOnly = Arbitraries.of(true, false, false);
        Arbitrary<Integer> lost = Arbitraries.of(0, 0, 2, 10);
        Arbitrary<Integer> longStatements = Arbitraries.of(0, 5, 20);
        Arbitrary<List<Episode>> episodes = episode().list().ofMinSize(1).ofMaxSize(8);
        return Combinators.combine(servers, instances, leases, failback, fenceReadOnly, lost, longStatements, episodes)
                .as((s, n, l, f, ro, lo, ls, e) -> build(s, n, l, f, ro, lo, ls, e));
    }

    private static Arbitrary<Episode> episode() {
        Arbitrary<Kind> kind = "store".equals(System.getProperty("sim.focus"))
                ? storeFocused()
                : Arbitraries.of(Kind.KILL_SERVER, Kind.FREEZE_SERVER, Kind.CUT_INSTANCE_FROM_SERVER,
                Kind.CUT_INSTANCE_FROM_STORE, Kind.SLOW_STORE, Kind.PAUSE_INSTANCE, Kind.RESTART_INSTANCE, Kind.WIPE_STORE,
                Kind.ADMIN_SWITCH, Kind.KILL_SERVER, Kind.CUT_INSTANCE_FROM_SERVER, Kind.PAUSE_INSTANCE);
        Arbitrary<Integer> who = Arbitraries.integers().between(0, 3);
        Arbitrary<Integer> target = Arbitraries.integers().between(0, 2);
        Arbitrary<Long> at = Arbitraries.longs().between(2_000, 40_000);
        Arbitrary<Long> duration = Arbitraries.longs().between(100, 20_000);
        return Combinators.combine(kind, who, target, at, duration).as(Episode::new);
    }

    /**
     * {@code -Dsim.focus=store}: the faults around a lost or unreachable store (wipes, instances cut off from it,
     * paused or restarted while it changes) three times as often, and a server failure now and then to switch for.
     * Every liveness hole the explorations found so far was there.
     */
    private static Arbitrary<Kind> storeFocused() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(Kind.WIPE_STORE)),
                Tuple.of(3, Arbitraries.just(Kind.CUT_INSTANCE_FROM_STORE)),
                Tuple.of(3, Arbitraries.just(Kind.PAUSE_INSTANCE)),
                Tuple.of(2, Arbitraries.just(Kind.RESTART_INSTANCE)),
                Tuple.of(1, Arbitraries.just(Kind.SLOW_STORE)),
                Tuple.of(1, Arbitraries.just(Kind.KILL_SERVER)),
                Tuple.of(1, Arbitraries.just(Kind.CUT_INSTANCE_FROM_SERVER)),
                Tuple.of(1, Arbitraries.just(Kind.ADMIN_SWITCH)));
    }

    private static Schedule build(int servers, int instances, List<Long> leases, boolean failback, boolean readOnly,
                                  int lost, int longStatements, List<Episode> episodes) {
        List<Fault> faults = new ArrayList<>();
        long healed = 0;
        for (Episode e : episodes) {
            Episode fitted = new Episode(e.kind(), e.instance() % instances, e.target() % servers, e.at(), e.duration());
            for (Fault f : fitted.faults()) {
                faults.add(f);
                healed = Math.max(healed, f.atMillis() + f.durationMillis());
            }
        }
        faults.sort(Comparator.comparingLong(Fault::atMillis));
        return new Schedule(servers, instances, leases.subList(0, instances), failback, true, readOnly, lost,
                longStatements, List.copyOf(faults), healed + 1_000);
    }
}
