package dev.stickyfail.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fewer than three CP members: a clear error, or, when the user accepts it, unsafe mode with a loud warning. */
class FewerThanThreeMembersTest {

    static final List<String> SERVERS = List.of("db0:3306", "db1:3306");

    static DecisionStore store(Map<String, String> props) throws SQLException {
        return new HazelcastDecisionStoreFactory().create(new StoreContext("few", SERVERS, "a", Duration.ofSeconds(1), props));
    }

    @Test
    void cpMemberCountTwoIsRefusedWithHowToFixIt() throws Exception {
        Path dir = MemberCluster.newDir("two");
        MemberCluster c = new MemberCluster(dir, 1, 0);
        Path f = Files.writeString(dir.resolve("two.yaml"), Files.readString(c.memberFile(0))
                + "  cp-subsystem:\n    cp-member-count: 2\n");
        try (DecisionStore s = store(Map.of(HazelcastSettings.CONFIG, f.toString()))) {
            assertThatThrownBy(() -> s.start(null)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("two.yaml").hasMessageContaining("at least 3 CP members")
                    .hasMessageContaining("standalone member").hasMessageContaining("allowUnsafeMode=true");
        }
        assertThat(Hazelcast.getAllHazelcastInstances()).as("no member was started").isEmpty();
    }

    @Test
    void noCpSubsystemIsRefusedUnlessUnsafeModeIsAllowed() throws Exception {
        MemberCluster c = new MemberCluster(MemberCluster.newDir("zero"), 1, 0);
        try (DecisionStore s = store(Map.of(HazelcastSettings.CONFIG, c.memberFile(0).toString()))) {
            assertThatThrownBy(() -> s.start(null)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("sets no cp-subsystem.cp-member-count").hasMessageContaining("UNSAFE")
                    .hasMessageContaining("cp-member-count: 3").hasMessageContaining("allowUnsafeMode=true");
        }
        assertThat(Hazelcast.getAllHazelcastInstances()).isEmpty();
        String log = stderrOf(() -> {
            try (DecisionStore s = store(Map.of(HazelcastSettings.CONFIG, c.memberFile(0).toString(),
                    HazelcastSettings.ALLOW_UNSAFE_MODE, "true"))) {
                Starting.started(s, null); // a new group: one lease of census
                Decision d = new Decision("db0:3306", 1, "a", Instant.now(), "unsafe");
                Decision won = s.propose(0, d);
                assertThat(won.inHistory("")).isEqualTo(d);
                assertThat(s.read()).isEqualTo(won);
            }
        });
        assertThat(log).contains("UNSAFE MODE").contains("BOTH SERVERS CAN TAKE WRITES");
        assertThat(Hazelcast.getAllHazelcastInstances()).as("closing the store stopped its member").isEmpty();
    }

    @Test
    void anApplicationInstanceWithoutCpSubsystem() throws Exception {
        MemberCluster c = new MemberCluster(MemberCluster.newDir("app"), 1, 0);
        Config config = Config.loadFromFile(c.memberFile(0).toFile());
        config.setInstanceName("the-app");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        HazelcastInstance app = Hazelcast.newHazelcastInstance(config);
        try {
            try (DecisionStore s = store(Map.of(HazelcastSettings.INSTANCE_NAME, "the-app"))) {
                assertThatThrownBy(() -> s.start(null)).isInstanceOf(SQLException.class)
                        .hasMessageContaining("instanceName=the-app").hasMessageContaining("at least 3 CP members");
            }
            String log = stderrOf(() -> {
                try (DecisionStore s = store(Map.of(HazelcastSettings.INSTANCE_NAME, "the-app",
                        HazelcastSettings.ALLOW_UNSAFE_MODE, "true"))) {
                    Decision seeded = Starting.started(s, new Decision("db1:3306", 4, "a", Instant.now(), "state file"));
                    assertThat(seeded.server()).isEqualTo("db1:3306");
                    assertThat(seeded.epoch()).as("seeded above the state file's epoch").isEqualTo(5);
                }
            });
            assertThat(log).contains("UNSAFE MODE");
            assertThat(app.getLifecycleService().isRunning()).as("the application's own instance is left running").isTrue();
        } finally {
            app.shutdown();
        }
        try (DecisionStore s = store(Map.of(HazelcastSettings.INSTANCE_NAME, "the-app"))) {
            assertThatThrownBy(() -> s.start(null)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("instanceName=the-app names no running HazelcastInstance");
        }
    }

    @Test
    void aMemberFileThatIsNotOne() throws Exception {
        Path f = Files.writeString(MemberCluster.newDir("bad").resolve("broken.yaml"), "hazelcast:\n  network: [oops\n");
        try (DecisionStore s = store(Map.of(HazelcastSettings.CONFIG, f.toString()))) {
            assertThatThrownBy(() -> s.start(null)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("broken.yaml").hasMessageContaining("is not a usable Hazelcast member file");
        }
    }

    interface Action {
        void run() throws Exception;
    }

    static String stderrOf(Action action) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(old);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        old.print(s);
        return s;
    }
}
