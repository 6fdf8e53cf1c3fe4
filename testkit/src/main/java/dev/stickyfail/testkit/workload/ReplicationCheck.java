package dev.stickyfail.testkit.workload;

import java.time.Duration;

/**
 * Replication after a run.
 *
 * @param caughtUp  every replica applied everything its source logged, within the timeout
 * @param healthy   every direction has both threads running and no error
 * @param took      how long catching up took
 * @param detail    each direction's state, or what went wrong
 */
public record ReplicationCheck(boolean caughtUp, boolean healthy, Duration took, String detail) {

    public boolean ok() {
        return caughtUp && healthy;
    }
}
