package dev.stickyfail.event;

import dev.stickyfail.config.ServerAddress;

import java.time.Duration;

/**
 * The active server changed, and connections to {@code to} are being handed out.
 *
 * @param from      the server left, or {@code null} for the group's first decision
 * @param epoch     the new decision's epoch
 * @param reason    why, in words ("127.0.0.1:3306 marked down: ...", "admin switchTo", "failback", "initial")
 * @param duration  how long the switch itself took: storing the decision, and fencing every connection not to {@code to}
 * @param evicted   how many connections the switch aborted
 * @param kind      why, as a fixed set (a metric tag)
 * @param detectionToServing from the input that caused the switch (the failed probe or connection error that marked
 *                  the server down, the admin call, the remote decision seen) to the moment connections to {@code to}
 *                  could be handed out
 */
public record SwitchEvent(String group, ServerAddress from, ServerAddress to, long epoch, String reason,
                          Duration duration, int evicted, SwitchReason kind, Duration detectionToServing) {
}
