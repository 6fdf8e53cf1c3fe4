package dev.stickyfail.admin;

import java.time.Instant;

/**
 * What an abandoned server did alone, as found when it was reachable again.
 *
 * @param oldServer the server switched away from
 * @param newServer the server switched to
 * @param epoch     the epoch of that switch
 * @param count     how many transactions (an upper bound when {@code exact} is false)
 * @param exact     whether {@code count} is exact (one writer per GTID domain)
 * @param ranges    the GTID ranges, e.g. {@code 1-1-12..18}
 * @param at        when it was found
 * @param message   the one line logged at WARN
 */
public record ErrantReport(String oldServer, String newServer, long epoch, long count, boolean exact, String ranges,
                           Instant at, String message) {
}
