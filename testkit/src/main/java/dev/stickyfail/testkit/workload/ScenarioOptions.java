package dev.stickyfail.testkit.workload;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link FailoverScenario} runs: {@code writers} threads write {@code rate} rows per second in total; the
 * primary gets {@code fault} after {@code before}, is healed after {@code outage}, and the writers go on for
 * {@code after}. Immutable; derive variants with the {@code with*} methods.
 *
 * @param writers            writer threads, spread over the clients
 * @param rate               operations per second, all writers together (each writer keeps its own fixed pace)
 * @param before             writing before the fault
 * @param outage             from the fault to its healing
 * @param after              writing after the healing
 * @param fault              what happens to the primary
 * @param heldThreshold      a successful operation that took at least this long was held (it waited, then
 *                           succeeded)
 * @param stopGrace          how long, once the run is over, writers may take to finish the operation they are in;
 *                           the ones still blocked are recorded as unfinished
 * @param replicationTimeout how long replication may take to catch up after the run
 * @param table              the table the writers insert into (created if missing; rows carry the run's id)
 */
public record ScenarioOptions(int writers, int rate, Duration before, Duration outage, Duration after, Fault fault,
                              Duration heldThreshold, Duration stopGrace, Duration replicationTimeout, String table) {

    public ScenarioOptions {
        if (writers < 1 || writers > 1000) {
            throw new IllegalArgumentException("writers must be 1 to 1000, was " + writers);
        }
        if (rate < writers || rate > 100_000) {
            throw new IllegalArgumentException("rate must be at least one per writer (" + writers + ") and at most "
                    + "100000 per second, was " + rate);
        }
        requirePositive("before", before);
        requirePositive("outage", outage);
        requirePositive("after", after);
        requirePositive("heldThreshold", heldThreshold);
        requirePositive("stopGrace", stopGrace);
        requirePositive("replicationTimeout", replicationTimeout);
        Objects.requireNonNull(fault, "fault");
        if (table == null || !table.matches("[A-Za-z_][A-Za-z0-9_]{0,63}")) {
            throw new IllegalArgumentException("table must be a plain SQL identifier, was " + table);
        }
    }

    private static void requirePositive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + d);
        }
    }

    /** 8 writers, 200 writes/s, 5 s before a kill, 6 s outage, 9 s after; held from 100 ms. */
    public static ScenarioOptions defaults() {
        return new ScenarioOptions(8, 200, Duration.ofSeconds(5), Duration.ofSeconds(6), Duration.ofSeconds(9),
                Fault.KILL, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(60),
                "stickyfail_workload");
    }

    /**
     * The phases of a run of {@code total} length: a quarter before the fault, 30 % outage, the rest after (so the
     * healed server is back long enough to show where writes go then).
     */
    public ScenarioOptions withTotal(Duration total) {
        long ms = total.toMillis();
        if (ms < 3000) {
            throw new IllegalArgumentException("a run needs at least 3s, was " + total);
        }
        long before = ms / 4;
        long outage = ms * 3 / 10;
        return withPhases(Duration.ofMillis(before), Duration.ofMillis(outage), Duration.ofMillis(ms - before - outage));
    }

    public Duration total() {
        return before.plus(outage).plus(after);
    }

    public ScenarioOptions withWriters(int writers) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withRate(int rate) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withPhases(Duration before, Duration outage, Duration after) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withFault(Fault fault) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withHeldThreshold(Duration heldThreshold) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withStopGrace(Duration stopGrace) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withReplicationTimeout(Duration replicationTimeout) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }

    public ScenarioOptions withTable(String table) {
        return new ScenarioOptions(writers, rate, before, outage, after, fault, heldThreshold, stopGrace,
                replicationTimeout, table);
    }
}
