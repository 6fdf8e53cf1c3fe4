package dev.stickyfail.testkit.workload;

/**
 * What the writers did in the last interval (about a second), for a progress line.
 *
 * @param atNanos        end of the interval, relative to the run's start
 * @param intervalNanos  its length
 * @param okPerServer    writes committed per server (index) in the interval
 * @param failed         operations that failed in the interval
 * @param held           operations that succeeded in the interval but took at least the held threshold
 * @param inFlight       operations under way at the end of the interval
 * @param okTotal        writes committed since the start
 * @param failedTotal    failures since the start
 */
public record Tick(long atNanos, long intervalNanos, long[] okPerServer, long failed, long held, int inFlight,
                   long okTotal, long failedTotal) {

    /** Writes per second on server {@code index} over the interval. */
    public double ratePerSecond(int index) {
        return okPerServer[index] * 1e9 / intervalNanos;
    }
}
