package dev.stickyfail.admin;

import java.time.Instant;

/**
 * The group's decision as the admin API shows it.
 *
 * @param server    {@code host:port} of the active server
 * @param epoch     grows by one at every switch
 * @param decidedBy the application instance that made it (its id), for a shared store; this instance's id otherwise
 * @param decidedAt when it was made (wall clock of the instance that made it)
 * @param reason    why, in words
 * @param persisted whether it is durable (state file or shared store written); {@code false} means a restart could not
 *                  trust it
 */
public record DecisionInfo(String server, long epoch, String decidedBy, Instant decidedAt, String reason,
                           boolean persisted) {
}
