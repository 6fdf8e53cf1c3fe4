package dev.stickyfail.internal.replication;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Consecutive transactions of one origin, for reports: MariaDB {@code 1-1-101..120} (domain 1, server_id 1, seq 101
 * to 120) or MySQL {@code 3e11fa47-...:101-120}; a range of one is written as that one GTID.
 *
 * @param origin MariaDB {@code domain-server_id}, MySQL {@code uuid} or {@code uuid:tag}
 * @param from   first sequence number, inclusive
 * @param to     last sequence number, inclusive
 */
public record GtidRange(String origin, long from, long to, boolean mariaDb) {

    /** How many ranges {@link #summary} lists before it counts the rest. */
    public static final int SHOWN = 10;

    /** The first {@value #SHOWN} ranges, comma-separated, then {@code and N more range(s)}: for log lines. */
    public static String summary(List<GtidRange> ranges) {
        String shown = ranges.stream().limit(SHOWN).map(GtidRange::toString).collect(Collectors.joining(","));
        return ranges.size() > SHOWN ? shown + " and " + (ranges.size() - SHOWN) + " more range(s)" : shown;
    }

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
