package dev.stickyfail.hazelcast;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.cp.CPMember;
import dev.stickyfail.store.Decision;
import dev.stickyfail.store.DecisionStore;
import dev.stickyfail.store.StoreContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Five members, cp-member-count 3: this JVM's embedded member (the master) and children 1 and 2 (JVMs of their own) are
 * the CP members; members 3 and 4 are AP members (plain Hazelcast instances in this JVM: they only count). The partition {this, 3, 4} | {1, 2} leaves this side with three members, as many as
 * cp-member-count, but without the CP majority, which may be deciding on the other side. It is made by freezing 1 and
 * 2 (SIGSTOP): from this side, a frozen member and one behind a partition look the same (heartbeats stop, it is
 * expelled), and that is all the keeper can see. Before, the master reset the CP Subsystem 3 s later, and this side
 * formed a second one and decided alone.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class MinorityPartitionTest {

    static final Duration LEASE = Duration.ofSeconds(2);

    @Test
    void aSideWithoutTheCpMajorityNeverResetsIntoASecondCpSubsystemUntilTheMissingMembersAreProvenDead() throws Exception {
        assumeTrue(MemberCluster.canSignal(), "freezing a member needs the kill command: apt-get install procps");
        MemberCluster cluster = new MemberCluster(MemberCluster.newDir("partition"), 5, 3);
        DecisionStore a = new HazelcastDecisionStoreFactory().create(new StoreContext("partition", SharedDecisionTest.SERVERS,
                "a", LEASE, Map.of(HazelcastSettings.CONFIG, cluster.memberFile(0).toString())));
        try {
            CompletableFuture<Decision> started = CompletableFuture.supplyAsync(() -> Starting.started(a, null));
            await().atMost(Duration.ofSeconds(60)).until(() -> !Hazelcast.getAllHazelcastInstances().isEmpty());
            cluster.start(1);
            cluster.start(2);
            started.get(180, TimeUnit.SECONDS);
            HazelcastInstance hz = Hazelcast.getAllHazelcastInstances().iterator().next();
            for (int i = 3; i <= 4; i++) {
                apMembers.add(Hazelcast.newHazelcastInstance(plainMember(cluster, i)));
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> hz.getCluster().getMembers().size() == 5);
            Set<Integer> cpPorts = hz.getCPSubsystem().getCPSubsystemManagementService().getCPMembers()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS).stream().map(m -> m.getAddress().getPort())
                    .collect(Collectors.toSet());
            assertThat(cpPorts).containsExactlyInAnyOrder(cluster.ports[0], cluster.ports[1], cluster.ports[2]);
            Decision one = new Decision(SharedDecisionTest.SERVERS.get(0), 1, "a", Instant.now(), "first");
            Decision two = Decision.next(one, SharedDecisionTest.SERVERS.get(1), "a", "db0 down");
            // right after members joined, CP calls can take longer than the 500 ms budget: asked again, as the group does
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> a.propose(0, one).epoch() == 1);
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> a.propose(1, two).epoch() == 2);

            cluster.freeze(1);
            cluster.freeze(2);
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> hz.getCluster().getMembers().size() == 3);
            long expelled = (System.nanoTime() - t0) / 1_000_000;
            // three members present, as many as cp-member-count: this side must still not decide
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> !answers(hz) && !reads(a));
            Report.line("five members, cp-member-count 3, the two other CP members cut off (frozen): expelled after "
                    + expelled + " ms; this side of three members formed no CP Subsystem of its own for the 10 s watched");

            // the missing CP members restart at their addresses: proven dead; the CP Subsystem is reset, and the census
            // seeds the decision above what the instance had
            cluster.kill(1);
            cluster.kill(2);
            long t1 = System.nanoTime();
            cluster.start(1);
            cluster.start(2);
            Decision[] back = new Decision[1];
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(250)).until(() -> {
                try {
                    back[0] = a.read();
                    return true;
                } catch (SQLException e) {
                    return false;
                }
            });
            Report.line("... the two restarted at their addresses: the master reset the CP Subsystem and the census "
                    + "seeded the decision " + (System.nanoTime() - t1) / 1_000_000 + " ms after their JVMs were started");
            assertThat(back[0].server()).isEqualTo(two.server());
            assertThat(back[0].epoch()).isEqualTo(3);
            assertThat(back[0].history()).isNotEqualTo(two.history());
            assertThat(apMembers.get(0).getCPSubsystem().getCPSubsystemManagementService().getCPMembers()
                    .toCompletableFuture().get(10, TimeUnit.SECONDS)).extracting(CPMember::getAddress).hasSize(3);
        } finally {
            a.close();
            apMembers.forEach(m -> m.getLifecycleService().terminate());
            cluster.close();
        }
    }

    private final java.util.List<HazelcastInstance> apMembers = new java.util.ArrayList<>();

    /** Member {@code i}'s file with stickyfail's tuning, for a plain Hazelcast instance in this JVM (no keeper). */
    static com.hazelcast.config.Config plainMember(MemberCluster cluster, int i) throws java.io.IOException {
        com.hazelcast.config.Config c = com.hazelcast.config.Config.loadFromFile(cluster.memberFile(i).toFile());
        HazelcastHandle.applyTuning(c, true, null);
        return c;
    }

    private static boolean answers(HazelcastInstance hz) {
        try {
            hz.getCPSubsystem().getCPSubsystemManagementService().getCPMembers().toCompletableFuture().get(2, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean reads(DecisionStore a) {
        try {
            a.read();
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
