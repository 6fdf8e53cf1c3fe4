package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The reload bug of the first user report, solved: a restarted application comes back on the server it had switched to. */
@MariaDbGroupTest(size = 2)
class StateFileRestartTest {

    private final ServerGroup group;

    @TempDir
    Path dir;

    StateFileRestartTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void anApplicationRestartedAfterAFailoverStartsOnTheBackup() throws Exception {
        Path state = dir.resolve("stickyfail.state");
        String params = "stickyfail.stateFile=" + state;
        long epoch;
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-restart", params)) {
            GroupAdmin admin = ds.admin();
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            epoch = admin.epoch();
        }
        assertThat(Files.readString(state)).contains("server=" + name(1)).contains("epoch=" + epoch);
        group.server(0).start(); // both servers up: a naive restart would go back to the primary

        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-restart", params)) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
            assertThat(ds.admin().epoch()).isEqualTo(epoch);
        }
    }

    @Test
    void aCorruptStateFileIsIgnoredAndReplacedAtTheFirstDecision() throws Exception {
        Path state = dir.resolve("corrupt.state");
        Files.write(state, new byte[] {0, 1, 2, (byte) 0xff, '\n', 'x'});
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-corrupt",
                "stickyfail.stateFile=" + state)) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
            assertThat(ds.admin().epoch()).isEqualTo(1);
        }
        assertThat(Files.readString(state)).contains("format=stickyfail-state/1").contains("server=" + name(0));
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
