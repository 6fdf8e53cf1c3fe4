package dev.stickyfail.internal.replication;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * MariaDB GTIDs ({@code domain-server_id-seq}) as a set, read from the positions MariaDB reports:
 * {@code @@gtid_binlog_pos}, {@code @@gtid_binlog_state}, {@code @@gtid_slave_pos}, {@code Gtid_IO_Pos}.
 *
 * <p>What "has" means. Within a replication domain, sequence numbers follow the binary log's order, and a position
 * {@code d-s-n} says: this server has every transaction of domain {@code d} up to seq {@code n}, whoever
 * wrote them ({@code s} only names the server that wrote seq {@code n}). So this class keeps, per
 * {@code (domain, server_id)} origin, ranges of seq numbers (a position {@code d-s-n} is the range {@code 1..n} of
 * origin {@code d-s}), and an other set <em>has</em> a seq of domain {@code d} when any of its ranges in that
 * domain holds it: {@link #minus} and {@link #containsAll} compare per domain, not per origin.
 *
 * <p>Why keep the origin at all: when the old primary and the new one wrote in the same domain after their
 * histories diverged, both have seq 101 of that domain, but not the same transaction. Read from
 * {@code @@gtid_binlog_state} (the last seq per domain and server), the old server shows {@code 0-1-120,0-2-150};
 * the origin tells the old server's own transactions (server 1) from the ones it later replicated from the new
 * primary (server 2, see {@link #withoutServer}).
 *
 * <p>{@link #count()} adds up the ranges of every origin. It is the number of transactions when each domain has
 * one writer (the recommended set-up for multi-source and master-master replication: {@code gtid_domain_id}
 * distinct per server), and when sequence numbers have no gaps (MariaDB allocates them one by one unless someone
 * sets {@code gtid_seq_no}). Where a domain has several origins, a range may include seqs another server wrote, so
 * the count is an upper bound: {@link #hasSharedDomains()} says so.
 *
 * <p>{@link #toString()} writes a range from 1 as the position {@code d-s-n} and any other as
 * {@code d-s-from..to}; {@link #parse} reads both.
 */
public final class MariaDbGtidSet implements GtidSet {

    public static final MariaDbGtidSet EMPTY = new MariaDbGtidSet(new TreeMap<>());

    private static final String EXPECTED = "comma-separated domain-server_id-seq (or domain-server_id-from..to), "
            + "e.g. 0-1-100,1-2-7";
    private static final long MAX_UINT32 = 0xFFFF_FFFFL;

    private final TreeMap<Origin, SeqRanges> sets;

    private MariaDbGtidSet(TreeMap<Origin, SeqRanges> sets) {
        this.sets = sets;
    }

    /** The set of {@code seqs} per origin (empty ranges left out); the map is not kept. */
    static MariaDbGtidSet of(Map<Origin, SeqRanges> seqs) {
        TreeMap<Origin, SeqRanges> copy = new TreeMap<>(seqs);
        copy.values().removeIf(SeqRanges::isEmpty);
        return copy.isEmpty() ? EMPTY : new MariaDbGtidSet(copy);
    }

    /** A domain and the server_id that wrote a GTID in it; ordered by domain, then server_id. */
    public record Origin(long domain, long serverId) implements Comparable<Origin> {
        @Override
        public int compareTo(Origin o) {
            int c = Long.compare(domain, o.domain);
            return c != 0 ? c : Long.compare(serverId, o.serverId);
        }

        @Override
        public String toString() {
            return domain + "-" + serverId;
        }
    }

    /** Parses {@code text}; null or blank is the empty set. A position {@code d-s-0} adds nothing. */
    public static MariaDbGtidSet parse(String text) {
        if (text == null || text.isBlank()) {
            return EMPTY;
        }
        TreeMap<Origin, SeqRanges> sets = new TreeMap<>();
        for (String raw : text.split(",", -1)) {
            String element = raw.strip();
            String[] parts = element.split("-", -1);
            if (parts.length != 3) {
                throw error(text, element.isEmpty() ? "an empty element" : "'" + element + "' is not domain-server_id-seq");
            }
            long domain = number(text, parts[0], "domain", MAX_UINT32);
            long server = number(text, parts[1], "server_id", MAX_UINT32);
            SeqRanges ranges;
            int dots = parts[2].indexOf("..");
            if (dots < 0) {
                ranges = SeqRanges.upTo(number(text, parts[2], "seq", Long.MAX_VALUE));
            } else {
                long from = number(text, parts[2].substring(0, dots), "seq", Long.MAX_VALUE);
                long to = number(text, parts[2].substring(dots + 2), "seq", Long.MAX_VALUE);
                if (from < 1 || to < from) {
                    throw error(text, "'" + element + "' is not a range of seqs from 1 up");
                }
                ranges = SeqRanges.of(from, to);
            }
            sets.merge(new Origin(domain, server), ranges, SeqRanges::union);
        }
        sets.values().removeIf(SeqRanges::isEmpty);
        return new MariaDbGtidSet(sets);
    }

    private static long number(String text, String digits, String what, long max) {
        if (digits.isEmpty() || !digits.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            throw error(text, "'" + digits + "' is not a " + what);
        }
        try {
            long value = Long.parseLong(digits);
            if (value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // too large: reported below
        }
        throw error(text, what + " " + digits + " is out of range (at most " + max + ")");
    }

    private static GtidFormatException error(String text, String problem) {
        return new GtidFormatException("MariaDB", text, problem, EXPECTED);
    }

    private static MariaDbGtidSet of(GtidSet other) {
        if (other instanceof MariaDbGtidSet) {
            return (MariaDbGtidSet) other;
        }
        throw new IllegalArgumentException("cannot combine a MariaDB GTID set with a " + other.flavour() + " one");
    }

    /** Every seq of {@code domain} this set has, whatever its origin. */
    SeqRanges coverage(long domain) {
        SeqRanges result = SeqRanges.EMPTY;
        for (Map.Entry<Origin, SeqRanges> e : sets.subMap(new Origin(domain, 0), true,
                new Origin(domain, MAX_UINT32), true).entrySet()) {
            result = result.union(e.getValue());
        }
        return result;
    }

    /** The seqs of this set that {@code other} does not have in their domain, each kept under its origin. */
    @Override
    public MariaDbGtidSet minus(GtidSet other) {
        MariaDbGtidSet o = of(other);
        Map<Long, SeqRanges> covered = new TreeMap<>();
        TreeMap<Origin, SeqRanges> result = new TreeMap<>();
        sets.forEach((origin, ranges) -> {
            SeqRanges left = ranges.minus(covered.computeIfAbsent(origin.domain(), o::coverage));
            if (!left.isEmpty()) {
                result.put(origin, left);
            }
        });
        return new MariaDbGtidSet(result);
    }

    @Override
    public MariaDbGtidSet union(GtidSet other) {
        MariaDbGtidSet o = of(other);
        TreeMap<Origin, SeqRanges> result = new TreeMap<>(sets);
        o.sets.forEach((origin, ranges) -> result.merge(origin, ranges, SeqRanges::union));
        return new MariaDbGtidSet(result);
    }

    @Override
    public boolean containsAll(GtidSet other) {
        return of(other).minus(this).isEmpty();
    }

    /** Without the transactions {@code serverId} wrote: e.g. the new primary's own writes, replicated back. */
    public MariaDbGtidSet withoutServer(long serverId) {
        TreeMap<Origin, SeqRanges> result = new TreeMap<>(sets);
        result.keySet().removeIf(origin -> origin.serverId() == serverId);
        return new MariaDbGtidSet(result);
    }

    /** Only the domains named. */
    public MariaDbGtidSet onlyDomains(Collection<Long> domains) {
        TreeMap<Origin, SeqRanges> result = new TreeMap<>(sets);
        result.keySet().removeIf(origin -> !domains.contains(origin.domain()));
        return new MariaDbGtidSet(result);
    }

    public Set<Long> domains() {
        Set<Long> result = new TreeSet<>();
        sets.keySet().forEach(origin -> result.add(origin.domain()));
        return result;
    }

    /** True when some domain has ranges of more than one server_id (then {@link #count()} is an upper bound). */
    public boolean hasSharedDomains() {
        return domains().size() < sets.size();
    }

    /**
     * The MariaDB position that reaches every seq of this set: per domain, the highest seq with its server_id, as
     * {@code MASTER_GTID_WAIT} and {@code gtid_slave_pos} take it.
     */
    public String toPosition() {
        Map<Long, Origin> top = new TreeMap<>();
        sets.forEach((origin, ranges) -> top.merge(origin.domain(), origin,
                (a, b) -> sets.get(a).max() >= sets.get(b).max() ? a : b));
        StringBuilder sb = new StringBuilder();
        for (Origin origin : top.values()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(origin).append('-').append(sets.get(origin).max());
        }
        return sb.toString();
    }

    @Override
    public boolean isEmpty() {
        return sets.isEmpty();
    }

    @Override
    public long count() {
        long total = 0;
        for (SeqRanges ranges : sets.values()) {
            long n = ranges.count();
            total = total > Long.MAX_VALUE - n ? Long.MAX_VALUE : total + n;
        }
        return total;
    }

    @Override
    public List<GtidRange> ranges() {
        List<GtidRange> result = new ArrayList<>();
        sets.forEach((origin, ranges) -> {
            for (int i = 0; i < ranges.intervalCount(); i++) {
                result.add(new GtidRange(origin.toString(), ranges.from(i), ranges.to(i), true));
            }
        });
        return Collections.unmodifiableList(result);
    }

    @Override
    public String flavour() {
        return "mariadb";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MariaDbGtidSet && sets.equals(((MariaDbGtidSet) o).sets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sets);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sets.forEach((origin, ranges) -> {
            for (int i = 0; i < ranges.intervalCount(); i++) {
                if (sb.length() > 0) {
                    sb.append(',');
                }
                sb.append(origin).append('-');
                if (ranges.from(i) == 1) {
                    sb.append(ranges.to(i));
                } else {
                    sb.append(ranges.from(i)).append("..").append(ranges.to(i));
                }
            }
        });
        return sb.toString();
    }
}
