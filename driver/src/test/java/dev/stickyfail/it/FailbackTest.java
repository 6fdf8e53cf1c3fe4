package dev.stickyfail.it;

import dev.stickyfail.EvictedConnectionException;
import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.time.Duration;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** {@code stickyfail.failback=primary-up}: HAProxy's {@code on-marked-up shutdown-backup-sessions}. */
@MariaDbGroupTest(size = 2)
class FailbackTest {

    private final ServerGroup group;

    FailbackTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void trafficReturnsToThePrimaryOnceItIsUpAndBackupSessionsAreClosed() throws Exception {
        Fixtures.Switches switches = new Fixtures.Switches();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "failback",
                "stickyfail.failback=primary-up&stickyfail.replaceIdleConnections=false")) { // onBackup stays idle: not replaced
            GroupAdmin admin = ds.admin();
            admin.addListener(switches);
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            Connection onBackup = ds.getConnection();
            assertThat(serverId(onBackup)).isEqualTo(group.server(1).serverId());

            group.server(0).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> switches.failovers() == 2); // the switch has completed
            assertThat(admin.activeServer()).contains(name(0));
            assertThat(switches.events.get(switches.events.size() - 1).reason()).contains("failback");
            assertThatThrownBy(() -> serverId(onBackup)).isInstanceOf(EvictedConnectionException.class)
                    .hasMessageContaining("connection to " + name(1) + " was aborted");
            onBackup.close();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            assertThat(switches.failovers()).isEqualTo(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> group.server(1).connectionCount(group.appUser()) == 0);
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
