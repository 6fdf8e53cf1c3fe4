package dev.stickyfail.internal.replication;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MysqlGtidSetTest {

    private static final String A = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String B = "8a94f357-aab4-11df-86ab-c80aa9429562";

    @Test
    void parsesGtidExecutedWithNewLinesUpperCaseAndUnsortedIntervals() {
        MysqlGtidSet set = MysqlGtidSet.parse(B.toUpperCase() + ":7-9:1-5,\n" + A + ":3:1-2:4");
        assertThat(set).hasToString(A + ":1-4," + B + ":1-5:7-9");
        assertThat(set.count()).isEqualTo(12);
        assertThat(MysqlGtidSet.parse(set.toString())).isEqualTo(set);
    }

    @Test
    void emptyAndBlankAreTheEmptySet() {
        assertThat(MysqlGtidSet.parse("")).isEqualTo(MysqlGtidSet.EMPTY);
        assertThat(MysqlGtidSet.parse(null).isEmpty()).isTrue();
        assertThat(MysqlGtidSet.parse(" \n").count()).isZero();
        assertThat(MysqlGtidSet.EMPTY).hasToString("");
    }

    @Test
    void parsesTaggedGtidsOfMysql84() {
        MysqlGtidSet set = MysqlGtidSet.parse(A + ":1-3:Batch:1-5:7,"+ A + ":alpha:2");
        assertThat(set).hasToString(A + ":1-3:alpha:2:batch:1-5:7");
        assertThat(set.count()).isEqualTo(10);
        assertThat(set.ranges()).extracting(GtidRange::toString)
                .containsExactly(A + ":1-3", A + ":alpha:2", A + ":batch:1-5", A + ":batch:7");
        assertThat(MysqlGtidSet.parse(set.toString())).isEqualTo(set);
        assertThat(set.minus(MysqlGtidSet.parse(A + ":1-100"))).hasToString(A + ":alpha:2:batch:1-5:7");
    }

    @Test
    void minusIsWhatTheOldServerHasThatTheNewOneHasNot() {
        MysqlGtidSet old = MysqlGtidSet.parse(A + ":1-120," + B + ":1-50");
        MysqlGtidSet received = MysqlGtidSet.parse(A + ":1-100:105," + B + ":1-50");
        MysqlGtidSet errant = old.minus(received);
        assertThat(errant).hasToString(A + ":101-104:106-120");
        assertThat(errant.count()).isEqualTo(19);
        assertThat(errant.ranges()).extracting(GtidRange::toString).containsExactly(A + ":101-104", A + ":106-120");
        assertThat(received.minus(old)).hasToString("");
        assertThat(old.minus(old).isEmpty()).isTrue();
    }

    @Test
    void unionContainmentAndRemovingASource() {
        MysqlGtidSet x = MysqlGtidSet.parse(A + ":1-5");
        MysqlGtidSet y = MysqlGtidSet.parse(A + ":6-9," + B + ":1");
        MysqlGtidSet both = x.union(y);
        assertThat(both).hasToString(A + ":1-9," + B + ":1");
        assertThat(both.containsAll(x)).isTrue();
        assertThat(both.containsAll(y)).isTrue();
        assertThat(x.containsAll(both)).isFalse();
        assertThat(both.withoutSource(B.toUpperCase())).isEqualTo(MysqlGtidSet.parse(A + ":1-9"));
        assertThat(MysqlGtidSet.parse(A + ":1:t:2").withoutSource(A).isEmpty()).isTrue();
        assertThat(x.union(MysqlGtidSet.EMPTY)).isEqualTo(x);
        assertThat(x.ranges().get(0).count()).isEqualTo(5);
    }

    @Test
    void malformedInputNamesTheValueAndTheExpectedForm() {
        assertThatThrownBy(() -> MysqlGtidSet.parse("not-a-uuid:1-5"))
                .isInstanceOf(GtidFormatException.class)
                .hasMessageContaining("'not-a-uuid:1-5'")
                .hasMessageContaining("'not-a-uuid' is not a UUID")
                .hasMessageContaining("expected comma-separated uuid:ranges");
        assertThatThrownBy(() -> MysqlGtidSet.parse(A)).hasMessageContaining("has no range");
        assertThatThrownBy(() -> MysqlGtidSet.parse(A + ":5-3")).hasMessageContaining("'5-3'");
        assertThatThrownBy(() -> MysqlGtidSet.parse(A + ":0")).hasMessageContaining("from 1 up");
        assertThatThrownBy(() -> MysqlGtidSet.parse(A + ":1-x")).hasMessageContaining("neither a range");
        assertThatThrownBy(() -> MysqlGtidSet.parse(A + ":1,")).hasMessageContaining("is not a UUID");
        assertThatThrownBy(() -> MysqlGtidSet.parse(A + ":99999999999999999999"))
                .isInstanceOf(GtidFormatException.class).hasMessageContaining("out of range");
    }

    @Test
    void flavoursDoNotMix() {
        assertThatThrownBy(() -> MysqlGtidSet.parse(A + ":1").minus(MariaDbGtidSet.parse("0-1-1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot combine a MySQL GTID set with a mariadb one");
    }
}
