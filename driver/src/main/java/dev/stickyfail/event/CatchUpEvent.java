package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;

import java.time.Duration;

/**
 * A switch waited for the new server to apply what it had received from the old one ({@code stickyfail.switchCatchUp}).
 *
 * @param outcome {@code CAUGHT_UP}, {@code TIMED_OUT} (switched anyway), {@code NOT_APPLICABLE} (no GTIDs, or the new
 *                server does not replicate from the old one), {@code FAILED} (switched anyway; {@code detail} says why)
 *                or {@code SOURCE_LOST} (switched without waiting out the timeout: the acknowledged commits the new
 *                server lacks cannot arrive before the old one returns; {@code detail} names them)
 * @param waitedFor the transactions waited for, as GTID ranges, or an empty string
 */
public record CatchUpEvent(String group, ServerAddress from, ServerAddress to, long epoch, String outcome,
                           Duration took, String waitedFor, String detail) {
}
