package dev.stickyfail.internal.replication;

/**
 * Consecutive transactions of one origin, for reports: MariaDB {@code 1-1-101..120} (domain 1, server_id 1, seq 101
 * to 120) or MySQL {@code 3e11fa47-...:101-120}; a range of one is written as that one GTID.
 *
 * @param origin MariaDB {@code domain-server_id}, MySQL {@code uuid} or {@code uuid:tag}
 * @param from   first sequence number, inclusive
 * @param to     last sequence number, inclusive
 */
public record GtidRange(String origin, long from, long to, boolean mariaDb) {

    public long count() {
        return to - from + 1;
    }

    @Override
    public String toString() {
        if (mariaDb) {
            return origin + "-" + (from == to ? Long.toString(to) : from + ".." + to);
        }
        return origin + ":" + (from == to ? Long.toString(to) : from + "-" + to);
    }
}
