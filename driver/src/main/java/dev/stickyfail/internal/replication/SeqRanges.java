package dev.stickyfail.internal.replication;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An immutable set of positive sequence numbers held as sorted, disjoint, non-adjacent closed intervals: the
 * arithmetic under both GTID flavours (MySQL's {@code uuid:1-5:7-9}, and the seq numbers of one MariaDB domain).
 */
final class SeqRanges {

    static final SeqRanges EMPTY = new SeqRanges(new long[0]);

    /** Pairs: bounds[2i] = from, bounds[2i + 1] = to, both inclusive; sorted and merged. */
    private final long[] bounds;

    private SeqRanges(long[] bounds) {
        this.bounds = bounds;
    }

    /** {@code [from, to]}; empty when {@code to < from}. */
    static SeqRanges of(long from, long to) {
        if (from < 1) {
            throw new IllegalArgumentException("sequence numbers start at 1, got " + from);
        }
        return to < from ? EMPTY : new SeqRanges(new long[] {from, to});
    }

    /** Every number from 1 to {@code to}: what a MariaDB position {@code d-s-to} covers in its domain. */
    static SeqRanges upTo(long to) {
        return to < 1 ? EMPTY : new SeqRanges(new long[] {1, to});
    }

    /**
     * The numbers {@code values[0..n)}, which must be sorted ascending and at least 1 (duplicates allowed): consecutive
     * ones become one interval.
     */
    static SeqRanges ofSorted(long[] values, int n) {
        if (n == 0) {
            return EMPTY;
        }
        long[] out = new long[2 * n];
        int size = 0;
        for (int i = 0; i < n; i++) {
            long v = values[i];
            if (v < 1) {
                throw new IllegalArgumentException("sequence numbers start at 1, got " + v);
            }
            if (size > 0 && v <= out[size - 1] + 1) {
                out[size - 1] = Math.max(out[size - 1], v);
            } else {
                out[size++] = v;
                out[size++] = v;
            }
        }
        return new SeqRanges(Arrays.copyOf(out, size));
    }

    boolean isEmpty() {
        return bounds.length == 0;
    }

    int intervalCount() {
        return bounds.length / 2;
    }

    long from(int interval) {
        return bounds[2 * interval];
    }

    long to(int interval) {
        return bounds[2 * interval + 1];
    }

    /** The highest number in the set, 0 when empty. */
    long max() {
        return bounds.length == 0 ? 0 : bounds[bounds.length - 1];
    }

    /** How many numbers the set holds; saturates at {@link Long#MAX_VALUE}. */
    long count() {
        long total = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            long n = bounds[i + 1] - bounds[i] + 1;
            total = total > Long.MAX_VALUE - n ? Long.MAX_VALUE : total + n;
        }
        return total;
    }

    SeqRanges union(SeqRanges other) {
        if (other.isEmpty()) {
            return this;
        }
        if (isEmpty()) {
            return other;
        }
        long[] all = new long[bounds.length + other.bounds.length];
        System.arraycopy(bounds, 0, all, 0, bounds.length);
        System.arraycopy(other.bounds, 0, all, bounds.length, other.bounds.length);
        return normalized(all);
    }

    SeqRanges minus(SeqRanges other) {
        if (isEmpty() || other.isEmpty()) {
            return this;
        }
        List<long[]> out = new ArrayList<>();
        int j = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            long from = bounds[i];
            long to = bounds[i + 1];
            while (j < other.bounds.length && other.bounds[j + 1] < from) {
                j += 2;
            }
            int k = j;
            while (from <= to && k < other.bounds.length && other.bounds[k] <= to) {
                long cutFrom = other.bounds[k];
                long cutTo = other.bounds[k + 1];
                if (cutFrom > from) {
                    out.add(new long[] {from, cutFrom - 1});
                }
                if (cutTo >= to) {
                    from = to + 1; // nothing left of this interval
                } else {
                    from = Math.max(from, cutTo + 1);
                }
                k += 2;
            }
            if (from <= to) {
                out.add(new long[] {from, to});
            }
        }
        long[] result = new long[out.size() * 2];
        for (int i = 0; i < out.size(); i++) {
            result[2 * i] = out.get(i)[0];
            result[2 * i + 1] = out.get(i)[1];
        }
        return result.length == 0 ? EMPTY : new SeqRanges(result);
    }

    /** True when every number of {@code other} is in this set. */
    boolean containsAll(SeqRanges other) {
        return other.minus(this).isEmpty();
    }

    boolean contains(long seq) {
        for (int i = 0; i < bounds.length; i += 2) {
            if (seq < bounds[i]) {
                return false;
            }
            if (seq <= bounds[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /** Sorts pairs by start and merges overlapping and adjacent ones. */
    private static SeqRanges normalized(long[] pairs) {
        int n = pairs.length / 2;
        long[][] list = new long[n][];
        for (int i = 0; i < n; i++) {
            list[i] = new long[] {pairs[2 * i], pairs[2 * i + 1]};
        }
        Arrays.sort(list, (a, b) -> Long.compare(a[0], b[0]));
        long[] out = new long[pairs.length];
        int size = 0;
        for (long[] range : list) {
            if (size > 0 && (out[size - 1] == Long.MAX_VALUE || range[0] <= out[size - 1] + 1)) {
                out[size - 1] = Math.max(out[size - 1], range[1]);
            } else {
                out[size++] = range[0];
                out[size++] = range[1];
            }
        }
        return new SeqRanges(Arrays.copyOf(out, size));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeqRanges && Arrays.equals(bounds, ((SeqRanges) o).bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    /** MySQL's form: {@code 1-5:7:9-12}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bounds.length; i += 2) {
            if (i > 0) {
                sb.append(':');
            }
            sb.append(bounds[i]);
            if (bounds[i + 1] != bounds[i]) {
                sb.append('-').append(bounds[i + 1]);
            }
        }
        return sb.toString();
    }
}
