package dev.stickyfail.hazelcast;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InstanceTableTest {

    @Test
    void encodesDeterministicallyAndRoundTrips() {
        InstanceTable t = InstanceTable.EMPTY.beat("host b|pid 2\nx", 3, 10).beat("a", 0, 5);
        String encoded = t.encode();
        assertThat(encoded).startsWith("stickyfail-instances/1\na 0 5\n");
        assertThat(InstanceTable.decode(encoded)).isEqualTo(t);
        assertThat(InstanceTable.decode(encoded).get("host b|pid 2\nx").ackedEpoch()).isEqualTo(3);
        assertThat(InstanceTable.EMPTY.beat("a", 0, 5).beat("host b|pid 2\nx", 3, 10).encode()).isEqualTo(encoded);
    }

    @Test
    void acknowledgementsNeverGoBackAndRemovalWorks() {
        InstanceTable t = InstanceTable.EMPTY.beat("a", 7, 1).beat("a", 0, 2);
        assertThat(t.get("a").ackedEpoch()).isEqualTo(7);
        assertThat(t.get("a").heartbeat()).isEqualTo(2);
        assertThat(t.without(List.of("a", "zz")).all()).isEmpty();
        assertThat(InstanceTable.decode(null).all()).isEmpty();
    }

    @Test
    void rejectsForeignText() {
        assertThatThrownBy(() -> InstanceTable.decode("hello")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a stickyfail instance table");
    }
}
