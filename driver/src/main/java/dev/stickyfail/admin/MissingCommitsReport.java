package dev.stickyfail.admin;

import java.time.Instant;

/**
 * Commits the application was told succeeded that the server a switch made active did not have when it began taking
 * writes: the switch's catch-up waited {@code stickyfail.switchCatchUpTimeout} for them on that server, and they did
 * not arrive (the old primary died before shipping them, or the new server's replication is stopped or behind). Until
 * they arrive, if ever, the application does not see them there; writes it makes meanwhile may conflict with them.
 *
 * @param oldServer the server switched away from
 * @param newServer the server switched to, which lacked them
 * @param epoch     the epoch of that switch
 * @param count     how many commits (a lower bound when {@code exact} is false)
 * @param exact     whether {@code ranges} names every such commit (false when more commits were acknowledged during
 *                  the replication delay than stickyfail keeps one by one: then earlier ones may be missing too)
 * @param ranges    the GTID ranges, e.g. {@code 1-1-101..150} (MariaDB) or {@code 3e11fa47-...:101-150} (MySQL)
 * @param at        when the catch-up ended
 * @param message   the one line logged at WARN
 */
public record MissingCommitsReport(String oldServer, String newServer, long epoch, long count, boolean exact,
                                   String ranges, Instant at, String message) {
}
