package dev.stickyfail.admin;

/**
 * Whether a feature the configuration turns on can work with the account it logs in with, as checked once, on the
 * first server of the group that came up: by running the statement the feature needs where that has no effect
 * (reading the replication status, asking for session tracking), and from {@code SHOW GRANTS} where it would
 * (setting {@code read_only}).
 *
 * @param feature   what the feature is, e.g. {@code full catch-up}
 * @param property  the setting that turns it on, e.g. {@code stickyfail.switchCatchUp}
 * @param account   the account as the server matched it ({@code 'app'@'%'}, from {@code CURRENT_USER()}), or the
 *                  user name when it could not log in; never a password
 * @param server    where it was checked ({@code host:port})
 * @param available whether the feature works as configured
 * @param detail    what was found and, when it does not work, what the feature does instead
 * @param grant     the statement that makes it work, e.g. {@code GRANT SLAVE MONITOR ON *.* TO 'app'@'%'}; empty when
 *                  it works, or when no grant helps (a server setting or a connection property does)
 */
public record AccountCheck(String feature, String property, String account, String server, boolean available,
                           String detail, String grant) {

    /** One line for a log, JMX or health details. */
    public String describe() {
        return feature + " (" + property + "), account " + account + " on " + server + ": "
                + (available ? "ok" : detail + (grant.isEmpty() ? "" : "; to enable it: " + grant));
    }
}
