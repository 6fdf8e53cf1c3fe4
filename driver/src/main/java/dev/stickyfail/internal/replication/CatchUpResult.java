package dev.stickyfail.internal.replication;

import java.time.Duration;
import java.util.Optional;

/**
 * How a {@link CatchUp} ended.
 *
 * @param outcome             what happened
 * @param took                from the call to the answer
 * @param detail              why, in words, for the WARN line or the event (empty when caught up with nothing to wait
 *                            for)
 * @param view                what the new server had received, applied and had when the catch-up began (with what it
 *                            was seen to apply meanwhile): the view to record for {@link ErrantTransactions}; empty
 *                            when it could not be read
 * @param waitedFor           the transactions waited for (received but not applied, and acknowledged commits it
 *                            lacked); empty when none
 * @param missingAcknowledged the commits the application was told succeeded that the new server lacked when the
 *                            catch-up ended (an empty set when it had them all); empty when that is not known (its
 *                            GTIDs could not be read)
 * @param missingExact        whether {@code missingAcknowledged} names every such commit (see
 *                            {@link AcknowledgedCommits.Snapshot#exactFor})
 * @param acknowledged        how many acknowledged commits were checked
 */
public record CatchUpResult(Outcome outcome, Duration took, String detail, Optional<ReplicationView> view,
                            Optional<GtidSet> waitedFor, Optional<GtidSet> missingAcknowledged, boolean missingExact,
                            long acknowledged) {

    public CatchUpResult(Outcome outcome, Duration took, String detail, Optional<ReplicationView> view,
                         Optional<GtidSet> waitedFor) {
        this(outcome, took, detail, view, waitedFor, Optional.empty(), true, 0);
    }

    public enum Outcome {
        /**
         * The server applied everything it had received from the source (possibly nothing to wait for) and has every
         * acknowledged commit; without the right to read the replication status, only the latter is known.
         */
        CAUGHT_UP,
        /** The timeout ran out first; the server still had transactions of the source to apply. */
        TIMED_OUT,
        /**
         * Nothing to wait for by construction: no GTIDs, or the server does not replicate from the source (or its
         * status cannot be read) and no acknowledged commit is missing there.
         */
        NOT_APPLICABLE,
        /** The wait could not run or finish: the applier stopped on an error, the server did not answer, abort(). */
        FAILED,
        /**
         * The server lacks acknowledged commits that cannot arrive before the source returns: it applied all it had
         * received, its replication connection is down and the source is gone. Reported without waiting out the
         * timeout.
         */
        SOURCE_LOST
    }

    public boolean caughtUp() {
        return outcome == Outcome.CAUGHT_UP;
    }

    /** Acknowledged commits the new server lacked at the end: known and not none. */
    public boolean missesAcknowledged() {
        return missingAcknowledged.isPresent() && !missingAcknowledged.get().isEmpty();
    }

    @Override
    public String toString() {
        return outcome + " in " + took.toMillis() + " ms" + (detail.isEmpty() ? "" : ": " + detail);
    }
}
