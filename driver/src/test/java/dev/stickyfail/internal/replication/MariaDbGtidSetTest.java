package dev.stickyfail.internal.replication;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MariaDbGtidSetTest {

    @Test
    void aPositionCoversEverySeqOfItsDomainUpToIt() {
        MariaDbGtidSet pos = MariaDbGtidSet.parse("1-1-100,2-2-7");
        assertThat(pos.count()).isEqualTo(107);
        assertThat(pos).hasToString("1-1-100,2-2-7");
        assertThat(pos.toPosition()).isEqualTo("1-1-100,2-2-7");
        // Domain 1 up to seq 100 includes seqs another server wrote before.
        assertThat(pos.containsAll(MariaDbGtidSet.parse("1-3-90"))).isTrue();
        assertThat(pos.containsAll(MariaDbGtidSet.parse("1-3-101"))).isFalse();
        assertThat(pos.containsAll(MariaDbGtidSet.parse("3-1-1"))).isFalse();
    }

    @Test
    void errantIsPerDomainAndServerTheSeqsAboveWhatTheOtherHad() {
        MariaDbGtidSet old = MariaDbGtidSet.parse("1-1-120,2-2-50");
        MariaDbGtidSet received = MariaDbGtidSet.parse("2-2-50,1-1-100");
        MariaDbGtidSet errant = old.minus(received);
        assertThat(errant).hasToString("1-1-101..120");
        assertThat(errant.count()).isEqualTo(20);
        assertThat(errant.ranges()).containsExactly(new GtidRange("1-1", 101, 120, true));
        assertThat(errant.ranges().get(0)).hasToString("1-1-101..120");
        assertThat(MariaDbGtidSet.parse(errant.toString())).isEqualTo(errant);
        assertThat(errant.toPosition()).isEqualTo("1-1-120");
        assertThat(received.minus(old).isEmpty()).isTrue();
        assertThat(old.minus(MariaDbGtidSet.parse("1-1-119,2-2-50")).ranges().get(0)).hasToString("1-1-120");
    }

    @Test
    void aDomainTheOtherNeverSawIsErrantFromItsFirstSeq() {
        MariaDbGtidSet errant = MariaDbGtidSet.parse("0-1-5,1-1-3").minus(MariaDbGtidSet.parse("0-2-9"));
        assertThat(errant).hasToString("1-1-3");
        assertThat(errant.ranges()).extracting(GtidRange::toString).containsExactly("1-1-1..3");
    }

    @Test
    void divergedHistoriesInOneDomainAreToldApartByServerId() {
        // The old primary (server 1) wrote 0-1-101..120 alone; the new one (server 2) then wrote 0-2-101..150,
        // which the old one replicated once back: its gtid_binlog_state names both.
        MariaDbGtidSet oldState = MariaDbGtidSet.parse("0-1-120,0-2-150");
        MariaDbGtidSet hadAtSwitch = MariaDbGtidSet.parse("0-1-100");
        MariaDbGtidSet errant = oldState.minus(hadAtSwitch);
        assertThat(errant).hasToString("0-1-101..120,0-2-101..150");
        assertThat(errant.hasSharedDomains()).isTrue();
        MariaDbGtidSet withoutNew = errant.withoutServer(2);
        assertThat(withoutNew).hasToString("0-1-101..120");
        assertThat(withoutNew.count()).isEqualTo(20);
        assertThat(withoutNew.hasSharedDomains()).isFalse();
        assertThat(oldState.toPosition()).isEqualTo("0-2-150");
    }

    @Test
    void unionOfPositionsIsTheFurthestPerDomainAndOrigin() {
        MariaDbGtidSet a = MariaDbGtidSet.parse("1-1-10,2-2-5");
        MariaDbGtidSet b = MariaDbGtidSet.parse("1-1-12,3-3-1");
        assertThat(a.union(b)).hasToString("1-1-12,2-2-5,3-3-1");
        assertThat(a.union(b).containsAll(a)).isTrue();
        assertThat(a.union(b).domains()).containsExactly(1L, 2L, 3L);
        assertThat(a.union(b).onlyDomains(List.of(2L, 3L))).hasToString("2-2-5,3-3-1");
        assertThat(MariaDbGtidSet.parse("1-1-5..9").union(MariaDbGtidSet.parse("1-1-1..4"))).hasToString("1-1-9");
    }

    @Test
    void emptyForms() {
        assertThat(MariaDbGtidSet.parse("")).isEqualTo(MariaDbGtidSet.EMPTY);
        assertThat(MariaDbGtidSet.parse(null).isEmpty()).isTrue();
        assertThat(MariaDbGtidSet.parse(" 0-1-0 ").isEmpty()).isTrue();
        assertThat(MariaDbGtidSet.EMPTY.toPosition()).isEmpty();
        assertThat(MariaDbGtidSet.parse(" 1-1-3 , 2-2-4 ")).hasToString("1-1-3,2-2-4");
    }

    @Test
    void largeNumbers() {
        MariaDbGtidSet set = MariaDbGtidSet.parse("4294967295-4294967295-9223372036854775807");
        assertThat(set.count()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void malformedInputNamesTheValueAndTheExpectedForm() {
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-1"))
                .isInstanceOf(GtidFormatException.class)
                .hasMessage("not a MariaDB GTID set: '1-1' ('1-1' is not domain-server_id-seq); expected "
                        + "comma-separated domain-server_id-seq (or domain-server_id-from..to), e.g. 0-1-100,1-2-7");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-x-3")).hasMessageContaining("'x' is not a server_id");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-1-3,")).hasMessageContaining("an empty element");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("-1-1-3")).hasMessageContaining("'-1-1-3'");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("4294967296-1-3")).hasMessageContaining("domain 4294967296 is out of range");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-1-18446744073709551615")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-1-9..3")).hasMessageContaining("from 1 up");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-1-0..3")).hasMessageContaining("from 1 up");
        assertThatThrownBy(() -> MariaDbGtidSet.parse("3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5"))
                .isInstanceOf(GtidFormatException.class);
        assertThatThrownBy(() -> MariaDbGtidSet.parse("1-1-3").union(MysqlGtidSet.EMPTY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("with a mysql one");
    }
}
