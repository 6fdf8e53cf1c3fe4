package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;

/**
 * A switch has begun: from now on no connection is handed out until it completes, and connections to {@code from}
 * (and to every other server but {@code to}) are about to be aborted. Delivered on the group's decider thread
 * <em>before</em> any of them is aborted, so a pool can retire its idle connections to {@code from} before anyone
 * borrows one. Keep the listener quick: the switch waits for it.
 *
 * @param from   the server being left, or {@code null} for the group's first decision
 * @param to     the server being switched to
 * @param epoch  the epoch of the new decision
 * @param reason why, as a fixed set
 * @param detail why, in words
 */
public record SwitchStartingEvent(String group, ServerAddress from, ServerAddress to, long epoch, SwitchReason reason,
                                  String detail) {
}
