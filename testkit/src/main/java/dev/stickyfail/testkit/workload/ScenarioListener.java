package dev.stickyfail.testkit.workload;

/** Follows a run live, e.g. to narrate it. Called from the run's threads: keep it quick. */
public interface ScenarioListener {

    /** An event was added to the run's timeline. */
    default void onEvent(TimelineEvent event) {
    }

    /** About once a second while the writers run. */
    default void onTick(Tick tick) {
    }
}
