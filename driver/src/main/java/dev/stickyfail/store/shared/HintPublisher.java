package dev.stickyfail.store.shared;

/**
 * Tells the other instances, best effort, that the shared decision may have changed, so they read at once instead of
 * at their next poll (a Hazelcast topic). It never carries the decision itself: instances always read the register.
 */
@FunctionalInterface
public interface HintPublisher {

    /** A publisher that tells nobody: the others learn of a change at their next read. */
    HintPublisher NONE = epoch -> {
    };

    /**
     * Called after this instance changed the decision register. Must not block and must not throw: a hint that is lost
     * costs one poll period.
     *
     * @param epoch the epoch now stored (0 when the register was set to "no decision yet")
     */
    void decisionChanged(long epoch);
}
