package dev.stickyfail.internal.decider.sim;

import net.jqwik.api.AfterFailureMode;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The switch protocol under explored schedules of faults: the real decider core, several instances, one shared store,
 * two or three servers, with kills, freezes, partitions, pauses, restarts, store wipes, slow and lost store answers,
 * different leases and operators' switches. At every simulated instant: no two instances can send to different
 * servers; nothing is sent to a server after a newer epoch was sent to another; nothing commits on a server after a
 * newer epoch committed on another, unless it is one of the documented limits (what a hung server had received; what
 * no switching instance could reach to kill); epochs applied by an instance never decrease; and once every fault has
 * healed, every instance routes again within three leases plus 15 s.
 *
 * <p>CI runs a short exploration ({@code jqwik.tries.default} in {@code junit-platform.properties});
 * {@code -Djqwik.tries.default=N} runs more, and {@code -Dsim.focus=store} weights the faults toward a lost or
 * unreachable store (see {@link Schedule}). A failing schedule is printed with its seed; keep it as a case below
 * and study it with {@code -DargLine=-Dsim.verbose=true} (every input and the actions it gave).
 */
class SwitchSimulationTest {

    @Property(shrinking = ShrinkingMode.BOUNDED, afterFailure = AfterFailureMode.SAMPLE_FIRST)
    void theSwitchIsSafeAndLiveUnderAnySchedule(@ForAll("schedules") Schedule schedule, @ForAll long seed) {
        assertSafeAndLive(seed, schedule);
    }

    private static void assertSafeAndLive(long seed, Schedule schedule) {
        Sim sim = new Sim(seed, schedule);
        sim.run();
        assertThat(sim.violations).as(() -> "seed " + seed + "\n" + schedule + "\n--- trace (last events) ---\n"
                + sim.traceTail()).isEmpty();
    }

    @Provide
    Arbitrary<Schedule> schedules() {
        return Schedule.any();
    }

    @Test
    void aQuietFleetWritesAndStaysOnThePrimary() {
        Schedule quiet = new Schedule(2, 3, java.util.List.of(3_000L, 3_000L, 3_000L), false, true, false, 0, 0,
                java.util.List.of(), 1_000);
        Sim sim = new Sim(1, quiet);
        sim.run();
        assertThat(sim.violations).isEmpty();
        assertThat(sim.commits).as("the application wrote").isGreaterThan(1_000);
        assertThat(sim.instances).allSatisfy(i -> assertThat(i.core.decision().server()).isEqualTo("10.0.0.1:3306"));
    }

    /** CI found it (stop 22): the primary down before the first decision, back later, a failback with a lost answer. */
    @Test
    void aFailbackToAPrimaryThatWasDownAtTheFirstDecision() {
        Schedule schedule = new Schedule(2, 3, java.util.List.of(10_000L, 10_000L, 1_000L), true, true, false, 10, 0,
                java.util.List.of(new Schedule.Fault(2_000, Schedule.Kind.KILL_SERVER, 0, 0, 0),
                        new Schedule.Fault(21_145, Schedule.Kind.RESTART_SERVER, 0, 0, 0)), 22_145);
        assertSafeAndLive(139583862445L, schedule);
    }

    /** Found by a 40,000-schedule exploration (seed -14): an instance cut off from the server it leaves, whose peer restarts. */
    @Test
    void aSwitchAwayFromAServerThisInstanceCannotReachWhileItsPeerRestarts() {
        Schedule schedule = new Schedule(2, 2, java.util.List.of(1_000L, 1_000L), true, true, true, 0, 20,
                java.util.List.of(new Schedule.Fault(2_000, Schedule.Kind.KILL_SERVER, 0, 1, 0),
                        new Schedule.Fault(2_000, Schedule.Kind.CUT_INSTANCE_FROM_SERVER, 0, 1, 0),
                        new Schedule.Fault(2_002, Schedule.Kind.KILL_SERVER, 0, 0, 0),
                        new Schedule.Fault(2_100, Schedule.Kind.RESTART_SERVER, 0, 1, 0),
                        new Schedule.Fault(2_103, Schedule.Kind.RESTART_SERVER, 0, 0, 0),
                        new Schedule.Fault(3_028, Schedule.Kind.HEAL_INSTANCE_FROM_SERVER, 0, 1, 0),
                        new Schedule.Fault(3_075, Schedule.Kind.RESTART_INSTANCE, 1, 0, 0)), 4_075);
        assertSafeAndLive(-14L, schedule);
    }

    /** Found by a 40,000-schedule exploration (seed -35049): a liveness hole, one instance never routed again. */
    @Test
    void aPausedInstanceDoesNotSeedALostDecisionOnACensusWindowThatRanWhileItWasPaused() {
        // it saw the register empty, paused 12 s, and resumed just after a wipe: the window it had started before the
        // pause is no census of the register lost now, and seeding on it leaves out its peer's newer decision
        Schedule schedule = new Schedule(2, 2, java.util.List.of(1_000L, 1_000L), true, true, true, 0, 0,
                java.util.List.of(new Schedule.Fault(2_000, Schedule.Kind.KILL_SERVER, 0, 0, 0),
                        new Schedule.Fault(2_000, Schedule.Kind.KILL_SERVER, 0, 0, 0),
                        new Schedule.Fault(2_000, Schedule.Kind.PAUSE_INSTANCE, 1, 0, 12_290),
                        new Schedule.Fault(2_100, Schedule.Kind.RESTART_SERVER, 0, 0, 0),
                        new Schedule.Fault(2_100, Schedule.Kind.RESTART_SERVER, 0, 0, 0),
                        new Schedule.Fault(2_100, Schedule.Kind.KILL_SERVER, 0, 0, 0),
                        new Schedule.Fault(3_097, Schedule.Kind.RESTART_SERVER, 0, 0, 0),
                        new Schedule.Fault(14_226, Schedule.Kind.WIPE_STORE, 0, 0, 0)), 15_290);
        assertSafeAndLive(-35_049L, schedule);
    }

    /**
     * Found by a 40,000-schedule exploration (seed -4113708): an instance cut off from the store while it was wiped and
     * seeded again without it came back at epoch 3 of the old history and refused the new history's epoch 2 as older.
     */
    @Test
    void anInstanceCutOffWhileTheStoreWasSeededAgainFollowsTheNewHistory() {
        Schedule schedule = new Schedule(2, 2, java.util.List.of(1_000L, 1_000L), true, true, true, 0, 0,
                java.util.List.of(new Schedule.Fault(2_000, Schedule.Kind.KILL_SERVER, 0, 0, 0),
                        new Schedule.Fault(2_052, Schedule.Kind.CUT_INSTANCE_FROM_STORE, 0, 0, 0),
                        new Schedule.Fault(2_135, Schedule.Kind.RESTART_SERVER, 0, 0, 0),
                        new Schedule.Fault(3_237, Schedule.Kind.CUT_INSTANCE_FROM_STORE, 1, 0, 0),
                        new Schedule.Fault(9_408, Schedule.Kind.HEAL_INSTANCE_FROM_STORE, 0, 0, 0),
                        new Schedule.Fault(9_424, Schedule.Kind.WIPE_STORE, 1, 1, 0),
                        new Schedule.Fault(11_280, Schedule.Kind.HEAL_INSTANCE_FROM_STORE, 1, 0, 0)), 12_280);
        assertSafeAndLive(-4_113_708L, schedule);
    }

    /**
     * Found by a 40,000-schedule exploration (seed 2): two wipes 270 ms apart, the instance that knew the later history
     * cut off from the store meanwhile; its peer, which had seen neither, seeded a history numbered 1 again, and the
     * instance came back at history 2 and refused it as older.
     */
    @Test
    void anInstanceBackFromALaterHistoryThanTheStoreHoldsStampsTheStoredDecisionAgain() {
        Schedule schedule = new Schedule(2, 2, java.util.List.of(1_000L, 1_000L), true, true, true, 0, 0,
                java.util.List.of(new Schedule.Fault(2_111, Schedule.Kind.WIPE_STORE, 0, 0, 0),
                        new Schedule.Fault(2_380, Schedule.Kind.WIPE_STORE, 0, 0, 0),
                        new Schedule.Fault(2_391, Schedule.Kind.CUT_INSTANCE_FROM_STORE, 0, 0, 0),
                        new Schedule.Fault(4_738, Schedule.Kind.HEAL_INSTANCE_FROM_STORE, 0, 0, 0),
                        new Schedule.Fault(4_738, Schedule.Kind.CUT_INSTANCE_FROM_STORE, 0, 0, 0),
                        new Schedule.Fault(5_071, Schedule.Kind.HEAL_INSTANCE_FROM_STORE, 0, 0, 0)), 6_071);
        assertSafeAndLive(2L, schedule);
    }
}
