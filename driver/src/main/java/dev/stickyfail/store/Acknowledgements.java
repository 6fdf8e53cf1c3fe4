package dev.stickyfail.store;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Where the other instances stand on an epoch, as a shared store sees them: whether every instance it knows has
 * acknowledged it (fenced every other server), and, when not, how long the group must wait instead.
 *
 * @param complete     every other live instance has acknowledged the epoch (always true with one instance)
 * @param longestLease the longest {@code stickyfail.lease} among the instances the store knows (this one's included):
 *                     an instance that has not acknowledged stops routing within its own lease, so a switch that
 *                     cannot be acknowledged by all waits for the longest one
 * @param waitingFor   who has not acknowledged, for logs (instance ids, or why membership is unknown)
 */
public record Acknowledgements(boolean complete, Duration longestLease, List<String> waitingFor) {

    public Acknowledgements {
        Objects.requireNonNull(longestLease, "longestLease");
        waitingFor = List.copyOf(waitingFor);
    }

    /** Every instance acknowledged. */
    public static Acknowledgements all(Duration longestLease) {
        return new Acknowledgements(true, longestLease, List.of());
    }
}
