package dev.stickyfail.internal.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeqRangesTest {

    private static SeqRanges r(long... pairs) {
        SeqRanges result = SeqRanges.EMPTY;
        for (int i = 0; i < pairs.length; i += 2) {
            result = result.union(SeqRanges.of(pairs[i], pairs[i + 1]));
        }
        return result;
    }

    @Test
    void unionMergesOverlappingAndAdjacentIntervals() {
        assertThat(r(1, 3, 4, 6)).hasToString("1-6");
        assertThat(r(5, 9, 1, 3, 2, 6)).hasToString("1-9");
        assertThat(r(1, 1, 3, 3, 10, 12)).hasToString("1:3:10-12");
        assertThat(r(1, 3).union(SeqRanges.EMPTY)).isEqualTo(r(1, 3));
        assertThat(SeqRanges.EMPTY.union(r(1, 3))).isEqualTo(r(1, 3));
    }

    @Test
    void minusCutsHolesAndEnds() {
        assertThat(r(1, 10).minus(r(3, 4))).hasToString("1-2:5-10");
        assertThat(r(1, 10).minus(r(1, 10))).isEqualTo(SeqRanges.EMPTY);
        assertThat(r(1, 10).minus(r(0 + 1, 5))).hasToString("6-10");
        assertThat(r(1, 10).minus(r(8, 20))).hasToString("1-7");
        assertThat(r(1, 5, 10, 15, 20, 25).minus(r(3, 12, 14, 21))).hasToString("1-2:13:22-25");
        assertThat(r(5, 6).minus(r(1, 2, 8, 9))).hasToString("5-6");
        assertThat(r(1, 3, 7, 9).minus(r(2, 2, 4, 6, 8, 8))).hasToString("1:3:7:9");
        assertThat(SeqRanges.EMPTY.minus(r(1, 2))).isEqualTo(SeqRanges.EMPTY);
    }

    @Test
    void countsContainsAndMax() {
        assertThat(r(1, 5, 7, 9).count()).isEqualTo(8);
        assertThat(r(1, 5, 7, 9).max()).isEqualTo(9);
        assertThat(SeqRanges.EMPTY.max()).isZero();
        assertThat(r(1, 5, 7, 9).contains(6)).isFalse();
        assertThat(r(1, 5, 7, 9).contains(7)).isTrue();
        assertThat(r(1, 9).containsAll(r(2, 3, 5, 9))).isTrue();
        assertThat(r(1, 9).containsAll(r(2, 10))).isFalse();
        assertThat(SeqRanges.upTo(0)).isEqualTo(SeqRanges.EMPTY);
        assertThat(SeqRanges.of(1, Long.MAX_VALUE).count()).isEqualTo(Long.MAX_VALUE);
        assertThat(r(1, Long.MAX_VALUE, 5, 6)).hasToString("1-" + Long.MAX_VALUE);
    }

    @Test
    void agreesWithABitSetOnRandomSets() {
        java.util.Random random = new java.util.Random(42);
        for (int round = 0; round < 2000; round++) {
            java.util.BitSet a = new java.util.BitSet();
            java.util.BitSet b = new java.util.BitSet();
            SeqRanges ra = randomInto(random, a);
            SeqRanges rb = randomInto(random, b);
            java.util.BitSet minus = (java.util.BitSet) a.clone();
            minus.andNot(b);
            java.util.BitSet union = (java.util.BitSet) a.clone();
            union.or(b);
            assertThat(bits(ra.minus(rb))).as("%s minus %s", ra, rb).isEqualTo(minus);
            assertThat(bits(ra.union(rb))).as("%s union %s", ra, rb).isEqualTo(union);
            assertThat(ra.minus(rb).count()).isEqualTo(minus.cardinality());
            java.util.BitSet notContained = (java.util.BitSet) b.clone();
            notContained.andNot(a);
            assertThat(ra.containsAll(rb)).isEqualTo(notContained.isEmpty());
        }
    }

    private static SeqRanges randomInto(java.util.Random random, java.util.BitSet bits) {
        SeqRanges result = SeqRanges.EMPTY;
        int n = random.nextInt(5);
        for (int i = 0; i < n; i++) {
            int from = 1 + random.nextInt(40);
            int to = from + random.nextInt(8);
            bits.set(from, to + 1);
            result = result.union(SeqRanges.of(from, to));
        }
        return result;
    }

    private static java.util.BitSet bits(SeqRanges ranges) {
        java.util.BitSet bits = new java.util.BitSet();
        for (int i = 0; i < ranges.intervalCount(); i++) {
            bits.set((int) ranges.from(i), (int) ranges.to(i) + 1);
        }
        return bits;
    }

    @Test
    void rejectsZero() {
        assertThatThrownBy(() -> SeqRanges.of(0, 3)).isInstanceOf(IllegalArgumentException.class);
    }
}
