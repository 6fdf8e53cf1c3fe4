package dev.stickyfail.internal.replication;

import java.time.Duration;
import java.util.Optional;

/**
 * How a {@link CatchUp} ended.
 *
 * @param outcome   what happened
 * @param took      from the call to the answer
 * @param detail    why, in words, for the WARN line or the event (empty when caught up with nothing to wait for)
 * @param view      what the new server had received, applied and had when the catch-up began: the view to record
 *                  for {@link ErrantTransactions}; empty when it could not be read
 * @param waitedFor the transactions waited for (received but not applied); empty when none
 */
public record CatchUpResult(Outcome outcome, Duration took, String detail, Optional<ReplicationView> view,
                            Optional<GtidSet> waitedFor) {

    public enum Outcome {
        /** The server applied everything it had received from the source (possibly nothing to wait for). */
        CAUGHT_UP,
        /** The timeout ran out first; the server still had transactions of the source to apply. */
        TIMED_OUT,
        /** Nothing to wait for by construction: no GTIDs, or the server does not replicate from the source. */
        NOT_APPLICABLE,
        /** The wait could not run or finish: the applier stopped on an error, the server did not answer, abort(). */
        FAILED
    }

    public boolean caughtUp() {
        return outcome == Outcome.CAUGHT_UP;
    }

    @Override
    public String toString() {
        return outcome + " in " + took.toMillis() + " ms" + (detail.isEmpty() ? "" : ": " + detail);
    }
}
