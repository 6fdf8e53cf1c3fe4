package dev.stickyfail.benchmarks.failover;

import dev.stickyfail.testkit.workload.ScenarioResult;
import dev.stickyfail.testkit.workload.TimelineEvent;
import dev.stickyfail.testkit.workload.Fault;

import java.time.Duration;
import java.util.Optional;

/**
 * One run of the benchmark: a fault, a contender, and what was measured.
 *
 * @param settings the URL as used, servers named db0, db1
 */
public record Run(Fault fault, String contender, int repeat, String settings, ScenarioResult result) {

    /** From the fault to the driver's switch, for drivers that report one. */
    public Optional<Duration> faultToSwitch() {
        return result.firstAfterFault(TimelineEvent.Kind.SWITCH)
                .map(e -> Duration.ofNanos(e.atNanos() - result.faultAtNanos()));
    }

    public String title() {
        return fault.id() + ": " + contender + (repeat > 1 ? " #" + repeat : "");
    }
}
