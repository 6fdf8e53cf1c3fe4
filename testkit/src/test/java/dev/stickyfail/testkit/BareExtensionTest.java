package dev.stickyfail.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Registered without the annotation, the extension uses the annotation's defaults: the shared 2-server group. */
@ExtendWith(MariaDbGroupExtension.class)
class BareExtensionTest {

    @Test
    void injectsTheSharedTwoServerGroup(ServerGroup group) {
        assertThat(group.size()).isEqualTo(2);
        assertThat(group.isClosed()).isFalse();
        group.assertReplicationHealthy();
    }
}
