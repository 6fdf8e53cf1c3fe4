package dev.stickyfail.internal.replication;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A MySQL GTID set as {@code gtid_executed}, {@code Retrieved_Gtid_Set} and {@code WAIT_FOR_EXECUTED_GTID_SET} write
 * it: {@code uuid:1-5:7-9,uuid2:1-3}, with MySQL 8.4's tags ({@code uuid:1-5:tag:1-3}). A MySQL GTID names exactly
 * one transaction, so this is plain set arithmetic and {@link #count()} is exact. UUIDs and tags are kept in lower
 * case (MySQL compares them case-insensitively); whitespace, such as the new lines of {@code gtid_executed}, is
 * ignored.
 */
public final class MysqlGtidSet implements GtidSet {

    public static final MysqlGtidSet EMPTY = new MysqlGtidSet(new TreeMap<>());

    private static final String EXPECTED = "comma-separated uuid:ranges, e.g. "
            + "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,8a94f357-aab4-11df-86ab-c80aa9429562:1-3";
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern TAG = Pattern.compile("[a-z_][a-z0-9_]{0,31}");
    private static final Pattern INTERVAL = Pattern.compile("[0-9]+(-[0-9]+)?");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    /** Key: {@code uuid} or {@code uuid:tag}; sorting the keys as strings sorts by uuid, untagged first. */
    private final TreeMap<String, SeqRanges> sets;

    private MysqlGtidSet(TreeMap<String, SeqRanges> sets) {
        this.sets = sets;
    }

    /**
     * The set of {@code seqs} per source ({@code uuid} or {@code uuid:tag}, lower case; empty ranges left out); the map
     * is not kept.
     */
    static MysqlGtidSet of(Map<String, SeqRanges> seqs) {
        TreeMap<String, SeqRanges> copy = new TreeMap<>(seqs);
        copy.values().removeIf(SeqRanges::isEmpty);
        return copy.isEmpty() ? EMPTY : new MysqlGtidSet(copy);
    }

    /** Parses {@code text}; null or blank is the empty set. */
    public static MysqlGtidSet parse(String text) {
        if (text == null) {
            return EMPTY;
        }
        String compact = WHITESPACE.matcher(text).replaceAll("").toLowerCase(Locale.ROOT);
        if (compact.isEmpty()) {
            return EMPTY;
        }
        TreeMap<String, SeqRanges> sets = new TreeMap<>();
        for (String element : compact.split(",", -1)) {
            String[] parts = element.split(":", -1);
            if (!UUID.matcher(parts[0]).matches()) {
                throw error(text, "'" + parts[0] + "' is not a UUID");
            }
            String key = parts[0];
            boolean hasInterval = false;
            for (int i = 1; i < parts.length; i++) {
                String part = parts[i];
                if (INTERVAL.matcher(part).matches()) {
                    sets.merge(key, interval(text, part), SeqRanges::union);
                    hasInterval = true;
                } else if (TAG.matcher(part).matches()) {
                    key = parts[0] + ":" + part;
                } else {
                    throw error(text, "'" + part + "' is neither a range such as 1-5 nor a tag");
                }
            }
            if (!hasInterval) {
                throw error(text, "'" + element + "' has no range");
            }
        }
        sets.values().removeIf(SeqRanges::isEmpty);
        return new MysqlGtidSet(sets);
    }

    private static SeqRanges interval(String text, String part) {
        int dash = part.indexOf('-');
        long from = number(text, dash < 0 ? part : part.substring(0, dash));
        long to = dash < 0 ? from : number(text, part.substring(dash + 1));
        if (from < 1 || to < from) {
            throw error(text, "'" + part + "' is not a range of transaction numbers from 1 up");
        }
        return SeqRanges.of(from, to);
    }

    private static long number(String text, String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error(text, "'" + digits + "' is out of range");
        }
    }

    private static GtidFormatException error(String text, String problem) {
        return new GtidFormatException("MySQL", text, problem, EXPECTED);
    }

    private static MysqlGtidSet of(GtidSet other) {
        if (other instanceof MysqlGtidSet) {
            return (MysqlGtidSet) other;
        }
        throw new IllegalArgumentException("cannot combine a MySQL GTID set with a " + other.flavour() + " one");
    }

    @Override
    public MysqlGtidSet minus(GtidSet other) {
        MysqlGtidSet o = of(other);
        TreeMap<String, SeqRanges> result = new TreeMap<>();
        sets.forEach((key, ranges) -> {
            SeqRanges left = ranges.minus(o.sets.getOrDefault(key, SeqRanges.EMPTY));
            if (!left.isEmpty()) {
                result.put(key, left);
            }
        });
        return new MysqlGtidSet(result);
    }

    @Override
    public MysqlGtidSet union(GtidSet other) {
        MysqlGtidSet o = of(other);
        TreeMap<String, SeqRanges> result = new TreeMap<>(sets);
        o.sets.forEach((key, ranges) -> result.merge(key, ranges, SeqRanges::union));
        return new MysqlGtidSet(result);
    }

    @Override
    public boolean containsAll(GtidSet other) {
        return of(other).minus(this).isEmpty();
    }

    /** The transactions that {@code uuid} (any tag) originated, removed: e.g. a server's own writes. */
    public MysqlGtidSet withoutSource(String uuid) {
        String u = uuid.toLowerCase(Locale.ROOT);
        TreeMap<String, SeqRanges> result = new TreeMap<>(sets);
        result.keySet().removeIf(key -> key.equals(u) || key.startsWith(u + ":"));
        return new MysqlGtidSet(result);
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
        sets.forEach((key, ranges) -> {
            for (int i = 0; i < ranges.intervalCount(); i++) {
                result.add(new GtidRange(key, ranges.from(i), ranges.to(i), false));
            }
        });
        return Collections.unmodifiableList(result);
    }

    @Override
    public String flavour() {
        return "mysql";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MysqlGtidSet && sets.equals(((MysqlGtidSet) o).sets);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sets);
    }

    /** MySQL's notation, without its new lines: {@code uuid:1-5:7:tag:1-3,uuid2:1-3}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String uuid = null;
        for (Map.Entry<String, SeqRanges> e : sets.entrySet()) {
            String key = e.getKey();
            String keyUuid = key.substring(0, 36);
            if (!keyUuid.equals(uuid)) {
                if (uuid != null) {
                    sb.append(',');
                }
                sb.append(keyUuid);
                uuid = keyUuid;
            }
            if (key.length() > 36) {
                sb.append(key, 36, key.length());
            }
            sb.append(':').append(e.getValue());
        }
        return sb.toString();
    }
}
