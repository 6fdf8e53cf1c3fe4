package dev.stickyfail.admin;

/**
 * How this instance stands with the decision store.
 *
 * @param store               where the decision lives, e.g. {@code local} or {@code hazelcast (...)}
 * @param shared              whether other instances share it (then the lease below applies)
 * @param leaseHeld           whether this instance trusts the decision now (always true for a local store)
 * @param leaseRemainingMillis how long the lease lasts without a new confirmation (negative: expired that long ago)
 * @param sinceConfirmedMillis since the last confirming read was sent
 * @param lastStoreError      the store's last error while unconfirmed, or an empty string
 * @param routing             whether this instance hands out connections now (a decision, its switch complete here,
 *                            the lease held, the decided server up and not in maintenance here)
 * @param notRoutingWhy       why not, or an empty string: e.g. the decided server is down as this instance sees it
 *                            (another instance decided it), the lease is lost, a switch is in progress
 */
public record CoordinationInfo(String store, boolean shared, boolean leaseHeld, long leaseRemainingMillis,
                               long sinceConfirmedMillis, String lastStoreError, boolean routing, String notRoutingWhy) {
}
