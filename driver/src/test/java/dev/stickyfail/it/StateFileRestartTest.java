package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.UntrustedDecisionException;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
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
    void aCorruptStateFileIsRefusedUntilAnOperatorSwitchesAndFreshStartIsAnOptIn() throws Exception {
        Path state = dir.resolve("corrupt.state");
        Files.write(state, new byte[] {0, 1, 2, (byte) 0xff, '\n', 'x'});
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-corrupt",
                "stickyfail.stateFile=" + state + "&stickyfail.failoverTimeout=1s")) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(UntrustedDecisionException.class)
                    .hasMessageContaining(state.toString()).hasMessageContaining("cannot be trusted")
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
            GroupAdmin admin = ds.admin();
            assertThat(admin.activeServer()).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() -> admin.servers().get(1).getState().equals("UP"));
            admin.switchTo(name(1)); // the operator knows db1 was active
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(1).serverId());
            }
        }
        assertThat(Files.readString(state)).contains("server=" + name(1));

        Files.write(state, new byte[] {0, 1, 2});
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-corrupt",
                "stickyfail.stateFile=" + state + "&stickyfail.stateFileUnusable=fresh-start")) {
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).as("fresh start: the first server up").isEqualTo(group.server(0).serverId());
            }
        }
    }

    @Test
    void deletingAnUntrustedFileLetsTheGroupStartFresh() throws Exception {
        Path state = dir.resolve("foreign.state");
        Files.writeString(state, "format=stickyfail-state/1\ngroup=another\nserver=" + name(1)
                + "\nepoch=9\ntime=2026-11-22T10:00:00Z\n");
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-foreign",
                "stickyfail.stateFile=" + state + "&stickyfail.failoverTimeout=1s")) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(UntrustedDecisionException.class)
                    .hasMessageContaining("group 'another'");
            Files.delete(state);
            await().atMost(Duration.ofSeconds(10)).until(() -> ds.admin().activeServer().isPresent());
            try (Connection c = ds.getConnection()) {
                assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
            }
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
