package dev.stickyfail.it;

import dev.stickyfail.StickyFailDataSource;
import dev.stickyfail.UntrustedDecisionException;
import dev.stickyfail.admin.GroupAdmin;
import dev.stickyfail.event.DecisionPersistenceEvent;
import dev.stickyfail.event.StickyFailListener;
import dev.stickyfail.testkit.MariaDbGroupTest;
import dev.stickyfail.testkit.ServerGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.stickyfail.it.Fixtures.serverId;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The decision never silently goes back: a state file that cannot be written at start stops the start, and one that
 * stops taking writes during a switch is never trusted by the next start. Made real with a read-only directory
 * ({@code chattr +i}, which holds even for root) and a full filesystem (a tiny tmpfs): both need root, so the tests
 * skip elsewhere and run in CI.
 */
@MariaDbGroupTest(size = 2)
class StateFileFaultsTest {

    private final ServerGroup group;

    @TempDir
    Path dir;

    StateFileFaultsTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(90));
    }

    @Test
    void anUnwritableStateFileDirectoryFailsTheStartNamingThePath() throws Exception {
        assumeRoot("chattr +i");
        Path locked = Files.createDirectory(dir.resolve("locked"));
        run("chattr", "+i", locked.toString());
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-unwritable",
                "stickyfail.stateFile=" + locked.resolve("stickyfail.state"))) {
            assertThatThrownBy(ds::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining(locked.toString())
                    .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("08001");
        } finally {
            run("chattr", "-i", locked.toString());
        }
    }

    @Test
    void aSwitchWhoseWriteFailsGoesAheadAndARestartThenRefusesRatherThanReturnToTheOldServer() throws Exception {
        assumeRoot("a tmpfs mount");
        Path mnt = Files.createDirectory(dir.resolve("tmpfs"));
        run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt.toString());
        try {
            Path state = mnt.resolve("stickyfail.state");
            String params = "stickyfail.stateFile=" + state + "&stickyfail.failoverTimeout=2s";
            List<DecisionPersistenceEvent> persistence = new CopyOnWriteArrayList<>();
            try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-full", params)) {
                GroupAdmin admin = ds.admin();
                admin.addListener(new StickyFailListener() {
                    @Override
                    public void onDecisionPersistence(DecisionPersistenceEvent e) {
                        persistence.add(e);
                    }
                });
                try (Connection c = ds.getConnection()) {
                    assertThat(serverId(c)).isEqualTo(group.server(0).serverId());
                }
                assertThat(Files.readString(state)).contains("server=" + name(0));
                fill(mnt);
                group.server(0).kill();
                await().atMost(Duration.ofSeconds(20)).until(() -> admin.activeServer().orElse("").equals(name(1)));
                try (Connection c = ds.getConnection()) {
                    assertThat(serverId(c)).as("the switch went ahead").isEqualTo(group.server(1).serverId());
                }
                assertThat(admin.decision().orElseThrow().persisted()).isFalse();
                assertThat(ManagementFactory.getPlatformMBeanServer().getAttribute(
                        new ObjectName("dev.stickyfail:type=Group,name=" + ObjectName.quote("state-full")),
                        "DecisionPersisted")).isEqualTo(false);
                await().atMost(Duration.ofSeconds(5)).until(() -> !persistence.isEmpty());
                assertThat(persistence.get(0).persisted()).isFalse();
                assertThat(Files.exists(state)).as("the file naming the old server is not left to be trusted").isFalse();
            }
            group.server(0).start(); // both up: a naive restart would pick the primary, which the group had left
            try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-full", params)) {
                assertThatThrownBy(ds::getConnection).as("still full: the start fails, naming the file")
                        .isInstanceOf(SQLException.class).hasMessageContaining(state.toString())
                        .hasMessageContaining("No space left");
            }
            Files.delete(mnt.resolve("filler"));
            try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "state-full", params)) {
                assertThatThrownBy(ds::getConnection).isInstanceOf(UntrustedDecisionException.class)
                        .hasMessageContaining(state.toString()).hasMessageContaining("could not be written");
            }
        } finally {
            run("umount", "-l", mnt.toString());
        }
    }

    /** Fills a filesystem so that no new block can be written. */
    private static void fill(Path mnt) throws IOException {
        Path filler = mnt.resolve("filler");
        byte[] chunk = new byte[4096];
        try (var out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                out.flush();
            }
        } catch (IOException full) {
            // no space left: what the test wants
        }
    }

    private static void assumeRoot(String what) {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root for " + what + " (CI runs as root); skipped for user " + System.getProperty("user.name"));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
