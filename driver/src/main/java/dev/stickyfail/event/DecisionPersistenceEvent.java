package dev.stickyfail.event;

/**
 * Whether the group's decision is durable (written to {@code stickyfail.stateFile}, or to the shared store). Fired
 * when that changes: {@code persisted=false} after a failed write (the switch went ahead; the stale file was moved
 * aside so a restart cannot trust it), {@code persisted=true} once a retried write succeeded.
 *
 * @param epoch  the epoch of the decision concerned
 * @param detail what failed, or where it was written
 */
public record DecisionPersistenceEvent(String group, long epoch, boolean persisted, String detail) {
}
