package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;

import java.time.Duration;

/**
 * The active server changed.
 *
 * @param from      the server left, or {@code null} for the group's first decision
 * @param epoch     the new decision's epoch
 * @param reason    why, in words ("127.0.0.1:3306 marked down: ...", "admin switchTo", "failback", "initial")
 * @param duration  how long the switch itself took: eviction of every connection not to {@code to}, and storing the decision
 * @param evicted   how many connections the switch aborted
 */
public record SwitchEvent(String group, ServerAddress from, ServerAddress to, long epoch, String reason,
                          Duration duration, int evicted) {
}
