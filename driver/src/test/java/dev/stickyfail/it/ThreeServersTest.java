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

/** Three servers in a replication ring: the order of backups, failback across three, a state file naming the middle one. */
@MariaDbGroupTest(size = 3)
class ThreeServersTest {

    private final ServerGroup group;

    @TempDir
    Path dir;

    ThreeServersTest(ServerGroup group) {
        this.group = group;
    }

    @AfterEach
    void heal() {
        group.heal(Duration.ofSeconds(120));
    }

    @Test
    void eachServerKilledInTurnMovesTheGroupDownTheChainOnceAndItStays() throws Exception {
        Fixtures.Switches switches = new Fixtures.Switches();
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "three-chain", "")) {
            GroupAdmin admin = ds.admin();
            admin.addListener(switches);
            assertServedBy(ds, 0);
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            assertServedBy(ds, 1);
            group.server(0).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.servers().get(0).getState().equals("UP"));
            assertServedBy(ds, 1); // sticky: the primary's return moves nothing
            group.server(1).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> !admin.activeServer().orElse("").equals(name(1)));
            assertThat(admin.activeServer()).as("the first eligible server in URL order").contains(name(0));
            assertServedBy(ds, 0);
            group.server(1).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.servers().get(1).getState().equals("UP"));
            group.server(0).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> !admin.activeServer().orElse("").equals(name(0)));
            assertThat(admin.activeServer()).contains(name(1));
            await().atMost(Duration.ofSeconds(10)).until(() -> switches.failovers() >= 3);
            assertThat(switches.failovers()).as("one switch per kill").isEqualTo(3);
            assertThat(admin.epoch()).isEqualTo(4);
        }
    }

    @Test
    void failbackPrimaryUpWalksBackToThePrimaryFromTheLastServer() throws Exception {
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "three-failback",
                "stickyfail.failback=primary-up")) {
            GroupAdmin admin = ds.admin();
            assertServedBy(ds, 0);
            group.server(0).kill();
            group.server(1).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> admin.activeServer().orElse("").equals(name(2)));
            assertServedBy(ds, 2);
            group.server(1).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.activeServer().orElse("").equals(name(1)));
            assertServedBy(ds, 1);
            group.server(0).start();
            await().atMost(Duration.ofSeconds(30)).until(() -> admin.activeServer().orElse("").equals(name(0)));
            assertServedBy(ds, 0);
            assertThat(admin.servers()).allSatisfy(s -> assertThat(s.isActive()).isEqualTo(s.getServer().equals(name(0))));
        }
    }

    @Test
    void aStateFileNamingTheMiddleServerIsResumedThereWithEveryServerUp() throws Exception {
        Path state = dir.resolve("three.state");
        Files.writeString(state, "format=stickyfail-state/1\ngroup=three-state\nserver=" + name(1)
                + "\nepoch=7\ntime=2026-11-22T10:00:00Z\nreason=test\n");
        try (StickyFailDataSource ds = Fixtures.dataSource(group, group.hostList(), "three-state",
                "stickyfail.stateFile=" + state)) {
            assertServedBy(ds, 1);
            assertThat(ds.admin().epoch()).isEqualTo(7);
            group.server(1).kill();
            await().atMost(Duration.ofSeconds(20)).until(() -> ds.admin().activeServer().orElse("").equals(name(0)));
            assertThat(ds.admin().epoch()).isEqualTo(8);
        }
        assertThat(Files.readString(state)).contains("server=" + name(0)).contains("epoch=8");
    }

    private void assertServedBy(StickyFailDataSource ds, int index) throws Exception {
        try (Connection c = ds.getConnection()) {
            assertThat(serverId(c)).isEqualTo(group.server(index).serverId());
        }
    }

    private String name(int index) {
        return group.server(index).hostAndPort();
    }
}
